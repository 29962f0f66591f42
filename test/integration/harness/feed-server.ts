import { createServer, type Server } from "node:http";
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";

export interface Post {
  id: string;
  title: string;
  link: string;
  summary: string;
  author?: string;
  published: Date;
  /** A podcast's audio or a video (RSS <enclosure>, Atom rel="enclosure"). */
  enclosure?: { url: string; type: string; length: number };
}

export interface FeedRequest {
  path: string;
  status: number;
  conditional: boolean;
  userAgent: string | undefined;
  /** When the request arrived (ms since the epoch): to count a feed's reads per interval. */
  at: number;
}

/**
 * A real local HTTP server for feeds. Each path serves an Atom or RSS document built from its posts,
 * with an ETag and Last-Modified so that conditional GET (RFC 9110 §13) can be observed.
 */
export class FeedServer {
  private readonly pages = new Map<string, string>();
  private readonly redirects = new Map<string, { to: string; status: number }>();
  private readonly feeds = new Map<string, { format: "atom" | "rss"; posts: Post[]; modified: Date }>();
  private readonly extraHeaders = new Map<string, Record<string, string>>();
  readonly requests: FeedRequest[] = [];
  private readonly waiters: { pred: (r: FeedRequest) => boolean; resolve: (r: FeedRequest) => void }[] = [];
  private server: Server | undefined;
  port = 0;

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  setFeed(path: string, format: "atom" | "rss", posts: Post[]): void {
    this.feeds.set(path, { format, posts: [...posts], modified: new Date(Math.floor(Date.now() / 1000) * 1000) });
  }

  /** Answers `path` with a redirect to `to` (another path of this server), e.g. 301 for a blog that moved. */
  setRedirect(path: string, to: string, status = 301): void {
    this.redirects.set(path, { to, status });
  }

  /** Rewrites every post of a feed at once, as a blog moved to another engine or host does. */
  rewrite(path: string, change: (post: Post) => Post): void {
    const feed = this.feeds.get(path);
    if (!feed) throw new Error(`no feed at ${path}`);
    feed.posts = feed.posts.map(change);
    feed.modified = new Date(Math.max(feed.modified.getTime() + 1000, Math.floor(Date.now() / 1000) * 1000));
  }

  /** Sends these headers too with a feed (Link for a WebSub hub, Cache-Control, Expires). */
  setHeaders(path: string, headers: Record<string, string>): void {
    this.extraHeaders.set(path, headers);
  }

  /** The document a feed serves now (what a WebSub hub pushes to its subscribers). */
  document(path: string, only?: Post[]): string {
    const feed = this.feeds.get(path);
    if (!feed) throw new Error(`no feed at ${path}`);
    return render(feed.format, path, only ?? feed.posts, this.url(path));
  }

  /** Serves a fixed body as text/html (a web page where a feed was expected). */
  setPage(path: string, html: string): void {
    this.pages.set(path, html);
  }

  /** Adds a post at the top of the feed, as a blog does when a post is published. */
  publish(path: string, post: Post): void {
    const feed = this.feeds.get(path);
    if (!feed) throw new Error(`no feed at ${path}`);
    feed.posts.unshift(post);
    // Last-Modified has one-second resolution: make sure it moves forward.
    feed.modified = new Date(Math.max(feed.modified.getTime() + 1000, Math.floor(Date.now() / 1000) * 1000));
  }

  /** Resolves with the first request (already made or future) after `since` that matches. */
  waitForRequest(pred: (r: FeedRequest) => boolean, since = 0, timeoutMs = 30_000): Promise<FeedRequest> {
    const found = this.requests.slice(since).find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching feed request within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0]!;
      const feed = this.feeds.get(path);
      let status: number;
      const conditional = !!(req.headers["if-none-match"] || req.headers["if-modified-since"]);
      const page = this.pages.get(path);
      const redirect = this.redirects.get(path);
      if (redirect !== undefined) {
        status = redirect.status;
        res.writeHead(redirect.status, { location: this.url(redirect.to) }).end();
      } else if (page !== undefined) {
        status = 200;
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
      } else if (!feed) {
        status = 404;
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      } else {
        const body = render(feed.format, path, feed.posts, this.url(path));
        const etag = `"${createHash("sha1").update(body).digest("hex").slice(0, 16)}"`;
        if (req.headers["if-none-match"] === etag) {
          status = 304;
          res.writeHead(304, { etag, ...this.extraHeaders.get(path) }).end();
        } else {
          status = 200;
          res
            .writeHead(200, {
              "content-type": feed.format === "atom" ? "application/atom+xml; charset=utf-8" : "application/rss+xml; charset=utf-8",
              etag,
              "last-modified": feed.modified.toUTCString(),
              ...this.extraHeaders.get(path),
            })
            .end(body);
        }
      }
      const record = { path, status, conditional, userAgent: req.headers["user-agent"], at: Date.now() };
      this.requests.push(record);
      for (const w of [...this.waiters]) {
        if (w.pred(record)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(record);
        }
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function render(format: "atom" | "rss", path: string, posts: Post[], self: string): string {
  if (format === "atom") {
    return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Test blog ${esc(path)}</title>
  <id>${esc(self)}</id>
  <link href="${esc(self)}" rel="self"/>
  <updated>${(posts[0]?.published ?? new Date(0)).toISOString()}</updated>
${posts
  .map(
    (p) => `  <entry>
    <id>${esc(p.id)}</id>
    <title>${esc(p.title)}</title>
    <link href="${esc(p.link)}"/>
    <updated>${p.published.toISOString()}</updated>
    ${p.author ? `<author><name>${esc(p.author)}</name></author>` : ""}
    ${p.enclosure ? `<link rel="enclosure" href="${esc(p.enclosure.url)}" type="${esc(p.enclosure.type)}" length="${p.enclosure.length}"/>` : ""}
    <summary type="html">${esc(p.summary)}</summary>
  </entry>`,
  )
  .join("\n")}
</feed>`;
  }
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>Test blog ${esc(path)}</title><link>${esc(self)}</link><description>test</description>
${posts
  .map(
    (p) => `  <item><guid isPermaLink="false">${esc(p.id)}</guid><title>${esc(p.title)}</title><link>${esc(p.link)}</link>
    <pubDate>${p.published.toUTCString()}</pubDate><description>${esc(p.summary)}</description>${
      p.enclosure ? `<enclosure url="${esc(p.enclosure.url)}" type="${esc(p.enclosure.type)}" length="${p.enclosure.length}"/>` : ""
    }</item>`,
  )
  .join("\n")}
</channel></rss>`;
}

let counter = 0;
/** A post with a unique id, dated now unless told otherwise. */
export function makePost(title: string, extra: Partial<Post> = {}): Post {
  counter++;
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  return {
    id: `urn:test:${slug}:${counter}:${process.pid}`,
    title,
    link: `https://blog.example.org/${slug}/`,
    summary: `<p>${title} is here. It has a second sentence with <b>bold</b> text &amp; an entity.</p>`,
    published: new Date(),
    ...extra,
  };
}

// A local HTTP server for many feeds at once (loopback only). Unlike the test harness's FeedServer,
// each document is rendered and hashed once, when it changes, not on every request, so the
// server's own CPU stays small next to the bot's (they share the machine's two cores). It counts
// requests by status and bytes on the wire, and tells when a published post is first served.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { BenchPost } from "./posts.js";

interface Feed {
  readonly format: "atom" | "rss";
  posts: BenchPost[];
  body: Buffer;
  etag: string;
  lastModified: Date;
}

export interface FarmStats {
  readonly requests: number;
  readonly byStatus: Readonly<Record<number, number>>;
  /** Bytes the farm wrote (status line, headers, bodies): what the bot received. */
  readonly bytesOut: number;
  /** Bytes the farm read: the bot's requests. */
  readonly bytesIn: number;
  /** Date.now() and performance.now() of the first request since the last reset. */
  readonly firstRequestAt: { epoch: number; perf: number } | undefined;
}

export interface FarmOptions {
  /** Send ETag and Last-Modified and answer conditional requests with 304 (default true). */
  readonly validators?: boolean;
}

/** A post published with `publish`, and when a response carrying it was first written out. */
export interface Watched {
  readonly id: string;
  readonly publishedAt: number;
  servedAt: number | undefined;
}

export class FeedFarm {
  validators: boolean;
  port = 0;
  /** Called on each request, before it is answered (e.g. to read the bot's CPU at a cycle's start). */
  onRequest: ((path: string) => void) | undefined;
  private readonly feeds = new Map<string, Feed>();
  private readonly watched = new Map<string, { watched: Watched; path: string; resolve: (w: Watched) => void }>();
  private readonly sockets = new Set<Socket>();
  private closedOut = 0;
  private closedIn = 0;
  private server: Server | undefined;
  private stats = { requests: 0, byStatus: {} as Record<number, number>, outAtReset: 0, inAtReset: 0, first: undefined as FarmStats["firstRequestAt"] };

  constructor(options: FarmOptions = {}) {
    this.validators = options.validators ?? true;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  setFeed(path: string, format: "atom" | "rss", posts: readonly BenchPost[]): void {
    const feed: Feed = { format, posts: [...posts], body: Buffer.alloc(0), etag: "", lastModified: new Date(Math.floor(Date.now() / 1000) * 1000) };
    this.render(path, feed);
    this.feeds.set(path, feed);
  }

  /**
   * Puts a post at the top of the feed and drops the oldest one, as a blog's feed keeps its newest
   * N posts. Resolves once a 200 response carrying the post has been written to the socket.
   */
  publish(path: string, post: BenchPost): { watched: Watched; served: Promise<Watched> } {
    const feed = this.feeds.get(path);
    if (!feed) throw new Error(`no feed at ${path}`);
    feed.posts = [post, ...feed.posts.slice(0, Math.max(0, feed.posts.length - 1))];
    // Last-Modified has one-second resolution: make it move forward.
    feed.lastModified = new Date(Math.max(feed.lastModified.getTime() + 1000, Math.floor(Date.now() / 1000) * 1000));
    this.render(path, feed);
    const watched: Watched = { id: post.id, publishedAt: performance.now(), servedAt: undefined };
    const served = new Promise<Watched>((resolve) => this.watched.set(post.id, { watched, path, resolve }));
    return { watched, served };
  }

  private render(path: string, feed: Feed): void {
    feed.body = Buffer.from(feed.format === "atom" ? atom(path, feed.posts, this.url(path)) : rss(path, feed.posts, this.url(path)));
    feed.etag = `"${createHash("sha1").update(feed.body).digest("hex").slice(0, 16)}"`;
  }

  /** The ETag and Last-Modified a client that polled `path` holds. */
  validatorsOf(path: string): [etag: string, lastModified: string] {
    const feed = this.feeds.get(path);
    if (!feed) throw new Error(`no feed at ${path}`);
    return [feed.etag, feed.lastModified.toUTCString()];
  }

  resetStats(): void {
    this.stats = { requests: 0, byStatus: {}, outAtReset: this.bytes("out"), inAtReset: this.bytes("in"), first: undefined };
  }

  snapshot(): FarmStats {
    return {
      requests: this.stats.requests,
      byStatus: { ...this.stats.byStatus },
      bytesOut: this.bytes("out") - this.stats.outAtReset,
      bytesIn: this.bytes("in") - this.stats.inAtReset,
      firstRequestAt: this.stats.first,
    };
  }

  private bytes(direction: "in" | "out"): number {
    let sum = direction === "out" ? this.closedOut : this.closedIn;
    for (const s of this.sockets) sum += direction === "out" ? s.bytesWritten : s.bytesRead;
    return sum;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0]!;
    if (this.stats.first === undefined) this.stats.first = { epoch: Date.now(), perf: performance.now() };
    this.onRequest?.(path);
    const feed = this.feeds.get(path);
    let status: number;
    if (!feed) {
      status = 404;
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    } else if (this.validators && notModified(req, feed)) {
      status = 304;
      res.writeHead(304, { etag: feed.etag }).end();
    } else {
      status = 200;
      const headers: Record<string, string | number> = {
        "content-type": feed.format === "atom" ? "application/atom+xml; charset=utf-8" : "application/rss+xml; charset=utf-8",
        "content-length": feed.body.byteLength,
      };
      if (this.validators) {
        headers.etag = feed.etag;
        headers["last-modified"] = feed.lastModified.toUTCString();
      }
      const body = feed.body;
      const carried = [...this.watched.values()].filter((w) => w.path === path && body.includes(`>${w.watched.id}<`));
      res.writeHead(200, headers).end(body);
      if (carried.length > 0) {
        // "finish": the whole response has been handed to the kernel.
        res.once("finish", () => {
          const at = performance.now();
          for (const w of carried) {
            if (w.watched.servedAt !== undefined) continue;
            w.watched.servedAt = at;
            this.watched.delete(w.watched.id);
            w.resolve(w.watched);
          }
        });
      }
    }
    this.stats.requests++;
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => {
        this.closedOut += socket.bytesWritten;
        this.closedIn += socket.bytesRead;
        this.sockets.delete(socket);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** RFC 9110 §13.1: If-None-Match wins; If-Modified-Since is looked at only without it. */
function notModified(req: IncomingMessage, feed: Feed): boolean {
  const inm = req.headers["if-none-match"];
  if (inm !== undefined) return inm === feed.etag;
  const ims = req.headers["if-modified-since"];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return Number.isFinite(since) && feed.lastModified.getTime() <= since;
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function atom(path: string, posts: readonly BenchPost[], self: string): string {
  const entries = posts.map(
    (p) => `  <entry>
    <id>${esc(p.id)}</id>
    <title>${esc(p.title)}</title>
    <link href="${esc(p.link)}"/>
    <updated>${p.published.toISOString()}</updated>
    <author><name>${esc(p.author)}</name></author>
    <summary type="html">${esc(p.summaryHtml)}</summary>
  </entry>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Bench blog ${esc(path)}</title>
  <id>${esc(self)}</id>
  <link href="${esc(self)}" rel="self"/>
  <updated>${(posts[0]?.published ?? new Date(0)).toISOString()}</updated>
${entries.join("\n")}
</feed>
`;
}

function rss(path: string, posts: readonly BenchPost[], self: string): string {
  const items = posts.map(
    (p) => `  <item>
    <guid isPermaLink="false">${esc(p.id)}</guid>
    <title>${esc(p.title)}</title>
    <link>${esc(p.link)}</link>
    <dc:creator>${esc(p.author)}</dc:creator>
    <pubDate>${p.published.toUTCString()}</pubDate>
    <description>${esc(p.summaryHtml)}</description>
  </item>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
  <title>Bench blog ${esc(path)}</title>
  <link>${esc(self)}</link>
  <description>A made-up blog for the benchmark</description>
${items.join("\n")}
</channel></rss>
`;
}

// Issue 17, point 7: a blog's home page instead of its feed. A real HTTP server on 127.0.0.1 serves
// pages and feeds; the real fetcher reads them; `herald preview` is called in-process.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chooseFeed, describeDiscovery, findFeedLinks, readFeedOrPage } from "../../../src/sources/http/discover.js";
import { createHttpFetcher } from "../../../src/sources/http/fetch.js";
import { FeedParseError } from "../../../src/sources/feeds/parse-feed.js";
import { runPreview } from "../../../src/preview.js";
import { startLocalServer, type LocalServer } from "./support/local-server.js";

const FIXTURES = join(__dirname, "../../fixtures");
const ATOM = readFileSync(join(FIXTURES, "feeds/atom.xml"));
const RSS = readFileSync(join(FIXTURES, "feeds/rss2.xml"));

const page = (head: string) => `<!doctype html><html><head><title>A blog</title>${head}</head><body><h1>Posts</h1></body></html>`;

/** path → [content type, body] */
const routes: Record<string, [string, string | Buffer]> = {
  "/": [
    "text/html; charset=utf-8",
    page(`<link rel="stylesheet" href="/style.css">
      <link rel="alternate" type="application/atom+xml" title="Posts (Atom)" href="/feed.atom">
      <LINK REL="alternate" TYPE="application/rss+xml" TITLE="Posts (RSS)" HREF="feed.rss">
      <link rel="alternate" type="application/rss+xml" title="Comments" href="/comments/feed/">`),
  ],
  "/wordpress/": [
    "text/html",
    page(`<link rel="alternate" type="application/rss+xml" title="Blog &raquo; Comments Feed" href="https://127.0.0.1:1/comments/feed/">
      <link rel="alternate" type="application/rss+xml" title="Blog &raquo; Feed" href="/feed.rss">`),
  ],
  "/based/": ["text/html", page(`<base href="/feeds/"><link rel="alternate" type="application/atom+xml" href="main.atom">`)],
  "/feeds/main.atom": ["application/atom+xml", ATOM],
  "/feed.atom": ["application/atom+xml", ATOM],
  "/feed.rss": ["application/rss+xml", RSS],
  "/comments/feed/": ["application/rss+xml", RSS],
  "/no-feeds/": ["text/html", page(`<link rel="alternate" hreflang="fr" href="/fr/">`)],
  "/broken-link/": ["text/html", page(`<link rel="alternate" type="application/atom+xml" href="/not-a-feed/">`)],
  "/not-a-feed/": ["text/html", page("")],
};

let server: LocalServer;
const fetchFeed = createHttpFetcher({ userAgent: "Herald (test)", timeoutMs: 10_000 });

beforeAll(async () => {
  server = await startLocalServer();
  server.handle((req, res) => {
    const route = routes[req.url ?? ""];
    if (route === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": route[0] }).end(route[1]);
  });
});
afterAll(() => server.close());

test("a home page: its first feed is read, and the others are named", async () => {
  const read = await readFeedOrPage(`${server.base}/`, fetchFeed);
  expect(read.feedUrl).toBe(`${server.base}/feed.atom`);
  expect(read.feed.entries.length).toBeGreaterThan(0);
  expect(read.discovery).toEqual({
    page: `${server.base}/`,
    chosen: { url: `${server.base}/feed.atom`, format: "Atom", title: "Posts (Atom)" },
    others: [
      { url: `${server.base}/feed.rss`, format: "RSS", title: "Posts (RSS)" },
      { url: `${server.base}/comments/feed/`, format: "RSS", title: "Comments" },
    ],
  });
  expect(describeDiscovery(read.discovery!)).toBe(
    `${server.base}/ is a web page that links to 3 feeds; using ${server.base}/feed.atom (Atom, “Posts (Atom)”); also: ${server.base}/feed.rss (RSS, “Posts (RSS)”), ${server.base}/comments/feed/ (RSS, “Comments”)`,
  );
});

test("a comments feed listed first is passed over for the posts feed (RSS here)", async () => {
  const read = await readFeedOrPage(`${server.base}/wordpress/`, fetchFeed);
  expect(read.discovery?.chosen).toEqual({ url: `${server.base}/feed.rss`, format: "RSS", title: "Blog » Feed" });
  expect(read.discovery?.others.map((l) => l.title)).toEqual(["Blog » Comments Feed"]);
});

test("<base href> and relative links are resolved as a browser would", async () => {
  expect((await readFeedOrPage(`${server.base}/based/`, fetchFeed)).feedUrl).toBe(`${server.base}/feeds/main.atom`);
});

test("a feed URL is read as it is, with no discovery", async () => {
  const read = await readFeedOrPage(`${server.base}/feed.rss`, fetchFeed);
  expect(read.feedUrl).toBe(`${server.base}/feed.rss`);
  expect(read.discovery).toBeUndefined();
});

test("a page that links to no feed says so", async () => {
  const error = await readFeedOrPage(`${server.base}/no-feeds/`, fetchFeed).catch((err: unknown) => err);
  expect(error).toBeInstanceOf(FeedParseError);
  expect((error as Error).message).toBe(
    'not an RSS or Atom feed: the root element is <html> (an HTML page, not a feed); expected <rss>, <rdf:RDF> or <feed>; the page links to no feed (no <link rel="alternate"> with an Atom or RSS type)',
  );
});

test("a page whose feed link leads to no feed says where it led", async () => {
  await expect(readFeedOrPage(`${server.base}/broken-link/`, fetchFeed)).rejects.toThrow(
    new RegExp(`^the page links to ${server.base}/not-a-feed/ as its Atom feed, but that is not an RSS or Atom feed`),
  );
});

test("the link finder ignores stylesheets, other languages and non-http links", () => {
  const links = findFeedLinks(
    page(`<link rel="alternate stylesheet" href="/x.css"><link rel="alternate" type="application/atom+xml" href="javascript:alert(1)">
      <link rel="alternate" type="application/atom+xml; charset=utf-8" href="https://example.org/a"><link rel="alternate" type="application/atom+xml" href="https://example.org/a">`),
    "https://example.org/",
  );
  expect(links).toEqual([{ url: "https://example.org/a", format: "Atom", title: undefined }]);
  expect(chooseFeed([])).toBeUndefined();
});

describe("herald preview", () => {
  async function preview(...args: string[]) {
    let out = "";
    let err = "";
    const code = await runPreview(args, { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
    return { code, out, err };
  }

  test("a home page: says which feed it took and which others there are, then the posts", async () => {
    const { code, out, err } = await preview(`${server.base}/`, "--limit", "1");
    expect({ code, err }).toEqual({ code: 0, err: "" });
    const [first, second] = out.split("\n");
    expect(first).toBe(
      `${server.base}/ is a web page that links to 3 feeds; using ${server.base}/feed.atom (Atom, “Posts (Atom)”); also: ${server.base}/feed.rss (RSS, “Posts (RSS)”), ${server.base}/comments/feed/ (RSS, “Comments”)`,
    );
    expect(second).toMatch(/^Feed “.+”: \d+ posts; the newest 1 as announced:$/);
  });

  test.each([
    ["htp:/bad url", 'htp:/bad url: neither an http(s) URL nor an existing file or folder: its scheme "htp:" is not http: or https: (did you mean http:// or https://?)'],
    ["ftp://example.org/feed", 'ftp://example.org/feed: neither an http(s) URL nor an existing file or folder: its scheme "ftp:" is not http: or https:'],
    ["example.org/blog", "example.org/blog: neither an http(s) URL nor an existing file or folder; did you mean https://example.org/blog?"],
    ["no-such-file.xml", "no-such-file.xml: neither an http(s) URL nor an existing file or folder"],
  ])("%j is neither a URL nor a path, and it says so", async (source, message) => {
    expect(await preview(source)).toEqual({ code: 1, out: "", err: `herald preview: ${message}\n` });
  });
});

// The fetcher against a hostile local HTTP server (issue 5, items 4 and 6): a feed that trickles,
// a 50 MB feed, redirect loops and chains, permanent redirects, 410, 429/503 with Retry-After, and
// an entity-expansion bomb served over HTTP. Outcomes are asserted, never elapsed time.
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createGzip } from "node:zlib";
import { createHttpFetcher, FetchError, MAX_RETRY_AFTER_MS, parseRetryAfter } from "../../../src/sources/http/fetch.js";
import { httpFeedSource } from "../../../src/sources/http/feed-source.js";
import { startLocalServer, streamBytes, type LocalServer } from "./support/local-server.js";

const MB = 1024 * 1024;
const none = { etag: undefined, lastModified: undefined };
const NOW = Date.parse("Mon, 02 Feb 2026 10:00:00 GMT");
const fetcher = createHttpFetcher({ userAgent: "Herald/test", timeoutMs: 10_000, now: () => NOW });
const failure = (promise: Promise<unknown>) => promise.then(() => new Error("resolved, expected a FetchError"), (e: unknown) => e);

let server: LocalServer;
beforeAll(async () => void (server = await startLocalServer()));
afterAll(() => server.close());

describe("a slow feed", () => {
  const open = new Set<NodeJS.Timeout>();
  afterEach(() => open.forEach((t) => clearInterval(t)));

  test("a body trickling one byte a second fails at the total timeout, temporary, and holds nothing else up", async () => {
    server.handle((req, res) => {
      if (req.url === "/ok") return void res.writeHead(200, { "content-type": "application/rss+xml" }).end("<rss/>");
      res.writeHead(200, { "content-type": "application/rss+xml" });
      const timer = setInterval(() => res.write("<"), 1000);
      open.add(timer);
      res.once("close", () => clearInterval(timer));
    });
    const slow = createHttpFetcher({ userAgent: "Herald/test", timeoutMs: 4000 });
    let settled = false;
    const trickling = failure(slow(`${server.base}/trickle`, none)).finally(() => (settled = true));
    // Another feed fetched meanwhile gets its answer while the trickling one is still going.
    expect(await slow(`${server.base}/ok`, none)).toMatchObject({ kind: "fetched", text: "<rss/>" });
    expect(settled).toBe(false);
    const error = await trickling;
    expect(error).toBeInstanceOf(FetchError);
    expect(error).toMatchObject({ temporary: true, message: "no complete answer within 4 s" });
  });

  test("headers trickling one byte a second fail at the total timeout too", async () => {
    const raw: TcpServer = createTcpServer((socket: Socket) => {
      const head = Buffer.from("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nX-Slow: " + "a".repeat(1000));
      let i = 0;
      const timer = setInterval(() => (i < head.length ? socket.write(head.subarray(i, ++i)) : undefined), 1000);
      open.add(timer);
      socket.on("close", () => clearInterval(timer)).on("error", () => undefined);
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    try {
      const slow = createHttpFetcher({ userAgent: "Herald/test", timeoutMs: 2500 });
      const port = (raw.address() as AddressInfo).port;
      expect(await failure(slow(`http://127.0.0.1:${port}/`, none))).toMatchObject({ temporary: true, message: "no complete answer within 2.5 s" });
    } finally {
      await new Promise((r) => raw.close(r));
    }
  });

  test("a TLS handshake that never completes fails at the connect timeout, temporary", async () => {
    // Accepts TCP and says nothing: the client's TLS handshake waits forever.
    const sockets = new Set<Socket>();
    const mute: TcpServer = createTcpServer((socket) => void sockets.add(socket.on("error", () => undefined)));
    await new Promise<void>((r) => mute.listen(0, "127.0.0.1", r));
    try {
      const port = (mute.address() as AddressInfo).port;
      const slow = createHttpFetcher({ userAgent: "Herald/test", timeoutMs: 30_000, connectTimeoutMs: 1000 });
      expect(await failure(slow(`https://127.0.0.1:${port}/`, none))).toMatchObject({ temporary: true, message: `could not connect to 127.0.0.1:${port} within 1 s` });
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => mute.close(r));
    }
  });
});

describe("a huge feed", () => {
  // The default cap (20 MB) against a 50 MB body that the server generates chunk by chunk.
  const big = createHttpFetcher({ userAgent: "Herald/test", timeoutMs: 30_000 });

  test.each([
    ["streamed without a length", false],
    ["with its length declared", true],
  ])("50 MB %s is refused, not temporary, without reading it all", async (_what, declared) => {
    let served: Promise<number> = Promise.resolve(0);
    server.handle((_req, res) => {
      res.writeHead(200, { "content-type": "application/rss+xml", ...(declared ? { "content-length": String(50 * MB) } : {}) });
      served = streamBytes(res, 50 * MB);
    });
    const error = await failure(big(`${server.base}/huge.xml`, none));
    expect(error).toBeInstanceOf(FetchError);
    expect(error).toMatchObject({ temporary: false, message: "feed is larger than the 20 MB limit" });
    // The fetcher hung up: the server never got to hand over the whole 50 MB.
    expect(await served).toBeLessThan(50 * MB);
  });

  test("a gzip bomb (Content-Encoding: gzip, 50 MB unpacked) is refused at the cap", async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { "content-type": "application/rss+xml", "content-encoding": "gzip" });
      const gzip = createGzip();
      gzip.pipe(res);
      res.once("close", () => gzip.destroy());
      void streamBytes(gzip as unknown as Parameters<typeof streamBytes>[0], 50 * MB, "\0");
    });
    expect(await failure(big(`${server.base}/bomb.xml`, none))).toMatchObject({ temporary: false, message: "feed is larger than the 20 MB limit" });
  });
});

describe("redirects", () => {
  const redirect = (status: number, to: string) => (res: Parameters<Parameters<LocalServer["handle"]>[0]>[1]) => void res.writeHead(status, { location: to }).end();
  const feed = (res: Parameters<Parameters<LocalServer["handle"]>[0]>[1]) => void res.writeHead(200, { "content-type": "application/rss+xml", etag: '"e"' }).end("<rss/>");

  test("a loop is reported with the path it took", async () => {
    server.handle((req, res) => redirect(302, req.url === "/a" ? "/b" : "/a")(res));
    const error = await failure(fetcher(`${server.base}/a`, none));
    expect(error).toMatchObject({ temporary: false, message: `redirect loop: ${server.base}/a → ${server.base}/b → ${server.base}/a` });
  });

  test("5 redirects are followed; the 6th is one too many", async () => {
    server.handle((req, res) => {
      const n = Number(req.url?.split("/")[2]);
      return n > 0 ? redirect(307, `/hop/${n - 1}`)(res) : feed(res);
    });
    expect(await fetcher(`${server.base}/hop/5`, none)).toMatchObject({ kind: "fetched", url: `${server.base}/hop/0` });
    const error = await failure(fetcher(`${server.base}/hop/6`, none));
    expect(error).toMatchObject({ temporary: false, message: expect.stringMatching(/^more than 5 redirects: .*\/hop\/6 → .*\/hop\/0$/) });
  });

  test.each([
    ["301", ["301 /b", "feed"], "/b"],
    ["308", ["308 /b", "feed"], "/b"],
    ["302 (temporary)", ["302 /b", "feed"], undefined],
    ["301 then 302: only the permanent start counts", ["301 /b", "302 /c", "feed"], "/b"],
    ["301 then 308", ["301 /b", "308 /c", "feed"], "/c"],
    ["302 then 301", ["302 /b", "301 /c", "feed"], undefined],
  ])("%s", async (_what, steps, remembered) => {
    // The request for /a gets steps[0], /b gets steps[1], /c gets steps[2].
    server.handle((req, res) => {
      const step = steps["abc".indexOf(req.url!.slice(1))]!;
      return step === "feed" ? feed(res) : redirect(Number(step.slice(0, 3)), step.slice(4))(res);
    });
    const result = await fetcher(`${server.base}/a`, none);
    expect(result).toMatchObject({ kind: "fetched", text: "<rss/>" });
    expect(result.permanentRedirect).toBe(remembered === undefined ? undefined : `${server.base}${remembered}`);
  });

  test("a permanent redirect is reported on 304 too, and through the feed source", async () => {
    server.handle((req, res) => {
      if (req.url === "/old") return redirect(301, "/new")(res);
      if (req.headers["if-none-match"] === '"e"') return void res.writeHead(304).end();
      feed(res);
    });
    expect(await fetcher(`${server.base}/old`, { etag: '"e"', lastModified: undefined })).toEqual({ kind: "not-modified", permanentRedirect: `${server.base}/new` });
    const read = await httpFeedSource(`${server.base}/old`, fetcher)(none);
    expect(read).toMatchObject({ kind: "entries", permanentRedirect: `${server.base}/new`, validators: { etag: '"e"' } });
  });

  test("a redirect without Location, or to a non-HTTP URL, is a clear permanent error", async () => {
    server.handle((_req, res) => void res.writeHead(301).end());
    expect(await failure(fetcher(`${server.base}/x`, none))).toMatchObject({ temporary: false, message: `HTTP 301 redirect without a Location header from ${server.base}/x` });
    server.handle((_req, res) => redirect(302, "file:///etc/passwd")(res));
    expect(await failure(fetcher(`${server.base}/x`, none))).toMatchObject({ temporary: false, message: "file: URLs cannot be fetched; only http: and https:" });
  });
});

describe("status codes", () => {
  test("410 Gone is permanent and flagged gone; 404 is permanent but not gone", async () => {
    server.handle((req, res) => void res.writeHead(req.url === "/gone" ? 410 : 404).end());
    expect(await failure(fetcher(`${server.base}/gone`, none))).toMatchObject({ status: 410, gone: true, temporary: false, message: "HTTP 410 Gone: the feed was removed" });
    expect(await failure(fetcher(`${server.base}/missing`, none))).toMatchObject({ status: 404, gone: false, temporary: false, message: "HTTP 404 Not Found" });
  });

  test.each([
    [429, "120", 120_000],
    [503, "Mon, 02 Feb 2026 10:05:00 GMT", 300_000],
    [503, "Mon, 02 Feb 2026 09:00:00 GMT", 0], // a date already past: ask again whenever
    [429, "99999999", MAX_RETRY_AFTER_MS], // bounded
    [429, "soon", undefined], // unreadable: plain backoff
    [503, undefined, undefined],
  ])("HTTP %i with Retry-After %j is temporary with retryAfterMs %j", async (status, retryAfter, retryAfterMs) => {
    server.handle((_req, res) => void res.writeHead(status, retryAfter === undefined ? {} : { "retry-after": retryAfter }).end());
    const error = await failure(fetcher(`${server.base}/busy`, none));
    expect(error).toBeInstanceOf(FetchError);
    expect(error).toMatchObject({ status, temporary: true, gone: false, retryAfterMs });
  });

  test("other 5xx are temporary, other 4xx are not", async () => {
    for (const [status, temporary] of [[500, true], [502, true], [504, true], [408, true], [401, false], [400, false]] as const) {
      server.handle((_req, res) => void res.writeHead(status).end());
      expect(await failure(fetcher(`${server.base}/s`, none))).toMatchObject({ status, temporary, retryAfterMs: undefined });
    }
  });

  test("parseRetryAfter reads both forms", () => {
    expect(parseRetryAfter(" 120 ", NOW)).toBe(120_000);
    expect(parseRetryAfter("Mon, 02 Feb 2026 10:00:30 GMT", NOW)).toBe(30_000);
    expect(parseRetryAfter("", NOW)).toBeUndefined();
  });
});

describe("an entity-expansion bomb served over HTTP", () => {
  const fixture = (name: string) => readFileSync(join(__dirname, "../../fixtures/feeds", name), "utf8");

  test("billion laughs: the fetcher and parser never expand it", async () => {
    server.handle((_req, res) => void res.writeHead(200, { "content-type": "application/rss+xml" }).end(fixture("entity-bomb.xml")));
    const started = process.memoryUsage().heapUsed;
    const read = await httpFeedSource(`${server.base}/bomb.rss`, fetcher)(none);
    if (read.kind !== "entries") throw new Error(`expected entries, got ${read.kind}`);
    expect(read.title).toBe("&lol9;");
    expect(read.entries).toHaveLength(1);
    const entry = read.entries[0]!;
    expect(entry).toMatchObject({ title: "Laughs &lol9;", summaryHtml: "&ext;" });
    expect(entry.title).not.toContain("lollol");
    expect(entry.title.length + entry.summaryHtml.length).toBeLessThan(100);
    // Expanded, the title alone would be 3 GB; nothing near that was allocated.
    expect(process.memoryUsage().heapUsed - started).toBeLessThan(50 * MB);
  });

  test("external entities and a remote DTD are never fetched", async () => {
    const requested: string[] = [];
    server.handle((req, res) => {
      requested.push(req.url!);
      if (req.url === "/feed.rss") {
        const text = fixture("entity-bomb-remote.xml").replaceAll("{{BASE}}", server.base);
        return void res.writeHead(200, { "content-type": "application/rss+xml" }).end(text);
      }
      res.writeHead(200, { "content-type": "application/xml-dtd" }).end('<!ENTITY leak "LEAKED">');
    });
    const read = await httpFeedSource(`${server.base}/feed.rss`, fetcher)(none);
    if (read.kind !== "entries") throw new Error(`expected entries, got ${read.kind}`);
    expect(read.entries.map((e) => [e.title, e.summaryHtml])).toEqual([["Remote &leak;", "&secret;"]]);
    expect(requested).toEqual(["/feed.rss"]);
  });
});

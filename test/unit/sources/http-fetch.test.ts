// The fetcher against a real local HTTP server: conditional GET, User-Agent, errors that say
// whether they are temporary, a timeout and a size cap.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { createHttpFetcher, FetchError } from "../../../src/sources/http/fetch.js";

let server: Server;
let base: string;
let handler: (req: IncomingMessage, res: ServerResponse) => void;
const seen: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const fetcher = createHttpFetcher({ userAgent: "Herald/test", timeoutMs: 500, maxBytes: 1024 });
const none = { etag: undefined, lastModified: undefined };

test("sends validators and turns 304 into not-modified", async () => {
  handler = (req, res) => {
    if (req.headers["if-none-match"] === '"v1"') return void res.writeHead(304).end();
    res.writeHead(200, { etag: '"v1"', "last-modified": "Mon, 02 Feb 2026 10:00:00 GMT" }).end("<rss/>");
  };
  const first = await fetcher(`${base}/a`, none);
  expect(first).toMatchObject({ kind: "fetched", text: "<rss/>", validators: { etag: '"v1"', lastModified: "Mon, 02 Feb 2026 10:00:00 GMT" } });
  if (first.kind !== "fetched") throw new Error("unreachable");
  expect(await fetcher(`${base}/a`, first.validators)).toEqual({ kind: "not-modified" });
  const last = seen.at(-1)!;
  expect(last.headers["user-agent"]).toBe("Herald/test");
  expect(last.headers["if-modified-since"]).toBe("Mon, 02 Feb 2026 10:00:00 GMT");
});

test.each([
  [503, true],
  [429, true],
  [404, false],
  [403, false],
])("HTTP %i is an error, temporary: %s", async (status, temporary) => {
  handler = (_req, res) => void res.writeHead(status).end("no");
  const error = await fetcher(`${base}/e`, none).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FetchError);
  expect(error).toMatchObject({ temporary, status, message: expect.stringContaining(String(status)) });
});

test("a server that never answers times out with a temporary error", async () => {
  handler = () => undefined; // never responds
  await expect(fetcher(`${base}/slow`, none)).rejects.toMatchObject({ temporary: true, message: expect.stringMatching(/within 0.5 s/) });
});

test("a body over the cap is refused, whether declared or streamed", async () => {
  handler = (_req, res) => void res.writeHead(200, { "content-length": "5000" }).end("x".repeat(5000));
  await expect(fetcher(`${base}/big`, none)).rejects.toMatchObject({ temporary: false, message: expect.stringMatching(/larger than/) });
  handler = (_req, res) => {
    res.writeHead(200);
    res.write("x".repeat(800));
    res.end("y".repeat(800));
  };
  await expect(fetcher(`${base}/chunked`, none)).rejects.toMatchObject({ message: expect.stringMatching(/larger than/) });
});

test("a refused connection is a temporary network error", async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  await expect(fetcher(`http://127.0.0.1:${port}/`, none)).rejects.toMatchObject({ temporary: true, message: expect.stringMatching(/ECONNREFUSED/) });
});

test("a body that is itself gzip (served as application/octet-stream) is unpacked and decoded", async () => {
  const xml = '<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><title>caf\u00e9</title></channel></rss>';
  handler = (_req, res) => void res.writeHead(200, { "content-type": "application/octet-stream" }).end(gzipSync(Buffer.from(xml, "latin1")));
  expect(await fetcher(`${base}/feed.xml.gz`, none)).toMatchObject({ kind: "fetched", text: xml });
});

test.each([
  ["gzip", gzipSync],
  ["deflate", deflateSync],
  ["br", brotliCompressSync],
])("Content-Encoding: %s is undone, and asked for", async (coding, compress) => {
  handler = (_req, res) => void res.writeHead(200, { "content-encoding": coding, "content-type": "text/xml" }).end(compress(Buffer.from("<rss/>")));
  expect(await fetcher(`${base}/enc`, none)).toMatchObject({ kind: "fetched", text: "<rss/>", bytes: 6 });
  expect(seen.at(-1)!.headers["accept-encoding"]).toBe("gzip, deflate, br");
});

test("a body that is not what its Content-Encoding says is a permanent error", async () => {
  handler = (_req, res) => void res.writeHead(200, { "content-encoding": "gzip", "content-type": "text/xml" }).end("<rss/>");
  await expect(fetcher(`${base}/lie`, none)).rejects.toMatchObject({ temporary: false, message: expect.stringMatching(/^the body does not decompress as its Content-Encoding says/) });
});

test("a URL that is not http(s) is refused without a request", async () => {
  await expect(fetcher("ftp://example.org/feed", none)).rejects.toMatchObject({ temporary: false, message: "ftp: URLs cannot be fetched; only http: and https:" });
  await expect(fetcher("not a url", none)).rejects.toMatchObject({ temporary: false, message: '"not a url" is not a URL' });
});

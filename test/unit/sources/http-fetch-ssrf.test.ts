// The fetcher's address policy end to end, against a real server on 127.0.0.1: "public-only"
// refuses before connecting, every redirect hop is vetted, and the connection goes to the address
// that was vetted (no second DNS answer to rebind to).
import { createServer as createTlsServer } from "node:tls";
import type { AddressInfo } from "node:net";
import { createHttpFetcher } from "../../../src/sources/http/fetch.js";
import { httpFeedSource } from "../../../src/sources/http/feed-source.js";
import { publicOnlyExcept, type ResolvedAddress } from "../../../src/sources/http/address-policy.js";
import { startLocalServer, type LocalServer } from "./support/local-server.js";

const none = { etag: undefined, lastModified: undefined };
const HINT = "; set fetch.allow_private_addresses: true to allow it";
const failure = (promise: Promise<unknown>) => promise.then(() => new Error("resolved, expected a FetchError"), (e: unknown) => e);

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
  server.handle((req, res) => {
    const to = /^\/to\/(.*)$/.exec(req.url ?? "")?.[1];
    if (to !== undefined) return void res.writeHead(302, { location: decodeURIComponent(to) }).end();
    res.writeHead(200, { "content-type": "application/rss+xml" }).end(`<rss><channel><title>${req.headers.host}</title></channel></rss>`);
  });
});
afterAll(() => server.close());

const publicOnly = createHttpFetcher({ userAgent: "Herald/test", timeoutMs: 10_000, addressPolicy: "public-only" });

describe("public-only", () => {
  test.each([
    ["http://127.0.0.1:PORT/", "127.0.0.1 is a loopback address"],
    ["http://[::1]:PORT/", "::1 is a loopback address"],
    // URL.hostname normalises these before the policy sees them (WHATWG URL host parsing).
    ["http://[::ffff:127.0.0.1]:PORT/", "::ffff:7f00:1 is a loopback address"],
    ["http://0x7f000001:PORT/", "127.0.0.1 is a loopback address"],
    ["http://2130706433:PORT/", "127.0.0.1 is a loopback address"],
    ["http://127.1:PORT/", "127.0.0.1 is a loopback address"],
    ["http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"],
    ["http://[fe80::1]/", "fe80::1 is a link-local address"],
    ["http://10.0.0.5/", "10.0.0.5 is a private address"],
    ["http://192.168.0.1/", "192.168.0.1 is a private address"],
    ["http://[fd00::1]/", "fd00::1 is a private address"],
    ["http://100.64.0.1/", "100.64.0.1 is a shared (CGNAT) address"],
    ["http://0.0.0.0:PORT/", "0.0.0.0 is an unspecified address"],
    ["http://224.0.0.1/", "224.0.0.1 is a multicast address"],
  ])("%s is refused before connecting", async (url, why) => {
    const before = server.requests.length;
    const error = await failure(publicOnly(url.replace("PORT", String(server.port)), none));
    expect(error).toMatchObject({ temporary: false, gone: false, message: `refused: ${why}${HINT}` });
    expect(server.requests.length).toBe(before);
  });

  test("a host name resolving to loopback (localhost) is refused, naming the address", async () => {
    const before = server.requests.length;
    const error = await failure(publicOnly(`http://localhost:${server.port}/`, none));
    // Whichever loopback address the system resolver lists first is named.
    expect(error).toMatchObject({ temporary: false, message: expect.stringMatching(/^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address; set fetch\.allow_private_addresses: true to allow it$/) });
    expect(server.requests.length).toBe(before);
  });

  test("a public host name whose DNS answer is private is refused, naming host and address", async () => {
    const fetcher = createHttpFetcher({ userAgent: "Herald/test", timeoutMs: 10_000, addressPolicy: "public-only", resolveHost: async () => [{ address: "10.0.0.5", family: 4 }] });
    expect(await failure(fetcher("https://feed.example.org/atom.xml", none))).toMatchObject({
      temporary: false,
      refusedAddress: "10.0.0.5",
      message: `refused: feed.example.org resolves to 10.0.0.5, a private address${HINT}`,
    });
  });

  test("a name that does not resolve is a temporary network error naming it", async () => {
    const fetcher = createHttpFetcher({
      userAgent: "Herald/test",
      timeoutMs: 10_000,
      addressPolicy: "public-only",
      resolveHost: (host) => Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND", hostname: host })),
    });
    expect(await failure(fetcher("https://nowhere.invalid/feed", none))).toMatchObject({ temporary: true, message: "network error: ENOTFOUND nowhere.invalid" });
  });

  test("a lookup that never answers is bounded by the connect timeout", async () => {
    const fetcher = createHttpFetcher({ userAgent: "Herald/test", timeoutMs: 30_000, connectTimeoutMs: 500, addressPolicy: "public-only", resolveHost: () => new Promise(() => undefined) });
    expect(await failure(fetcher("https://feed.example.org/feed", none))).toMatchObject({ temporary: true, message: "could not connect to feed.example.org within 0.5 s" });
  });
});

describe("an allow list (how these tests reach their own server)", () => {
  const onlyTestServer = publicOnlyExcept("127.0.0.1");
  const fetcher = createHttpFetcher({ userAgent: "Herald/test", timeoutMs: 10_000, addressPolicy: onlyTestServer });

  test("the allowed address is fetched", async () => {
    expect(await fetcher(`${server.base}/feed`, none)).toMatchObject({ kind: "fetched" });
  });

  test.each([
    ["http://127.0.0.2:PORT/", "127.0.0.2 is a loopback address"],
    ["http://[::1]:PORT/", "::1 is a loopback address"],
    ["http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"],
    ["http://192.168.1.1/admin", "192.168.1.1 is a private address"],
  ])("every redirect hop is vetted: a redirect to %s is refused", async (target, why) => {
    const url = `${server.base}/to/${encodeURIComponent(target.replace("PORT", String(server.port)))}`;
    expect(await failure(fetcher(url, none))).toMatchObject({ temporary: false, message: `refused: ${why}${HINT}` });
  });

  test("the connection goes to the vetted address; Host stays the name; DNS is asked once", async () => {
    // "feed.test" exists only in this resolver: had the connection resolved the name again (where a
    // rebinding attacker would answer differently), it would have failed with ENOTFOUND.
    const asked: string[] = [];
    const answers: ResolvedAddress[][] = [[{ address: "127.0.0.1", family: 4 }], [{ address: "127.0.0.2", family: 4 }]];
    const pinned = createHttpFetcher({
      userAgent: "Herald/test",
      timeoutMs: 10_000,
      addressPolicy: onlyTestServer,
      resolveHost: async (host) => {
        asked.push(host);
        return answers.shift() ?? [];
      },
    });
    const result = await pinned(`http://feed.test:${server.port}/feed`, none);
    expect(result).toMatchObject({ kind: "fetched", url: `http://feed.test:${server.port}/feed` });
    expect(server.requests.at(-1)?.headers.host).toBe(`feed.test:${server.port}`);
    expect(asked).toEqual(["feed.test"]);
  });

  test("over HTTPS the pinned connection still names the host in TLS SNI", async () => {
    // No certificate is needed to see the ClientHello: the server records the name and hangs up.
    const names: string[] = [];
    const tlsServer = createTlsServer({
      SNICallback: (name, done) => {
        names.push(name);
        done(new Error("no certificate here"));
      },
    });
    tlsServer.on("tlsClientError", () => undefined);
    await new Promise<void>((r) => tlsServer.listen(0, "127.0.0.1", r));
    try {
      const port = (tlsServer.address() as AddressInfo).port;
      const pinned = createHttpFetcher({ userAgent: "Herald/test", timeoutMs: 10_000, addressPolicy: onlyTestServer, resolveHost: async () => [{ address: "127.0.0.1", family: 4 }] });
      expect(await failure(pinned(`https://feed.test:${port}/feed`, none))).toMatchObject({ temporary: true, message: expect.stringMatching(/^network error: /) });
      expect(names).toEqual(["feed.test"]);
    } finally {
      await new Promise((r) => tlsServer.close(r));
    }
  });

  test("a per-call policy overrides the fetcher's", async () => {
    const trusting = createHttpFetcher({ userAgent: "Herald/test", timeoutMs: 10_000 });
    expect(await trusting(`${server.base}/feed`, none)).toMatchObject({ kind: "fetched" });
    expect(await failure(trusting(`${server.base}/feed`, none, { addressPolicy: "public-only" }))).toMatchObject({ message: `refused: 127.0.0.1 is a loopback address${HINT}` });
    expect(await failure(httpFeedSource(`${server.base}/feed`, trusting, { addressPolicy: "public-only" })(none))).toMatchObject({ temporary: false });
    expect(await publicOnly(`${server.base}/feed`, none, { addressPolicy: "any" })).toMatchObject({ kind: "fetched" });
  });
});

test('"any" (the default) reaches loopback', async () => {
  const fetcher = createHttpFetcher({ userAgent: "Herald/test", timeoutMs: 10_000, addressPolicy: "any" });
  expect(await fetcher(`${server.base}/feed`, none)).toMatchObject({ kind: "fetched" });
  expect(await createHttpFetcher({ userAgent: "Herald/test", timeoutMs: 10_000 })(`${server.base}/feed`, none)).toMatchObject({ kind: "fetched" });
});

// Connecting as a real bot account would: TLS with certificate checks, a wrong password, a server
// that is not up yet, a nick already taken, and the stanza log for debugging.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";

const started: BotProcess[] = [];
const servers: XmppServer[] = [];
const members: Member[] = [];
let feeds: FeedServer;

beforeAll(async () => {
  feeds = new FeedServer();
  await feeds.start();
  feeds.setFeed("/blog.atom", "atom", [makePost("Existing post")]);
});

afterAll(async () => {
  await Promise.all(started.map((b) => b.kill()));
  await Promise.all(members.map((m) => m.stop()));
  await Promise.all(servers.map((s) => s.cleanup()));
  await feeds.stop();
});

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<XmppServer> {
  const s = await startServer({ users: { herald: "bot-secret-pw", alice: "alice-pw" }, ...options });
  servers.push(s);
  return s;
}

function bot(xmpp: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, extra: Record<string, unknown> = {}): BotProcess {
  const dir = mkdtempSync(join(tmpdir(), "herald-conn-"));
  const path = writeConfig(
    {
      xmpp: { jid: "herald@localhost", password: "bot-secret-pw", resource: `conn-${started.length}`, ...xmpp },
      store: join(dir, "herald.db"),
      feeds: [{ name: "blog", url: feeds.url("/blog.atom"), interval: "1m" }],
      rooms: [{ jid: "lobby@conference.localhost", feeds: ["blog"] }],
      ...extra,
    },
    dir,
  );
  const b = BotProcess.run(path, env);
  started.push(b);
  return b;
}

test("STARTTLS to a server with a private CA works when the CA is given in NODE_EXTRA_CA_CERTS", async () => {
  const s = await server({ tls: true });
  const b = bot({ service: s.service }, { NODE_EXTRA_CA_CERTS: s.caFile });
  // The server refuses unencrypted logins, so being online proves the TLS upgrade happened.
  await b.waitForMsg("joined room", { room: "lobby@conference.localhost" });
  expect(await b.stop()).toBe(0);
});

test("direct TLS (xmpps://) works the same way, checked against the URL's host name", async () => {
  const s = await server({ tls: true });
  const b = bot({ service: `xmpps://localhost:${s.tlsPort}` }, { NODE_EXTRA_CA_CERTS: s.caFile });
  await b.waitForMsg("joined room", { room: "lobby@conference.localhost" });
  expect(await b.stop()).toBe(0);
  // The certificate names localhost, not 127.0.0.1: the bot says which host to use.
  const byAddress = bot({ service: `xmpps://127.0.0.1:${s.tlsPort}` }, { NODE_EXTRA_CA_CERTS: s.caFile });
  expect(await byAddress.exited).toBe(1);
  expect(byAddress.stderr).toMatch(/does not name the host.*xmpp\.service/);
});

test("an untrusted certificate stops the bot with a message that names the fix", async () => {
  const s = await server({ tls: true });
  const b = bot({ service: s.service });
  expect(await b.exited).toBe(1);
  expect(b.stderr).toMatch(/certificate is not trusted/);
  expect(b.stderr).toMatch(/NODE_EXTRA_CA_CERTS/);
});

test("a wrong password exits non-zero at once with a clear message, never retrying forever", async () => {
  const s = await server();
  const b = bot({ service: s.service, password: "not-the-password" });
  expect(await b.exited).toBe(1);
  expect(b.stderr).toMatch(/refused the login \(not-authorized\): check xmpp\.jid and the password/);
  expect(b.stderr + b.stdout).not.toContain("not-the-password");
});

test("a server that is down at start-up is retried with growing delays, then joined", async () => {
  const s = await server();
  await s.stop();
  const b = bot({ service: s.service });
  const first = await b.waitForMsg("cannot reach the XMPP server; retrying");
  const second = await b.waitForLog((l) => l.msg === "cannot reach the XMPP server; retrying" && l !== first);
  // Jitter is ±20%, so the second delay (base 2 s) is always longer than the first (base 1 s).
  expect(second.retryInMs as number).toBeGreaterThan(first.retryInMs as number);
  await s.start();
  await b.waitForMsg("joined room", { room: "lobby@conference.localhost" });
  expect(await b.stop()).toBe(0);
});

test("a nick already taken in the room falls back to another nick", async () => {
  const s = await server();
  const alice = await connectMember({ server: s, username: "alice", password: "alice-pw" });
  members.push(alice);
  // Alice (in the room first) takes the bot's nick.
  await alice.joinRoom("lobby@conference.localhost", "Herald");
  const b = bot({ service: s.service });
  const joined = await b.waitForMsg("joined room", { room: "lobby@conference.localhost" });
  expect(joined.nick).toBe("Herald_");
  await alice.waitForOccupant("lobby@conference.localhost", "Herald_");
  expect(await b.stop()).toBe(0);
});

test("XMPP_DEBUG=1 logs the stanza traffic without the password", async () => {
  const s = await server();
  const b = bot({ service: s.service }, { XMPP_DEBUG: "1" });
  await b.waitForMsg("joined room", { room: "lobby@conference.localhost" });
  expect(await b.stop()).toBe(0);
  const output = b.stdout + b.stderr;
  expect(output).toMatch(/<presence[^>]*to="lobby@conference\.localhost\/Herald"/);
  expect(output).not.toContain("bot-secret-pw");
  expect(output).not.toContain(Buffer.from("bot-secret-pw").toString("base64"));
});

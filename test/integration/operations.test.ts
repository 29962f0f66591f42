// Running Herald as a service: /healthz and /metrics on the optional HTTP listener, a clean
// SIGTERM that a room member sees as the bot leaving, and a taken port reported at start-up.
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";

const ROOM = "ops@conference.localhost";
let server: XmppServer;
let feeds: FeedServer;
let alice: Member;
let bot: BotProcess;
let port: number;
let dir: string;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port: p } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return p;
}

/** Retries `probe` until it returns a value (bounded); for states reached asynchronously. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const get = async (path: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
};

function config(httpPort: number): string {
  return writeConfig(
    {
      xmpp: { jid: "herald@localhost", password: "bot-pw", service: server.service, resource: `ops-${process.pid}` },
      admins: ["alice@localhost"],
      store: join(dir, "herald.db"),
      http: { listen: `127.0.0.1:${httpPort}` },
      feeds: [{ name: "blog", url: feeds.url("/blog.atom"), interval: "1s" }],
      rooms: [{ jid: ROOM, feeds: ["blog"] }],
    },
    mkdtempSync(join(tmpdir(), "herald-ops-cfg-")),
  );
}

beforeAll(async () => {
  server = await startServer({ users: { herald: "bot-pw", alice: "alice-pw" } });
  feeds = new FeedServer();
  await feeds.start();
  feeds.setFeed("/blog.atom", "atom", [makePost("First")]);
  dir = mkdtempSync(join(tmpdir(), "herald-ops-"));
  port = await freePort();
  alice = await connectMember({ server, username: "alice", password: "alice-pw" });
  await alice.joinRoom(ROOM, "alice");
  bot = BotProcess.run(config(port));
  await bot.waitForMsg("joined room", { room: ROOM });
  await bot.waitForMsg("polled", { feed: "blog", result: "baseline" });
});

afterAll(async () => {
  await bot?.kill();
  await alice?.stop();
  await feeds?.stop();
  await server?.cleanup();
});

test("/healthz is 200 with a JSON body while online and in every room", async () => {
  const health = await get("/healthz");
  expect(health.status).toBe(200);
  expect(health.type).toBe("application/json");
  expect(JSON.parse(health.text)).toMatchObject({ status: "ok", reasons: [], online: true, rooms: { configured: 1, joined: 1 }, feeds: { total: 1, failing: [] } });
});

test("/metrics speaks Prometheus text with polls, rooms, outbox, announcements and commands", async () => {
  feeds.publish("/blog.atom", makePost("Second"));
  await alice.waitForMessage((m) => m.type === "groupchat" && m.body.startsWith("*Second*"));
  await alice.sendChat("herald@localhost", "status");
  await alice.waitForMessage((m) => m.type === "chat" && m.body.startsWith("Herald "));
  const metrics = await get("/metrics");
  expect(metrics.status).toBe(200);
  expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(metrics.text).toContain('herald_polls_total{result="baseline"} 1');
  expect(metrics.text).toMatch(/herald_polls_total\{result="new"\} 1\n/);
  expect(metrics.text).toMatch(/herald_rooms_joined 1\n/);
  expect(metrics.text).toMatch(/herald_outbox_depth 0\n/);
  expect(metrics.text).toMatch(/herald_announcements_sent_total\{kind="room"\} 1\n/);
  expect(metrics.text).toContain('herald_commands_total{command="status"} 1');
  expect(metrics.text).toMatch(/herald_poll_duration_seconds_count \d+/);
});

test("/healthz turns 503 with the reason while the server is down, and 200 again after", async () => {
  await server.stop();
  const down = await eventually(async () => {
    const h = await get("/healthz");
    return h.status === 503 ? h : undefined;
  }, "503");
  expect(JSON.parse(down.text)).toMatchObject({ status: "unavailable", reasons: expect.arrayContaining(["not connected to the XMPP server"]) });
  await server.start();
  await eventually(async () => ((await get("/healthz")).status === 200 ? true : undefined), "200 after the restart", 30_000);
});

test("SIGTERM: the member sees Herald leave the room, and it exits 0", async () => {
  await alice.waitForJoined(ROOM, 30_000);
  await alice.waitForOccupant(ROOM, "Herald", 30_000);
  expect(await bot.stop()).toBe(0);
  await eventually(async () => (alice.occupants(ROOM).has("Herald") ? undefined : true), "Herald to leave");
  expect(bot.logs.map((l) => l.msg)).toContain("stopped");
});

test("a taken HTTP port stops start-up with a message that names it", async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
  const { port: busy } = taken.address() as { port: number };
  const second = BotProcess.run(config(busy));
  expect(await second.exited).toBe(1);
  expect(second.stderr).toContain(`cannot serve http on 127.0.0.1:${busy} (EADDRINUSE)`);
  await new Promise((r) => taken.close(r));
});

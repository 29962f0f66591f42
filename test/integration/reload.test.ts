// Configuration applied live: the running bot re-reads its file on `herald reload` (SIGHUP) and
// joins, leaves, adds and removes without dropping its XMPP session; a broken file changes
// nothing and the admins hear of it once; import-opml against a running bot takes effect at once.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member, type MessageRecord } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess, CLI, writeConfig } from "./harness/bot.js";

const BOT = "herald@localhost";
const FIRST = "first@conference.localhost";
const SECOND = "second@conference.localhost";
let server: XmppServer;
let feeds: FeedServer;
let admin: Member;
let bot: BotProcess;
let dir: string;
let configPath: string;

const herald = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: dir });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const inRoom = (room: string) => (m: MessageRecord) => m.type === "groupchat" && m.from === `${room}/Herald` && !m.delayed;

function config(rooms: unknown[], feedNames: string[]): Record<string, unknown> {
  return {
    xmpp: { jid: BOT, password: "bot-pw", service: server.service, resource: `reload-${process.pid}` },
    nick: "Herald",
    admins: ["admin@localhost"],
    store: join(dir, "herald.db"),
    // Imported feeds are vetted like an admin's; the test feeds are on loopback.
    fetch: { allow_private_addresses: true },
    feeds: feedNames.map((name) => ({ name, url: feeds.url(`/${name}.atom`), interval: "1s" })),
    rooms,
  };
}

beforeAll(async () => {
  server = await startServer({ users: { herald: "bot-pw", admin: "admin-pw" } });
  feeds = new FeedServer();
  await feeds.start();
  for (const name of ["alpha", "beta", "gamma"]) feeds.setFeed(`/${name}.atom`, "atom", [makePost(`${name} baseline`)]);
  dir = mkdtempSync(join(tmpdir(), "herald-reload-"));
  configPath = writeConfig(config([{ jid: FIRST, feeds: ["alpha"] }], ["alpha"]), dir);
  admin = await connectMember({ server, username: "admin", password: "admin-pw" });
  for (const room of [FIRST, SECOND]) await admin.joinRoom(room, "admin");
  bot = BotProcess.run(configPath);
  await bot.waitForMsg("polled", { feed: "alpha", result: "baseline" });
  await admin.waitForOccupant(FIRST, "Herald");
});

afterAll(async () => {
  await bot?.kill();
  await admin?.stop();
  await feeds?.stop();
  await server?.cleanup();
});

test("herald reload: the new room is joined, the old one left, the new feed read; the session stays", async () => {
  writeConfig(config([{ jid: SECOND, feeds: ["alpha", "beta"] }], ["alpha", "beta"]), dir);
  const r = herald("reload", "--config", configPath);
  expect(r).toMatchObject({ code: 0, out: expect.stringMatching(/^Asked Herald \(pid \d+\) to reload/) });
  await admin.waitForOccupant(SECOND, "Herald");
  await bot.waitForMsg("polled", { feed: "beta", result: "baseline" });
  await until(() => !admin.occupants(FIRST).has("Herald"), "Herald to leave the first room");
  feeds.publish("/beta.atom", makePost("Beta after the reload"));
  await admin.waitForMessage((m) => inRoom(SECOND)(m) && m.body.startsWith("*Beta after the reload*"));
  // One XMPP session throughout: the reload did not reconnect.
  expect(bot.logs.filter((l) => l.msg === "online")).toHaveLength(1);
});

test("a broken file changes nothing: the problem is logged as check-config says it, the admins told once", async () => {
  writeFileSync(configPath, "xmpp:\n  jid: herald@localhost\nrooms: [\n");
  // herald reload reads the file to find the bot's database: a broken file is reported at once.
  const refused = herald("reload", "--config", configPath);
  expect(refused.code).toBe(2);
  expect(refused.err).toBe(herald("check-config", "--config", configPath).err);
  // A signal sent another way (systemctl reload, kill -HUP) meets the broken file in the bot.
  bot.signal("SIGHUP");
  const notice = await admin.waitForMessage((m) => m.type === "chat" && m.body.startsWith("I did not reload my configuration"));
  expect(notice.body).toContain(configPath);
  // Still the running configuration: the second room announces as before.
  feeds.publish("/alpha.atom", makePost("Alpha still announced"));
  await admin.waitForMessage((m) => inRoom(SECOND)(m) && m.body.startsWith("*Alpha still announced*"));
  bot.signal("SIGHUP");
  await bot.waitForLog((l) => l.msg === "config not reloaded; the running configuration stays", bot.logs.findIndex((l) => l.msg === "config not reloaded; the running configuration stays") + 1);
  expect(admin.messages.filter((m) => m.type === "chat" && m.body.startsWith("I did not reload"))).toHaveLength(1);
});

test("import-opml against the database of a running bot takes effect without a restart", async () => {
  writeConfig(config([{ jid: SECOND, feeds: ["alpha", "beta"] }], ["alpha", "beta"]), dir);
  const opml = join(dir, "more.opml");
  writeFileSync(opml, `<?xml version="1.0"?><opml version="2.0"><head><title>more</title></head><body><outline type="rss" text="Gamma" xmlUrl="${feeds.url("/gamma.atom")}"/></body></opml>`);
  const r = herald("import-opml", opml, "--config", configPath);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/told the running Herald \(pid \d+\)/);
  await bot.waitForLog((l) => l.msg === "polled" && typeof l.feed === "string" && l.feed.startsWith("gamma") && l.result === "baseline");
});

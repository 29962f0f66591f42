// Faults, as users would meet them, against the real server: the bot kicked, banned or kept out
// of a members-only room; a nick that pretends to be an admin; the bot killed (SIGKILL) between
// finding a post and sending it; the server restarted in the middle of a burst; a control
// character in a title. Lost announcements must be 0; duplicates are counted.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml } from "@xmpp/client";
import { startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member, type MessageRecord } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";
import { HostileServer } from "./harness/hostile-server.js";

const NEWS = "news@conference.localhost";
const BOT = "herald@localhost";
let server: XmppServer;
let feeds: FeedServer;
let hostile: HostileServer;
let alice: Member; // an admin, and the owner of the rooms she creates
let mallory: Member; // not an admin
let bot: BotProcess;
let configPath: string;

const fromBot = (room: string) => (m: MessageRecord) => m.type === "groupchat" && m.from.startsWith(`${room}/Herald`);
const seen = (title: string) => alice.messages.filter((m) => fromBot(NEWS)(m) && m.body.startsWith(`*${title}*`));

const muc = (room: string, ns: string, ...children: ReturnType<typeof xml>[]) =>
  alice.client.iqCaller.request(xml("iq", { type: "set", to: room }, xml("query", { xmlns: ns }, ...children)));

beforeAll(async () => {
  server = await startServer({ users: { herald: "bot-pw", alice: "alice-pw", mallory: "mallory-pw" } });
  feeds = new FeedServer();
  await feeds.start();
  feeds.setFeed("/blog.atom", "atom", [makePost("Before")]);
  hostile = new HostileServer();
  await hostile.start();
  const dir = mkdtempSync(join(tmpdir(), "herald-faults-"));
  configPath = writeConfig(
    {
      xmpp: { jid: BOT, password: "bot-pw", service: server.service, resource: `faults-${process.pid}` },
      admins: ["alice@localhost"],
      store: join(dir, "herald.db"),
      feeds: [
        { name: "blog", url: feeds.url("/blog.atom"), interval: "1s" },
        { name: "flaky", url: feeds.url("/flaky.atom"), interval: "1s" },
        // Hostile neighbours of the good feed: none may delay it or blow up the bot.
        { name: "trickle", url: hostile.url("/trickle"), interval: "1s" },
        { name: "huge", url: hostile.url("/huge"), interval: "1s" },
        { name: "loop", url: hostile.url("/loop-a"), interval: "1s" },
        { name: "bomb", url: hostile.url("/bomb"), interval: "1s" },
      ],
      rooms: [{ jid: NEWS, feeds: ["blog"] }],
      fetch: { report_failures_after: "2s", timeout: "5s" },
    },
    dir,
  );
  alice = await connectMember({ server, username: "alice", password: "alice-pw" });
  mallory = await connectMember({ server, username: "mallory", password: "mallory-pw" });
  await alice.joinRoom(NEWS, "alice", { history: true });
  bot = BotProcess.run(configPath);
  await bot.waitForMsg("polled", { feed: "blog", result: "baseline" });
  await alice.waitForOccupant(NEWS, "Herald");
});

afterEach(() => {
  // Peak memory of the bot process serving this test (for the reliability report).
  process.stdout.write(`faults: ${expect.getState().currentTestName}: bot peak RSS ${bot?.peakRssMb() ?? "?"} MB\n`);
});

afterAll(async () => {
  await bot?.kill();
  await Promise.all([alice, mallory].map((m) => m?.stop()));
  await feeds?.stop();
  await hostile?.stop();
  await server?.cleanup();
});

test("hostile feeds (trickle, 50 MB, redirect loop, entity bomb) fail alone; the good feed is announced meanwhile", async () => {
  const huge = await bot.waitForMsg("poll failed", { feed: "huge" });
  expect(huge).toMatchObject({ error: "feed is larger than the 20 MB limit", temporary: false });
  const loop = await bot.waitForMsg("poll failed", { feed: "loop" });
  expect(loop.error).toMatch(/^redirect loop: /);
  const trickle = await bot.waitForMsg("poll failed", { feed: "trickle" }, 0, 30_000);
  expect(trickle).toMatchObject({ error: "no complete answer within 5 s", temporary: true });
  // The bomb is read without expanding its entities: one entry, stored as its baseline.
  await bot.waitForLog((l) => l.msg === "polled" && l.feed === "bomb" && l.result === "baseline");
  feeds.publish("/blog.atom", makePost("Good news among hostile feeds"));
  await alice.waitForMessage((m) => fromBot(NEWS)(m) && m.body.startsWith("*Good news among hostile feeds*"));
  // Bounded memory: nothing of the 50 MB body or the 3 GB expansion was held.
  expect(bot.peakRssMb()).toBeLessThan(250);
});

test("a nick pretending to be the admin gets no admin power, in the room or through a private message", async () => {
  await mallory.joinRoom(NEWS, "alice-admin");
  await mallory.sendGroupchat(NEWS, "!feed add evil http://127.0.0.1:1/");
  await mallory.waitForMessage((m) => fromBot(NEWS)(m) && m.body === "alice-admin: “feed add” is for Herald's admins only.");
  // A MUC private message (room@service/Herald) has no verified sender: never a command.
  await mallory.client.send(xml("message", { to: `${NEWS}/Herald`, type: "chat" }, xml("body", {}, "feed add evil http://127.0.0.1:1/")));
  await mallory.sendChat(BOT, "feeds");
  const answer = await mallory.waitForMessage((m) => m.type === "chat" && m.from.startsWith(`${BOT}/`));
  expect(answer.body).toMatch(/^blog /);
  expect(mallory.messages.filter((m) => m.from === `${NEWS}/Herald` && m.type === "chat")).toHaveLength(0);
  await mallory.leaveRoom(NEWS);
});

test("a control character in a title costs nothing: it never reaches the room and the bot stays connected", async () => {
  feeds.publish("/blog.atom", makePost("Bell\u0007 and\u0000 null in a title"));
  const message = await alice.waitForMessage((m) => fromBot(NEWS)(m) && m.body.startsWith("*Bell and null in a title*"));
  expect(message.body).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
  feeds.publish("/blog.atom", makePost("After the bell"));
  await alice.waitForMessage((m) => fromBot(NEWS)(m) && m.body.startsWith("*After the bell*"));
  expect(bot.count("connection lost; reconnecting")).toBe(0);
});

test("SIGKILL between finding a post and sending it, three times: nothing lost, duplicates counted", async () => {
  const titles: string[] = [];
  for (let round = 1; round <= 3; round++) {
    const title = `Killed round ${round}`;
    titles.push(title);
    const since = bot.logs.length;
    feeds.publish("/blog.atom", makePost(title));
    // The post is in the database (its poll logged "new") but, most likely, not yet in the room.
    await bot.waitForLog((l) => l.msg === "polled" && l.result === "new", since);
    await bot.kill();
    bot = BotProcess.run(configPath);
    await alice.waitForMessage((m) => fromBot(NEWS)(m) && m.body.startsWith(`*${title}*`), 30_000);
  }
  await bot.waitForMsg("joined room", { room: NEWS });
  const counts = titles.map((t) => seen(t).length);
  // Lost: 0. A duplicate is possible only for a message in flight when the process died.
  expect(counts.every((n) => n >= 1)).toBe(true);
  expect(counts.every((n) => n <= 2)).toBe(true);
  process.stdout.write(`faults: SIGKILL rounds=3 lost=0 duplicates=${counts.reduce((a, n) => a + n - 1, 0)}\n`);
});

test("the server restarts in the middle of a burst: every post arrives, duplicates counted", async () => {
  const burst = ["Burst one", "Burst two", "Burst three", "Burst four", "Burst five"];
  const since = bot.logs.length;
  burst.forEach((t) => feeds.publish("/blog.atom", makePost(t)));
  await bot.waitForLog((l) => l.msg === "polled" && l.result === "new", since);
  const beforeRestart = bot.logs.length;
  await server.restart();
  await alice.waitForJoined(NEWS, 30_000);
  // The bot's first session after the restart: what the room confirmed (reflected) before it was
  // confirmed in the session the restart ended.
  const online = await bot.waitForLog((l) => l.msg === "online", beforeRestart, 30_000);
  const confirmedBefore = (title: string) => bot.logs.slice(since, bot.logs.indexOf(online)).some((l) => l.msg === "announced" && l.title === title);
  // A post reaches Alice live or as room history, unless the room reflected it to the bot while
  // the stopping server had already dropped Alice's session: then the room had it (Herald's
  // proof, XEP-0045) and the restart took it from the room's in-memory history, which Herald
  // cannot see. Every other post must reach her.
  const missedByReader: string[] = [];
  for (const title of burst) {
    if (confirmedBefore(title) && seen(title).length === 0) missedByReader.push(title);
    else await alice.waitForMessage((m) => fromBot(NEWS)(m) && m.body.startsWith(`*${title}*`), 30_000);
  }
  // Every post was confirmed by the room at least once: none is lost by Herald.
  for (const title of burst) await bot.waitForLog((l) => l.msg === "announced" && l.title === title, since, 30_000);
  const duplicates = burst.reduce((a, t) => a + Math.max(0, seen(t).filter((m) => !m.delayed).length - 1), 0);
  process.stdout.write(`faults: restart during a burst of 5: lost=0 live duplicates=${duplicates}; confirmed by the room just before the restart but not seen by the reader: ${missedByReader.length}\n`);
});

test("kicked: the bot joins again; banned: it stops trying and tells the admins", async () => {
  const room = "strict@conference.localhost";
  await alice.joinRoom(room, "alice");
  expect(await askBot(`join ${room}`)).toBe(`Joined ${room} as Herald. “room ${room} add <feed>” makes it announce a feed.`);
  // XEP-0045 §8.2: a moderator kicks by setting the occupant's role to none.
  await muc(room, "http://jabber.org/protocol/muc#admin", xml("item", { nick: "Herald", role: "none" }, xml("reason", {}, "test kick")));
  await bot.waitForLog((l) => l.msg === "will try the room again" && l.room === room && l.reason === "kicked");
  await bot.waitForLog((l) => l.msg === "joined room" && l.room === room && bot.logs.indexOf(l) > bot.logs.findIndex((x) => x.reason === "kicked"));
  // §9.1: an admin bans by making the bare JID an outcast.
  await muc(room, "http://jabber.org/protocol/muc#admin", xml("item", { jid: BOT, affiliation: "outcast" }, xml("reason", {}, "test ban")));
  const told = await alice.waitForMessage((m) => m.type === "chat" && m.body.startsWith(`I stopped trying to join ${room}`), 20_000);
  expect(told.body).toBe(`I stopped trying to join ${room}: banned from the room.`);
  expect(bot.logs.filter((l) => l.msg === "joined room" && l.room === room).length).toBe(2);
});

test("a members-only room refuses the bot: the admin is told why and nothing retries in a loop", async () => {
  const room = "closed@conference.localhost";
  await alice.joinRoom(room, "alice");
  // XEP-0045 §10.2: the owner makes the room members-only.
  await muc(
    room,
    "http://jabber.org/protocol/muc#owner",
    xml(
      "x",
      { xmlns: "jabber:x:data", type: "submit" },
      xml("field", { var: "FORM_TYPE" }, xml("value", {}, "http://jabber.org/protocol/muc#roomconfig")),
      xml("field", { var: "muc#roomconfig_membersonly" }, xml("value", {}, "1")),
    ),
  );
  const reply = await askBot(`join ${room}`);
  expect(reply).toMatch(new RegExp(`^Could not join ${room}: registration-required`));
  expect(bot.logs.filter((l) => l.msg === "joining room" && l.room === room)).toHaveLength(1);
});

test("an admin cannot make the bot fetch from loopback or private addresses (SSRF)", async () => {
  expect(await askBot(`feed add sneaky ${feeds.url("/blog.atom")}`)).toMatch(/^Not added: .* \(refused: 127\.0\.0\.1 is a loopback address; set fetch\.allow_private_addresses: true to allow it\)\.$|^Not added: .*refused.*127\.0\.0\.1.*allow_private_addresses/);
  expect(await askBot("feed add metadata http://169.254.169.254/latest/meta-data/")).toMatch(/^Not added: .*refused.*169\.254\.169\.254/);
});

test("a feed failing longer than report_failures_after is told to the admins once, and its recovery", async () => {
  const failing = await alice.waitForMessage((m) => m.type === "chat" && m.body.startsWith("Feed flaky has been failing for"), 30_000);
  expect(failing.body).toMatch(/: HTTP 404 Not Found\. I keep trying and will tell you when it works again\.$/);
  feeds.setFeed("/flaky.atom", "atom", [makePost("Flaky is back")]);
  // Backoff has stretched the wait between polls; an admin can ask for one now.
  expect(await askBot("feed poll flaky")).toBe("flaky: first read, 1 posts remembered, none announced.");
  await alice.waitForMessage((m) => m.type === "chat" && m.body === "Feed flaky works again.", 20_000);
  expect(alice.messages.filter((m) => m.body.startsWith("Feed flaky has been failing"))).toHaveLength(1);
}, 90_000);

async function askBot(text: string): Promise<string> {
  const before = alice.messages.length;
  await alice.sendChat(BOT, text);
  const reply = await alice.waitForMessage((m) => alice.messages.indexOf(m) >= before && m.type === "chat" && m.from.startsWith(`${BOT}/`) && !/^(I stopped trying|I cannot join|Feed \S+ (works again|has been failing|is gone))/.test(m.body));
  return reply.body;
}

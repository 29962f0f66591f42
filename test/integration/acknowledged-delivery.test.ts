// Issue #12 point 1 for people: a direct message counts as delivered only when the server has
// acknowledged it (XEP-0198). Against the real server: a short network cut is resumed and loses
// nothing and resends nothing the server already had; a server that stops reading and then dies
// loses nothing either, because the unacknowledged message goes out again, with the same XEP-0359
// origin-id, in the next session.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member, type MessageRecord } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";
import { TcpProxy } from "./harness/tcp-proxy.js";

const BOT = "herald@localhost";
let server: XmppServer;
let feeds: FeedServer;
let proxy: TcpProxy;
let dave: Member; // online subscriber of "blog"
let carol: Member | undefined; // subscriber of "news", offline while it matters
let bot: BotProcess;

const dm = (title: string) => (m: MessageRecord) => m.type === "chat" && m.from.startsWith(`${BOT}/`) && m.body.startsWith(`*${title}*`);
const originOf = (m: MessageRecord) => m.stanza.getChild("origin-id", "urn:xmpp:sid:0")?.attrs.id;

async function ask(who: Member, text: string): Promise<string> {
  const before = who.messages.length;
  await who.sendChat(BOT, text);
  const reply = await who.waitForMessage((m) => who.messages.indexOf(m) >= before && m.type === "chat" && m.from.startsWith(`${BOT}/`));
  return reply.body;
}

/** The bot's log line for the first attempt at sending `title`, from `since` on. */
const sending = (title: string, since: number) => bot.waitForLog((l) => l.msg === "sending announcement" && l.title === title, since, 60_000);

beforeAll(async () => {
  server = await startServer({ users: { herald: "bot-pw", carol: "carol-pw", dave: "dave-pw" } });
  feeds = new FeedServer();
  await feeds.start();
  feeds.setFeed("/blog.atom", "atom", [makePost("Blog before")]);
  feeds.setFeed("/news.atom", "atom", [makePost("News before")]);
  // The bot reaches the server through a proxy the tests can cut; the subscribers connect directly.
  proxy = new TcpProxy({ host: server.host, port: server.port });
  await proxy.start();
  const dir = mkdtempSync(join(tmpdir(), "herald-acked-"));
  const configPath = writeConfig(
    {
      xmpp: { jid: BOT, password: "bot-pw", service: proxy.service, resource: `acked-${process.pid}` },
      admins: [],
      store: join(dir, "herald.db"),
      feeds: [
        { name: "blog", url: feeds.url("/blog.atom"), interval: "1s" },
        { name: "news", url: feeds.url("/news.atom"), interval: "1s" },
      ],
    },
    dir,
  );
  bot = BotProcess.run(configPath);
  await bot.waitForMsg("stream management enabled", { resumable: true });
  await bot.waitForMsg("polled", { feed: "news", result: "baseline" });
  dave = await connectMember({ server, username: "dave", password: "dave-pw" });
  expect(await ask(dave, "subscribe blog")).toMatch(/^Subscribed: I will send you new posts from blog\./);
  const first = await connectMember({ server, username: "carol", password: "carol-pw" });
  expect(await ask(first, "subscribe news")).toMatch(/^Subscribed: I will send you new posts from news\./);
  await first.stop(); // from now on her messages go to offline storage
});

afterAll(async () => {
  await bot?.kill();
  await Promise.all([dave, carol].map((m) => m?.stop()));
  await proxy?.stop();
  await feeds?.stop();
  await server?.cleanup();
});

test("a cut while the server's acknowledgement is on its way: the stream is resumed and nothing is sent twice", async () => {
  const since = bot.logs.length;
  // The server gets the message (and passes it on) but its <a/> never reaches the bot.
  proxy.hold("to-client");
  feeds.publish("/blog.atom", makePost("Cut before the ack"));
  await dave.waitForMessage(dm("Cut before the ack"));
  proxy.cut();
  const resumed = await bot.waitForMsg("stream resumed", {}, since);
  // XEP-0198 §5: <resumed h/> covers the message, so nothing goes out again.
  expect(resumed.resent).toBe(0);
  await bot.waitForLog((l) => l.msg === "announced" && l.title === "Cut before the ack", since);
  // The same stream goes on: a later post arrives behind anything that could have been resent.
  feeds.publish("/blog.atom", makePost("After the first cut"));
  await dave.waitForMessage(dm("After the first cut"));
  expect(dave.messages.filter(dm("Cut before the ack"))).toHaveLength(1);
  // Resumed, not a new session: no second `online`, no "offline" for the rooms.
  expect(bot.count("online")).toBe(1);
  expect(bot.logs.slice(since).some((l) => l.msg === "stream not resumed; starting a new session")).toBe(false);
});

test("a cut while the bot's message is on its way: the resumed stream sends it again, and it arrives once", async () => {
  const since = bot.logs.length;
  // The bot writes the message but the server never reads it.
  proxy.hold("to-server");
  feeds.publish("/blog.atom", makePost("Cut before the server read it"));
  await sending("Cut before the server read it", since);
  const sessionsBefore = bot.count("online");
  proxy.cut();
  // Usually the stream is resumed and the message sent again in it. A server that has already
  // dropped the held session (ejabberd, now and then, under load) makes it a new session, in which
  // the unacknowledged message is sent again too: either way the server never read the first copy.
  const next = await bot.waitForLog((l) => l.msg === "stream resumed" || l.msg === "stream not resumed; starting a new session", since, 60_000);
  if (next.msg === "stream resumed") expect(next.resent).toBeGreaterThanOrEqual(1);
  await dave.waitForMessage(dm("Cut before the server read it"), 60_000);
  feeds.publish("/blog.atom", makePost("After the second cut"));
  await dave.waitForMessage(dm("After the second cut"), 60_000);
  expect(dave.messages.filter(dm("Cut before the server read it"))).toHaveLength(1);
  expect(bot.count("online")).toBe(next.msg === "stream resumed" ? sessionsBefore : sessionsBefore + 1);
}, 150_000);

test("the server stops reading, then dies: every direct message reaches the offline subscriber, a resent one with its first origin-id", async () => {
  const since = bot.logs.length;
  const titles = ["Stopped one", "Stopped two", "Stopped three"];
  server.pause();
  titles.forEach((title) => feeds.publish("/news.atom", makePost(title)));
  // The first is written into the connection the server no longer reads; the rest wait for its ack.
  const firstAttempt = await sending("Stopped one", since);
  await server.kill();
  await server.start();
  // The old session is gone with the server: resumption fails, a new session sends the rest again.
  await bot.waitForMsg("stream not resumed; starting a new session", {}, since, 60_000);
  for (const title of titles) await bot.waitForLog((l) => l.msg === "announced" && l.title === title, since, 60_000);
  carol = await connectMember({ server, username: "carol", password: "carol-pw" });
  for (const title of titles) await carol.waitForMessage(dm(title), 30_000);
  const copies = titles.map((title) => carol!.messages.filter(dm(title)));
  // Lost: 0. The server never read the first attempt, so each arrives once.
  expect(copies.map((c) => c.length)).toEqual([1, 1, 1]);
  expect(originOf(copies[0]![0]!)).toBe(firstAttempt.id);
  expect(bot.logs.slice(since).some((l) => l.msg === "target did not confirm announcement; will resend next session" && l.target === "carol@localhost")).toBe(true);
  process.stdout.write(`acknowledged-delivery: server stopped then killed, 3 DMs to an offline subscriber: lost=0 duplicates=0\n`);
}, 120_000);

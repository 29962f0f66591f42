// Corrections (XEP-0308) as a room member and a personal subscriber see them: a post retitled
// after it was announced is corrected in place, naming the message each of them got, and never
// announced again; a change after the corrections window is ignored.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member, type MessageRecord } from "./harness/member.js";
import { FeedServer, makePost, type Post } from "./harness/feed-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";

const BOT = "herald@localhost";
const ROOM = "fixes@conference.localhost";
const NS_CORRECT = "urn:xmpp:message-correct:0";
let server: XmppServer;
let feeds: FeedServer;
let reader: Member;
let subscriber: Member;
let bot: BotProcess;

const inRoom = (m: MessageRecord) => m.type === "groupchat" && m.from === `${ROOM}/Herald` && !m.delayed;
const byDm = (m: MessageRecord) => m.type === "chat" && m.from.startsWith(`${BOT}/`) && m.body.startsWith("*");
const replaceOf = (m: MessageRecord) => m.stanza.getChild("replace", NS_CORRECT)?.attrs.id as string | undefined;

beforeAll(async () => {
  server = await startServer({ users: { herald: "bot-pw", reader: "reader-pw", subscriber: "subscriber-pw" } });
  feeds = new FeedServer();
  await feeds.start();
  feeds.setFeed("/blog.atom", "atom", [makePost("Already there")]);
  const dir = mkdtempSync(join(tmpdir(), "herald-corrections-"));
  const config = writeConfig(
    {
      xmpp: { jid: BOT, password: "bot-pw", service: server.service, resource: `corrections-${process.pid}` },
      nick: "Herald",
      store: join(dir, "herald.db"),
      feeds: [{ name: "blog", url: feeds.url("/blog.atom"), interval: "1s" }],
      rooms: [{ jid: ROOM, feeds: ["blog"] }],
      // Long enough for the first test's retitle, short enough that the second can outlive it.
      announce: { corrections: "8s" },
    },
    dir,
  );
  [reader, subscriber] = await Promise.all([
    connectMember({ server, username: "reader", password: "reader-pw" }),
    connectMember({ server, username: "subscriber", password: "subscriber-pw" }),
  ]);
  await reader.joinRoom(ROOM, "reader");
  bot = BotProcess.run(config);
  await bot.waitForMsg("polled", { feed: "blog", result: "baseline" });
  await reader.waitForOccupant(ROOM, "Herald");
  const before = subscriber.messages.length;
  await subscriber.sendChat(BOT, "subscribe blog");
  await subscriber.waitForMessage((m) => subscriber.messages.indexOf(m) >= before && m.type === "chat" && m.body.startsWith("Subscribed"));
});

afterAll(async () => {
  await bot?.kill();
  await Promise.all([reader?.stop(), subscriber?.stop()]);
  await feeds?.stop();
  await server?.cleanup();
});

async function announce(title: string): Promise<{ post: Post; roomCopy: MessageRecord; dm: MessageRecord }> {
  const post = makePost(title, { summary: `<p>${title}: the first version of the summary.</p>` });
  feeds.publish("/blog.atom", post);
  const roomCopy = await reader.waitForMessage((m) => inRoom(m) && m.body.startsWith(`*${title}*`));
  const dm = await subscriber.waitForMessage((m) => byDm(m) && m.body.startsWith(`*${title}*`));
  // Confirmed (reflected, acknowledged) before anything changes: only sent messages are corrected.
  await bot.waitForLog((l) => l.msg === "announced" && l.title === title && l.kind === "user");
  await bot.waitForLog((l) => l.msg === "announced" && l.title === title && l.kind === "room");
  return { post, roomCopy, dm };
}

test("a retitled post is corrected in the room and by direct message, and not announced again", async () => {
  const { post, roomCopy, dm } = await announce("Herald 0.2 relased");
  feeds.rewrite("/blog.atom", (p) => (p.id === post.id ? { ...p, title: "Herald 0.2 released" } : p));

  const roomFix = await reader.waitForMessage((m) => inRoom(m) && replaceOf(m) !== undefined);
  const dmFix = await subscriber.waitForMessage((m) => byDm(m) && replaceOf(m) !== undefined);
  // XEP-0308: the correction names the message as each recipient got it, with the full new text.
  expect(replaceOf(roomFix)).toBe(roomCopy.stanza.attrs.id);
  expect(replaceOf(dmFix)).toBe(dm.stanza.attrs.id);
  expect(roomFix.body).toBe(roomCopy.body.replace("relased", "released"));
  expect(dmFix.body).toBe(dm.body.replace("relased", "released"));
  // Nothing else came: one announcement and one correction each.
  await bot.waitForLog((l) => l.msg === "corrected" && l.kind === "user");
  expect(reader.messages.filter(inRoom).map((m) => m.body.split("\n")[0])).toEqual(["*Herald 0.2 relased*", "*Herald 0.2 released*"]);
  expect(subscriber.messages.filter(byDm)).toHaveLength(2);
});

test("a change after the corrections window is ignored; a change of markup only is none", async () => {
  const { post } = await announce("Window test");
  const roomBefore = reader.messages.filter(inRoom).length;
  // A markup-only change inside the window is no correction.
  const first = bot.logs.length;
  feeds.rewrite("/blog.atom", (p) => (p.id === post.id ? { ...p, summary: `<div><em>${p.summary.replace(/<\/?p>/g, "")}</em></div>` } : p));
  await bot.waitForLog((l) => l.msg === "polled" && l.feed === "blog" && l.result === "unchanged", first);
  // Outlive the 8 s window, then retitle.
  await new Promise((resolve) => setTimeout(resolve, 9_000));
  const since = bot.logs.length;
  feeds.rewrite("/blog.atom", (p) => (p.id === post.id ? { ...p, title: "Window test, retitled late" } : p));
  await bot.waitForLog((l) => l.msg === "polled" && l.feed === "blog" && l.result === "unchanged", since);
  // A later post is the next message: no correction came before it.
  feeds.publish("/blog.atom", makePost("After the window"));
  await reader.waitForMessage((m) => inRoom(m) && m.body.startsWith("*After the window*"));
  expect(reader.messages.filter(inRoom).slice(roomBefore).map((m) => m.body.split("\n")[0])).toEqual(["*After the window*"]);
  expect(bot.logs.some((l) => l.msg === "corrected" && l.title === "Window test, retitled late")).toBe(false);
}, 60_000);

// Content controls as room members see them: media (XEP-0066) with announcements where a room
// asks for them, and room filters side by side with an unfiltered room.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member, type MessageRecord } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";

const BOT = "herald@localhost";
const PODS_ON = "pods-on@conference.localhost";
const PODS_OFF = "pods-off@conference.localhost";
const FILTERED = "omemo-news@conference.localhost";
const OPEN = "all-news@conference.localhost";
let server: XmppServer;
let feeds: FeedServer;
let member: Member; // a reader in every room, and an admin of the bot
let bot: BotProcess;

const live = (room: string) => (m: MessageRecord) => m.type === "groupchat" && m.from === `${room}/Herald` && !m.delayed;
const oobUrl = (m: MessageRecord) => m.stanza.getChild("x", "jabber:x:oob")?.getChildText("url") ?? undefined;

async function ask(text: string): Promise<string> {
  const before = member.messages.length;
  await member.sendChat(BOT, text);
  return (await member.waitForMessage((m) => member.messages.indexOf(m) >= before && m.type === "chat" && m.from.startsWith(`${BOT}/`))).body;
}

beforeAll(async () => {
  server = await startServer({ users: { herald: "bot-pw", member: "member-pw" } });
  feeds = new FeedServer();
  await feeds.start();
  feeds.setFeed("/podcast.rss", "rss", [makePost("Episode 0")]);
  feeds.setFeed("/blog.atom", "atom", [makePost("Blog baseline")]);
  const dir = mkdtempSync(join(tmpdir(), "herald-content-"));
  const config = writeConfig(
    {
      xmpp: { jid: BOT, password: "bot-pw", service: server.service, resource: `content-${process.pid}` },
      nick: "Herald",
      admins: ["member@localhost"],
      store: join(dir, "herald.db"),
      feeds: [
        { name: "podcast", url: feeds.url("/podcast.rss"), interval: "1s" },
        { name: "blog", url: feeds.url("/blog.atom"), interval: "1s" },
      ],
      rooms: [
        { jid: PODS_ON, feeds: ["podcast"] },
        { jid: PODS_OFF, feeds: ["podcast"] },
        { jid: FILTERED, feeds: ["blog"], include: ["omemo", "/^Release \\d+/"], exclude: ["draft"] },
        { jid: OPEN, feeds: ["blog"] },
      ],
    },
    dir,
  );
  member = await connectMember({ server, username: "member", password: "member-pw" });
  for (const room of [PODS_ON, PODS_OFF, FILTERED, OPEN]) await member.joinRoom(room, "member");
  bot = BotProcess.run(config);
  await bot.waitForMsg("polled", { feed: "podcast", result: "baseline" });
  await bot.waitForMsg("polled", { feed: "blog", result: "baseline" });
  for (const room of [PODS_ON, PODS_OFF, FILTERED, OPEN]) await member.waitForOccupant(room, "Herald");
});

afterAll(async () => {
  await bot?.kill();
  await member?.stop();
  await feeds?.stop();
  await server?.cleanup();
});

test("a podcast episode: with media on, the room gets the audio as a playable attachment after the announcement; with media off, only the text", async () => {
  expect(await ask(`room ${PODS_ON} set media enclosures`)).toContain("media enclosures");
  const audio = "https://cdn.example.org/episodes/episode-1.mp3";
  feeds.publish("/podcast.rss", makePost("Episode 1", { enclosure: { url: audio, type: "audio/mpeg", length: 12_345_678 } }));

  const text = await member.waitForMessage((m) => live(PODS_ON)(m) && m.body.startsWith("*Episode 1*"));
  const media = await member.waitForMessage((m) => live(PODS_ON)(m) && oobUrl(m) !== undefined);
  // XEP-0066 as clients render it: the body is exactly the URL, right after the announcement.
  expect(media.body).toBe(audio);
  expect(oobUrl(media)).toBe(audio);
  expect(media.stanza.getChild("x", "jabber:x:oob")?.getChildText("desc")).toBe("Episode 1");
  const onRoom = member.messages.filter(live(PODS_ON));
  expect(onRoom.indexOf(media)).toBe(onRoom.indexOf(text) + 1);
  expect(oobUrl(text)).toBeUndefined();

  // The room without media got the announcement and nothing else before the next post.
  await member.waitForMessage((m) => live(PODS_OFF)(m) && m.body.startsWith("*Episode 1*"));
  feeds.publish("/podcast.rss", makePost("Episode 2"));
  await member.waitForMessage((m) => live(PODS_OFF)(m) && m.body.startsWith("*Episode 2*"));
  expect(member.messages.filter(live(PODS_OFF)).map((m) => m.body.split("\n")[0])).toEqual(["*Episode 1*", "*Episode 2*"]);
  expect(member.messages.filter(live(PODS_OFF)).some((m) => oobUrl(m) !== undefined)).toBe(false);
});

test("a filtered room beside an unfiltered one: matches by title, summary and expression; exclusion and words inside words", async () => {
  expect(await ask("subscribe blog omemo")).toBe("Subscribed: I will send you new posts matching “omemo” from blog. “unsubscribe blog” stops them.");
  const posts = [
    makePost("OMEMO's next version", { summary: "<p>Encryption news.</p>" }),
    makePost("Weekly notes", { summary: "<p>This week we talked about <b>omemo</b> and MAM.</p>" }),
    makePost("Release 42 is out"),
    makePost("Release 43 draft notes"),
    makePost("Nomemory bug fixed"),
  ].map((p, i) => ({ ...p, published: new Date(Date.now() - (10 - i) * 1000) }));
  for (const post of posts) feeds.publish("/blog.atom", post);

  await member.waitForMessage(() => member.messages.filter(live(OPEN)).length >= 5);
  await member.waitForMessage((m) => live(FILTERED)(m) && m.body.startsWith("*Release 42 is out*"));
  // A marker after the burst: whatever the filtered room was going to get has arrived before it.
  feeds.publish("/blog.atom", makePost("Release 44 omemo"));
  await member.waitForMessage((m) => live(FILTERED)(m) && m.body.startsWith("*Release 44 omemo*"));
  const titles = (room: string) => member.messages.filter(live(room)).map((m) => m.body.split("\n")[0]);
  expect(titles(OPEN).slice(0, 5)).toEqual(posts.map((p) => `*${p.title}*`));
  expect(titles(FILTERED)).toEqual(["*OMEMO's next version*", "*Weekly notes*", "*Release 42 is out*", "*Release 44 omemo*"]);
  // The personal subscription with a word gets only what matches it.
  const dms = () => member.messages.filter((m) => m.type === "chat" && m.from.startsWith(`${BOT}/`) && m.body.startsWith("*")).map((m) => m.body.split("\n")[0]);
  await member.waitForMessage(() => dms().includes("*Release 44 omemo*"));
  expect(dms()).toEqual(["*OMEMO's next version*", "*Weekly notes*", "*Release 44 omemo*"]);
});

test("a term that could stall the bot is refused when an admin sets it, with the reason", async () => {
  const reply = await ask(`room ${FILTERED} set include /(a+)+$/`);
  expect(reply).toMatch(/^Filter not set: “\/\(a\+\)\+\$\/” is refused: .*catastrophic backtracking/);
  expect(await ask(`room ${FILTERED}`)).toContain("filter: only posts matching “omemo” or “/^Release \\d+/”, except those matching “draft”");
});

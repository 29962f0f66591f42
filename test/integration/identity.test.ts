// A blog that moves is not announced again: new ids and links for the same posts, and feeds that
// answer a permanent redirect. Seen by a real room member and the admin, on a real server.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member, type MessageRecord } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";

const BOT = "herald@localhost";
const ROOM = "moves@conference.localhost";
let server: XmppServer;
let feeds: FeedServer;
let admin: Member;
let bot: BotProcess;

const fromBot = (m: MessageRecord) => m.type === "groupchat" && m.from === `${ROOM}/Herald` && !m.delayed;
const announced = () => admin.messages.filter(fromBot).map((m) => m.body.split("\n")[0]!);

beforeAll(async () => {
  server = await startServer({ users: { herald: "bot-pw", admin: "admin-pw" } });
  feeds = new FeedServer();
  await feeds.start();
  const old = Array.from({ length: 5 }, (_, i) => makePost(`Old post ${i}`, { published: new Date(Date.now() - (i + 1) * 3_600_000) }));
  feeds.setFeed("/blog.atom", "atom", old);
  feeds.setFeed("/filed.atom", "atom", [makePost("Filed post")]);
  feeds.setFeed("/added.atom", "rss", [makePost("Added post")]);
  const dir = mkdtempSync(join(tmpdir(), "herald-identity-"));
  const config = writeConfig(
    {
      xmpp: { jid: BOT, password: "bot-pw", service: server.service, resource: `identity-${process.pid}` },
      nick: "Herald",
      admins: ["admin@localhost"],
      store: join(dir, "herald.db"),
      fetch: { allow_private_addresses: true },
      feeds: [
        { name: "blog", url: feeds.url("/blog.atom"), interval: "1s" },
        { name: "filed", url: feeds.url("/filed.atom"), interval: "1s" },
      ],
      rooms: [{ jid: ROOM, feeds: ["blog", "filed"] }],
    },
    dir,
  );
  admin = await connectMember({ server, username: "admin", password: "admin-pw" });
  await admin.joinRoom(ROOM, "admin");
  bot = BotProcess.run(config);
  await bot.waitForMsg("polled", { feed: "blog", result: "baseline" });
  await bot.waitForMsg("polled", { feed: "filed", result: "baseline" });
  await admin.waitForOccupant(ROOM, "Herald");
});

afterAll(async () => {
  await bot?.kill();
  await admin?.stop();
  await feeds?.stop();
  await server?.cleanup();
});

test("a blog migration (every id a tag: URI, links http → https with www. and tracking) announces nothing again", async () => {
  feeds.rewrite("/blog.atom", (p) => ({
    ...p,
    id: `tag:blog.example.org,2026:${p.id}`,
    link: `${p.link.replace("https://", "http://www.")}?utm_source=feed&utm_medium=rss`,
  }));
  // A poll that read the rewritten feed found nothing new.
  await bot.waitForLog((l) => l.msg === "polled" && l.feed === "blog" && l.result === "unchanged");
  feeds.publish("/blog.atom", makePost("After the move"));
  await admin.waitForMessage((m) => fromBot(m) && m.body.includes("After the move"));
  // The new post is the only announcement: none of the five old posts came again.
  expect(announced()).toEqual(["*After the move*"]);
});

test("a file-made feed answering 301 keeps its history; the admins are told the new address once", async () => {
  feeds.setFeed("/filed-new.atom", "atom", [makePost("Filed post")]);
  feeds.setRedirect("/filed.atom", "/filed-new.atom", 301);
  const notice = await admin.waitForMessage((m) => m.type === "chat" && m.body.startsWith("Feed filed has moved for good"));
  expect(notice.body).toContain(feeds.url("/filed-new.atom"));
  expect(notice.body).toContain(`still ${feeds.url("/filed.atom")}`);
  await bot.waitForMsg("feed moved permanently; update its url in the config file", { feed: "filed" });
  feeds.publish("/filed-new.atom", makePost("Filed at the new place"));
  await admin.waitForMessage((m) => fromBot(m) && m.body.includes("Filed at the new place"));
  expect(announced().filter((t) => t.includes("Filed"))).toEqual(["*Filed at the new place*"]);
  // Told once, however many polls met the redirect.
  await bot.waitForLog((l) => l.msg === "polled" && l.feed === "filed" && l.result === "unchanged");
  expect(admin.messages.filter((m) => m.type === "chat" && m.body.startsWith("Feed filed has moved"))).toHaveLength(1);
});

test("a feed an admin added follows a 301 to the new address and keeps its history", async () => {
  const ask = async (text: string) => {
    const before = admin.messages.length;
    await admin.sendChat(BOT, text);
    return (await admin.waitForMessage((m) => admin.messages.indexOf(m) >= before && m.type === "chat" && m.from.startsWith(`${BOT}/`))).body;
  };
  expect(await ask(`feed add added ${feeds.url("/added.atom")} 1m`)).toMatch(/^Added added/);
  await bot.waitForMsg("polled", { feed: "added", result: "baseline" });
  expect(await ask(`room ${ROOM} add added`)).toMatch(/added/);
  feeds.setFeed("/added-new.atom", "rss", [makePost("Added post")]);
  feeds.setRedirect("/added.atom", "/added-new.atom", 308);
  feeds.publish("/added-new.atom", makePost("Added at the new place"));
  expect(await ask("feed poll added")).toMatch(/added/i);
  await admin.waitForMessage((m) => fromBot(m) && m.body.includes("Added at the new place"));
  await bot.waitForMsg("feed moved permanently; remembering the new URL", { feed: "added" });
  // From now on the feed is read at its new address, without asking the old one first.
  const since = feeds.requests.length;
  expect(await ask("feed poll added")).toMatch(/added/i);
  await feeds.waitForRequest((r) => r.path === "/added-new.atom", since);
  expect(feeds.requests.slice(since).some((r) => r.path === "/added.atom")).toBe(false);
  expect(announced().filter((t) => t.includes("Added"))).toEqual(["*Added at the new place*"]);
});

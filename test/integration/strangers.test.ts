// Strangers cannot flood the bot: a burst of invitations, messages and presence subscription
// requests from a stranger is answered a bounded number of times, the admins hear of it once, and
// announcements and the admins' answers go on. Real server, real clients.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml } from "@xmpp/client";
import { startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member, type MessageRecord } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";

const BOT = "herald@localhost";
const ROOM = "calm@conference.localhost";
let server: XmppServer;
let feeds: FeedServer;
let admin: Member;
let stranger: Member;
let bot: BotProcess;

const fromBotDm = (m: MessageRecord) => m.type === "chat" && m.from.startsWith(`${BOT}/`);

beforeAll(async () => {
  server = await startServer({ users: { herald: "bot-pw", admin: "admin-pw", stranger: "stranger-pw" } });
  feeds = new FeedServer();
  await feeds.start();
  feeds.setFeed("/blog.atom", "atom", [makePost("Before the flood")]);
  const dir = mkdtempSync(join(tmpdir(), "herald-strangers-"));
  const config = writeConfig(
    {
      xmpp: { jid: BOT, password: "bot-pw", service: server.service, resource: `strangers-${process.pid}` },
      nick: "Herald",
      admins: ["admin@localhost"],
      store: join(dir, "herald.db"),
      feeds: [{ name: "blog", url: feeds.url("/blog.atom"), interval: "1s" }],
      rooms: [{ jid: ROOM, feeds: ["blog"] }],
    },
    dir,
  );
  [admin, stranger] = await Promise.all([
    connectMember({ server, username: "admin", password: "admin-pw" }),
    connectMember({ server, username: "stranger", password: "stranger-pw" }),
  ]);
  await admin.joinRoom(ROOM, "admin");
  bot = BotProcess.run(config);
  await bot.waitForMsg("polled", { feed: "blog", result: "baseline" });
  await admin.waitForOccupant(ROOM, "Herald");
});

afterAll(async () => {
  await bot?.kill();
  await Promise.all([admin?.stop(), stranger?.stop()]);
  await feeds?.stop();
  await server?.cleanup();
});

test("an invitation flood is answered three times, the admins told once; announcements and admin answers go on", async () => {
  const invites = Array.from({ length: 30 }, (_, i) =>
    stranger.client.send(xml("message", { to: BOT }, xml("x", { xmlns: "jabber:x:conference", jid: `trap${i}@conference.localhost` }))),
  );
  const subscribes = Array.from({ length: 30 }, () => stranger.client.send(xml("presence", { to: BOT, type: "subscribe" })));
  const chatter = Array.from({ length: 60 }, (_, i) => stranger.sendChat(BOT, `status ${i}`));
  await Promise.all([...invites, ...subscribes, ...chatter]);

  // Meanwhile a post is published and an admin asks something: both go through.
  feeds.publish("/blog.atom", makePost("During the flood"));
  await admin.waitForMessage((m) => m.type === "groupchat" && m.from === `${ROOM}/Herald` && m.body.includes("During the flood"));
  const before = admin.messages.length;
  await admin.sendChat(BOT, "status");
  await admin.waitForMessage((m) => admin.messages.indexOf(m) >= before && fromBotDm(m) && m.body.includes("Herald"));

  // The stranger's invitations: the first three answered, the rest dropped.
  await stranger.waitForMessage(() => stranger.messages.filter((m) => fromBotDm(m) && m.body.startsWith("Only Herald's admins can invite me")).length >= 3);
  await bot.waitForLog((l) => l.msg === "dropped an invitation from a non-admin (rate limit)");
  await admin.waitForMessage((m) => fromBotDm(m) && m.body.startsWith("stranger@localhost invited me to trap0@conference.localhost; I declined."));
  // The chatter was answered up to the sender's budget and then told once to slow down.
  await stranger.waitForMessage((m) => fromBotDm(m) && m.body.includes("faster than I answer"));
  expect(stranger.messages.filter((m) => fromBotDm(m) && m.body.startsWith("Only Herald's admins can invite me"))).toHaveLength(3);
  expect(admin.messages.filter((m) => fromBotDm(m) && m.body.includes("invited me to"))).toHaveLength(1);
  const answers = stranger.messages.filter((m) => fromBotDm(m) && !m.body.startsWith("Only Herald's admins"));
  expect(answers.length).toBeLessThan(30);
  expect(answers.filter((m) => m.body.includes("faster than I answer"))).toHaveLength(1);
  expect(bot.logs.some((l) => l.msg === "inbound failed" || l.level >= 50)).toBe(false);
});

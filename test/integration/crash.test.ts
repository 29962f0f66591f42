// The outbox under random crashes: the bot is SIGKILLed at random moments while posts are found
// and announced, over many rounds, to a room and a personal subscriber. Nothing may be lost, and
// duplicates may not exceed what can be in flight at a kill: one message per target (delivery
// sends one at a time per target and waits for its proof).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member, type MessageRecord } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";

const BOT = "herald@localhost";
const ROOM = "crashes@conference.localhost";
const ROUNDS = 8;
let server: XmppServer;
let feeds: FeedServer;
let reader: Member;
let subscriber: Member;
let bot: BotProcess;
let config: string;

/** A small seeded generator (mulberry32), so a failing run can be repeated with its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const seed = Number(process.env.HERALD_CRASH_SEED ?? Date.now() % 1_000_000);
const rand = random(seed);

beforeAll(async () => {
  server = await startServer({ users: { herald: "bot-pw", reader: "reader-pw", subscriber: "subscriber-pw" } });
  feeds = new FeedServer();
  await feeds.start();
  feeds.setFeed("/blog.atom", "atom", [makePost("Crash baseline")]);
  const dir = mkdtempSync(join(tmpdir(), "herald-crash-"));
  config = writeConfig(
    {
      xmpp: { jid: BOT, password: "bot-pw", service: server.service, resource: `crash-${process.pid}` },
      nick: "Herald",
      store: join(dir, "herald.db"),
      feeds: [{ name: "blog", url: feeds.url("/blog.atom"), interval: "1s" }],
      rooms: [{ jid: ROOM, feeds: ["blog"] }],
      announce: { max_per_poll: 50, room_burst: 50 },
    },
    dir,
  );
  [reader, subscriber] = await Promise.all([
    connectMember({ server, username: "reader", password: "reader-pw" }),
    connectMember({ server, username: "subscriber", password: "subscriber-pw" }),
  ]);
  // History on rejoin: a post the bot announced while the reader was away still reaches her.
  await reader.joinRoom(ROOM, "reader", { history: true });
  bot = BotProcess.run(config);
  await bot.waitForMsg("polled", { feed: "blog", result: "baseline" });
  // Online and in the room first: the subscription is asked of a bot that is there to answer.
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

test(`SIGKILL at random moments over ${ROUNDS} rounds: nothing lost, duplicates no more than in flight`, async () => {
  process.stdout.write(`crash test seed ${seed} (HERALD_CRASH_SEED=${seed} repeats it)\n`);
  const titles: string[] = [];
  let kills = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const count = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < count; i++) {
      const title = `Crash ${round}.${i}`;
      titles.push(title);
      feeds.publish("/blog.atom", makePost(title));
    }
    // Anywhere from before the next poll to well into the delivery of this round's posts.
    await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 2000)));
    await bot.kill();
    kills++;
    bot = BotProcess.run(config);
    await bot.waitForMsg("joined room", { room: ROOM });
  }
  const inRoom = (m: MessageRecord) => m.type === "groupchat" && m.from === `${ROOM}/Herald`;
  const byDm = (m: MessageRecord) => m.type === "chat" && m.from.startsWith(`${BOT}/`) && m.body.startsWith("*Crash ");
  const last = titles[titles.length - 1]!;
  await reader.waitForMessage((m) => inRoom(m) && m.body.startsWith(`*${last}*`), 60_000);
  await subscriber.waitForMessage((m) => byDm(m) && m.body.startsWith(`*${last}*`), 60_000);

  const counts = (messages: MessageRecord[]) => titles.map((t) => messages.filter((m) => m.body.startsWith(`*${t}*`)).length);
  // The reader stays in the room throughout, so every copy the room sent arrives live.
  const room = counts(reader.messages.filter((m) => inRoom(m) && !m.delayed));
  const dm = counts(subscriber.messages.filter(byDm));
  const lostInRoom = titles.filter((_, i) => room[i] === 0);
  const lostByDm = titles.filter((_, i) => dm[i] === 0);
  process.stdout.write(
    `crash test: ${titles.length} posts, ${kills} kills; room duplicates ${room.reduce((a, n) => a + Math.max(0, n - 1), 0)}, DM duplicates ${dm.reduce((a, n) => a + Math.max(0, n - 1), 0)}\n`,
  );
  expect(lostInRoom).toEqual([]);
  expect(lostByDm).toEqual([]);
  // At most one message per target was in flight at each kill.
  expect(room.reduce((a, n) => a + Math.max(0, n - 1), 0)).toBeLessThanOrEqual(kills);
  expect(dm.reduce((a, n) => a + Math.max(0, n - 1), 0)).toBeLessThanOrEqual(kills);
}, 240_000);

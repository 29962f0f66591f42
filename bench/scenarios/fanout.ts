// Scenario 4: fan-out. One feed announced in 200 rooms; the reader sits in all of them. One new
// post: how long until every room has it, and what each room message costs the bot in CPU.
import type { Element } from "@xmpp/client";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Bot, writeBotConfig } from "../bot.js";
import { say, type BenchEnv, type ScenarioResult } from "../env.js";
import { makeBenchPost, newestPosts, random } from "../posts.js";
import { median, round as r, sleep } from "../stats.js";

const PATH = "/fanout/blog.xml";
/**
 * Herald's default per-room rate (announce.room_burst 5, room_interval 2 s): one post gives each
 * room one message, well inside it. Posts are published at least this far apart, so each one
 * finds a refilled bucket and is never delayed by the posts before it.
 */
const POST_SPACING_MS = 2_500;
const PROBE = /Fan-out probe #(-?\d+)#/;
const TIMEOUT_MS = 60_000;

export async function fanout(env: BenchEnv): Promise<ScenarioResult> {
  const roomCount = env.quick ? 50 : 200;
  const repeats = env.quick ? 3 : 10;
  const rooms = Array.from({ length: roomCount }, (_, i) => `fan${i}@conference.localhost`);
  const dir = join(env.dir, "fanout");
  mkdirSync(dir);
  env.farm.setFeed(PATH, "atom", newestPosts("fan", 20, 20));

  const reader = await env.member("reader");
  say(`  reader joins ${roomCount} rooms …`);
  for (const room of rooms) await reader.joinRoom(room, "reader");

  // Per probe: the rooms it reached and when the first and the last copy arrived.
  const probes = new Map<number, { rooms: Set<string>; first: number; last: number; done: () => void }>();
  const onStanza = (stanza: Element) => {
    if (stanza.name !== "message" || stanza.attrs.type !== "groupchat") return;
    const [room, nick] = (stanza.attrs.from ?? "").split("/");
    if (nick !== "Herald") return;
    const match = PROBE.exec(stanza.getChildText("body") ?? "");
    const probe = match ? probes.get(Number(match[1])) : undefined;
    if (!probe || probe.rooms.has(room!)) return;
    const at = performance.now();
    if (probe.rooms.size === 0) probe.first = at;
    probe.rooms.add(room!);
    probe.last = at;
    if (probe.rooms.size === roomCount) probe.done();
  };
  reader.client.on("stanza", onStanza);

  const config = writeBotConfig(
    {
      xmpp: env.xmpp(),
      store: join(dir, "herald.db"),
      feeds: [{ name: "fan", url: env.farm.url(PATH), interval: "1s" }],
      rooms: rooms.map((jid) => ({ jid, feeds: ["fan"] })),
    },
    dir,
  );
  const bot = Bot.start(config, "info");
  const allRooms: number[] = [];
  const firstRoom: number[] = [];
  const fromPublish: number[] = [];
  const cpuPerMessage: number[] = [];
  const prosodyPerMessage: number[] = [];
  try {
    await Promise.all([
      bot.waitForCount("joined room", roomCount, TIMEOUT_MS),
      bot.waitFor((l) => l.msg === "polled" && l.result === "baseline", TIMEOUT_MS, "the baseline poll"),
    ]);
    const rnd = random(4);
    let n = 20;
    for (let k = -1; k < repeats; k++) {
      await sleep(POST_SPACING_MS + rnd() * 1000);
      const reached = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`probe ${k} reached ${probes.get(k)?.rooms.size} of ${roomCount} rooms within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
        probes.set(k, { rooms: new Set(), first: 0, last: 0, done: () => (clearTimeout(timer), resolve()) });
      });
      const announcedBefore = bot.count("announced");
      const { served } = env.farm.publish(PATH, { ...makeBenchPost("fan", n++, new Date()), title: `Fan-out probe #${k}#` });
      const watched = await served;
      const cpu0 = bot.cpu();
      const prosody0 = env.prosodyCpu();
      // Done when the reader has every copy and the bot has confirmed every one (the room's reflection).
      await Promise.all([reached, bot.waitForCount("announced", announcedBefore + roomCount, TIMEOUT_MS)]);
      const cpu1 = bot.cpu();
      const prosody1 = env.prosodyCpu();
      if (k < 0) continue;
      const probe = probes.get(k)!;
      allRooms.push(probe.last - watched.servedAt!);
      firstRoom.push(probe.first - watched.servedAt!);
      fromPublish.push(probe.last - watched.publishedAt);
      cpuPerMessage.push((cpu1.ms - cpu0.ms) / roomCount);
      if (prosody0 && prosody1) prosodyPerMessage.push((prosody1.ms - prosody0.ms) / roomCount);
      say(`  post ${k + 1}/${repeats}: all ${roomCount} rooms in ${r(allRooms.at(-1)!, 0)} ms, bot ${r(cpuPerMessage.at(-1)!, 3)} ms CPU per room message`);
    }
  } finally {
    reader.client.removeListener("stanza", onStanza);
    await bot.stop();
  }
  return {
    scenario: "fanout",
    title: `4. Fan-out: one post to ${roomCount} rooms`,
    figures: [
      { key: "all_rooms_ms", label: `time until all ${roomCount} rooms have it (response written → last copy)`, value: r(median(allRooms), 0), unit: "ms" },
      { key: "first_room_ms", label: "time until the first room has it", value: r(median(firstRoom), 1), unit: "ms" },
      { key: "cpu_per_room_message_ms", label: "bot CPU per room message", value: r(median(cpuPerMessage), 3), unit: "ms", target: { op: "<=", value: 1 } },
      ...(prosodyPerMessage.length ? [{ key: "prosody_cpu_per_room_message_ms", label: "Prosody CPU per room message (for context)", value: r(median(prosodyPerMessage), 3), unit: "ms" }] : []),
      { key: "from_publish_ms", label: "from publish (incl. the wait for the 1 s poll) to the last room", value: r(median(fromPublish), 0), unit: "ms" },
    ],
    settings: { rooms: roomCount, posts: repeats, intervalS: 1, readerInEveryRoom: true, postSpacingMs: POST_SPACING_MS, roomRate: "default (5 at once, then 1 per 2 s)" },
    notes: [
      "The reader joins every room first (creating it); then the bot starts and joins them all. One unmeasured post, then each post is published at a random moment and timed from the farm's first response carrying it to the reader's copy in each room.",
      "Bot CPU per room message: the bot's CPU from that response until it has logged 'announced' (the room reflected the message back, XEP-0045) for every room, divided by the number of rooms. It includes the one poll that found the post (about a millisecond, spread over all rooms).",
      "Per-room rate at its default (announce.room_burst 5, room_interval 2 s): a post is one message per room, and posts are at least 2.5 s apart, so the limit never delays them; it would only matter for several posts at once. Each room also has one message in flight at a time (delivery waits for the reflection). Prosody runs without mod_muc_limits.",
    ],
    samples: { all_rooms_ms: allRooms, cpu_per_room_message_ms: cpuPerMessage },
  };
}

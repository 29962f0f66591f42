// Scenario 3: announcement latency. A post appears on the farm at a random moment; the reader in
// the room notes when Herald's announcement of it arrives. Split at the moment the farm has written
// the first response carrying the post: before it, Herald had not polled yet; after it, it is
// Herald's own processing (reading the response, parsing, storing, queueing, formatting, sending)
// plus Prosody routing the message to the reader.
import type { Element } from "@xmpp/client";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { Bot, writeBotConfig } from "../bot.js";
import { say, type BenchEnv, type ScenarioResult } from "../env.js";
import { makeBenchPost, newestPosts, random } from "../posts.js";
import { round } from "../rounds.js";
import { percentile, round as r, sleep } from "../stats.js";

/**
 * Probes rotate over a few rooms, each announcing its own feed: Herald lets a room have 5 messages
 * at once and then one per 2 s (announce.room_burst / room_interval defaults), and one probe a
 * second into a single room would soon be waiting for that, not for Herald's processing.
 */
const ROOMS = 4;
const room = (k: number) => `latency${k}@conference.localhost`;
const path = (k: number) => `/latency/blog${k}.xml`;
const INTERVAL_S = 1;
const ARRIVAL_TIMEOUT_MS = 30_000;
const PROBE = /Latency probe #(-?\d+)#/;

export async function latency(env: BenchEnv): Promise<ScenarioResult> {
  const samples = env.quick ? 20 : 100;
  const warmups = 3;
  const dir = join(env.dir, "latency");
  mkdirSync(dir);
  for (let k = 0; k < ROOMS; k++) env.farm.setFeed(path(k), "atom", newestPosts(`lat${k}`, 20, 20));
  const reader = await env.member("reader");
  for (let k = 0; k < ROOMS; k++) await reader.joinRoom(room(k), "reader");

  const arrivals = new Map<number, (at: number) => void>();
  const onStanza = (stanza: Element) => {
    if (stanza.name !== "message" || stanza.attrs.type !== "groupchat" || !stanza.attrs.from?.endsWith("/Herald")) return;
    const match = PROBE.exec(stanza.getChildText("body") ?? "");
    if (match) arrivals.get(Number(match[1]))?.(performance.now());
  };
  reader.client.on("stanza", onStanza);

  const config = writeBotConfig(
    {
      xmpp: env.xmpp(),
      store: join(dir, "herald.db"),
      feeds: Array.from({ length: ROOMS }, (_, k) => ({ name: `lat${k}`, url: env.farm.url(path(k)), interval: `${INTERVAL_S}s` })),
      rooms: Array.from({ length: ROOMS }, (_, k) => ({ jid: room(k), feeds: [`lat${k}`] })),
    },
    dir,
  );
  const bot = Bot.start(config, "info");
  const pollWait: number[] = [];
  const processing: number[] = [];
  const total: number[] = [];
  try {
    await Promise.all([bot.waitForCount("joined room", ROOMS, 60_000), round(bot, new Set(Array.from({ length: ROOMS }, (_, k) => `lat${k}`)), 60_000)]);
    const rnd = random(3);
    let n = 20;
    for (let k = -warmups; k < samples; k++) {
      // A random phase against the poll timer, so the wait for the poll is what a real post meets.
      await sleep(rnd() * INTERVAL_S * 1000);
      const arrived = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`probe ${k} not announced within ${ARRIVAL_TIMEOUT_MS} ms`)), ARRIVAL_TIMEOUT_MS);
        arrivals.set(k, (at) => {
          clearTimeout(timer);
          arrivals.delete(k);
          resolve(at);
        });
      });
      const feed = (k + warmups) % ROOMS;
      const { served } = env.farm.publish(path(feed), { ...makeBenchPost(`lat${feed}`, n++, new Date()), title: `Latency probe #${k}#` });
      const watched = await served;
      const at = await arrived;
      if (k < 0) continue;
      pollWait.push(watched.servedAt! - watched.publishedAt);
      processing.push(at - watched.servedAt!);
      total.push(at - watched.publishedAt);
    }
  } finally {
    reader.client.removeListener("stanza", onStanza);
    await bot.stop();
  }
  say(`  ${samples} posts: processing p50 ${r(percentile(processing, 50), 1)} ms, p99 ${r(percentile(processing, 99), 1)} ms; poll wait p50 ${r(percentile(pollWait, 50), 0)} ms`);
  return {
    scenario: "latency",
    title: "3. Announcement latency: post on the farm → reader has the announcement",
    figures: [
      { key: "processing_p50_ms", label: "Herald's processing p50 (response written → reader has it)", value: r(percentile(processing, 50), 1), unit: "ms" },
      { key: "processing_p99_ms", label: "Herald's processing p99", value: r(percentile(processing, 99), 1), unit: "ms", target: { op: "<=", value: 25 } },
      { key: "poll_wait_p50_ms", label: `waiting for the poll p50 (interval ${INTERVAL_S} s)`, value: r(percentile(pollWait, 50), 0), unit: "ms" },
      { key: "poll_wait_p99_ms", label: "waiting for the poll p99", value: r(percentile(pollWait, 99), 0), unit: "ms" },
      { key: "total_p50_ms", label: "total p50 (published → reader has it)", value: r(percentile(total, 50), 0), unit: "ms" },
      { key: "total_p99_ms", label: "total p99", value: r(percentile(total, 99), 0), unit: "ms" },
    ],
    settings: { samples, warmups, intervalS: INTERVAL_S, rooms: ROOMS, feeds: ROOMS, postsPerFeed: 20 },
    notes: [
      "Times are taken in the bench process with performance.now(): published = the farm starts serving the new document; served = the farm's first 200 response carrying the post has been handed to the kernel ('finish'); received = the reader's client got the groupchat message.",
      "Processing therefore includes the loopback HTTP transfer, Herald's parse/store/queue/format/send, Prosody routing the message, and the reader's client parsing it. Herald logs no timestamp when it sends, so its share alone cannot be split out (see the hooks wanted in docs/PERFORMANCE.md).",
      `Posts are published one at a time, at a random moment (uniform over one ${INTERVAL_S} s interval after the previous announcement arrived), in turn on ${ROOMS} feeds each announced in its own room, so that no room reaches Herald's per-room rate (5 at once, then one per 2 s); ${warmups} unmeasured posts first. Waiting for the poll is then about half the interval on average; with the default 10 m interval it is minutes, which no code change but a shorter interval (or WebSub) improves.`,
      `p99 of ${samples} samples is their ${samples >= 100 ? "second-largest" : "largest"} value.`,
    ],
    samples: { processing_ms: processing, poll_wait_ms: pollWait },
  };
}

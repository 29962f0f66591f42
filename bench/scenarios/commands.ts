// Scenario 5: commands by direct message at scale (the big installation's 50,000 posts). Ten users
// ask at the same moment, each waits for its reply, and the next wave starts 500 ms after the
// previous one began: Herald gives each sender 20 commands at once and then one every 500 ms
// (dispatcher.ts), so this pace is the fastest a user is never refused at. Every reply is checked.
import type { Element } from "@xmpp/client";
import type { Member } from "../../test/integration/harness/member.js";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { openDatabase } from "../../src/store/sqlite/database.js";
import { createEntryStore } from "../../src/store/sqlite/entries.js";
import { Bot } from "../bot.js";
import { BOT_JID, say, USERS, type BenchEnv, type Figure, type ScenarioResult } from "../env.js";
import { searchQueries } from "../posts.js";
import { percentile, round as r, sleep } from "../stats.js";
import { scaleFixture, SCALE_TIMEOUT_MS } from "./scale-fixture.js";

const WAVE_SPACING_MS = 505;
const REPLY_TIMEOUT_MS = 30_000;
const RATE_LIMITED = /faster than I answer/;

interface Asker {
  readonly member: Member;
  ask(text: string): Promise<{ ms: number; body: string }>;
  close(): void;
}

function asker(member: Member, target = BOT_JID): Asker {
  let pending: ((body: string) => void) | undefined;
  const onStanza = (stanza: Element) => {
    if (stanza.name !== "message" || stanza.attrs.type !== "chat" || !stanza.attrs.from?.startsWith(`${target}/`)) return;
    const body = stanza.getChildText("body");
    if (body !== null) pending?.(body);
  };
  member.client.on("stanza", onStanza);
  return {
    member,
    async ask(text) {
      const reply = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply to "${text}" within ${REPLY_TIMEOUT_MS} ms`)), REPLY_TIMEOUT_MS);
        pending = (body) => {
          clearTimeout(timer);
          pending = undefined;
          resolve(body);
        };
      });
      const t0 = performance.now();
      await member.sendChat(target, text);
      const body = await reply;
      return { ms: performance.now() - t0, body };
    },
    close() {
      member.client.removeListener("stanza", onStanza);
    },
  };
}

/**
 * `total` requests in waves of one per user; returns the round trips in request order and the
 * bot's CPU per request over the whole series.
 */
async function waves(bot: Bot, askers: Asker[], total: number, text: (i: number) => string, check: (body: string) => boolean): Promise<{ rtts: number[]; cpuPerRequest: number }> {
  const rtts: number[] = [];
  const cpu0 = bot.cpu();
  let i = 0;
  while (i < total) {
    const waveStart = performance.now();
    const wave = askers.slice(0, Math.min(askers.length, total - i)).map((a) => ({ a, text: text(i++) }));
    const answers = await Promise.all(wave.map(({ a, text }) => a.ask(text)));
    answers.forEach((answer, k) => {
      if (RATE_LIMITED.test(answer.body)) throw new Error(`rate limited: the pacing is wrong (${wave[k]!.text})`);
      if (!check(answer.body)) throw new Error(`unexpected reply to "${wave[k]!.text}": ${answer.body.slice(0, 200)}`);
      rtts.push(answer.ms);
    });
    await sleep(Math.max(0, WAVE_SPACING_MS - (performance.now() - waveStart)));
  }
  return { rtts, cpuPerRequest: (bot.cpu().ms - cpu0.ms) / total };
}

/**
 * The floor of a command's round trip: a minimal xmpp.js client that answers every chat message
 * with its own body, on the same Prosody, asked by the same users in the same waves.
 */
function startEcho(member: Member): () => void {
  const onStanza = (stanza: Element) => {
    if (stanza.name !== "message" || stanza.attrs.type !== "chat" || !stanza.attrs.from) return;
    const body = stanza.getChildText("body");
    if (body !== null) void member.sendChat(stanza.attrs.from, body);
  };
  member.client.on("stanza", onStanza);
  return () => member.client.removeListener("stanza", onStanza);
}

const QUERY_KINDS = ["very common word", "common word", "rare word", "two words", "prefix"];

/**
 * The store's own cost, without XMPP: EntryStore.latest(3) and EntryStore.search(words, 5) as the
 * commands call them, timed in this process on a copy of the bot's database (ms per call).
 */
async function storeCost(store: string, dir: string, queries: readonly string[]): Promise<{ latestMs: number; searchMs: Map<string, number> }> {
  const copy = join(dir, "store-probe.db");
  copyFileSync(store, copy);
  const db = await openDatabase(copy);
  const entries = createEntryStore(db);
  const time = async (fn: () => Promise<unknown>, times: number): Promise<number> => {
    await fn(); // warm-up: statement cache, page cache
    const t0 = performance.now();
    for (let i = 0; i < times; i++) await fn();
    return (performance.now() - t0) / times;
  };
  const latestMs = await time(() => entries.latest(3), 50);
  const searchMs = new Map<string, number>();
  for (const [k, kind] of QUERY_KINDS.entries()) {
    const sample = queries.filter((_, i) => i % QUERY_KINDS.length === k).slice(0, 20);
    const searchAll = async () => {
      for (const q of sample) await entries.search(q.split(" "), 5);
    };
    searchMs.set(kind, (await time(searchAll, 3)) / sample.length);
  }
  db.close();
  return { latestMs, searchMs };
}

export async function commands(env: BenchEnv): Promise<ScenarioResult> {
  const fx = await scaleFixture(env);
  const latestTotal = env.quick ? 200 : 1000;
  const searchTotal = env.quick ? 100 : 500;
  const users = USERS.filter((u) => u.startsWith("user"));
  const queries = searchQueries(searchTotal);
  const cost = await storeCost(fx.store, env.dir, queries);
  const members = await Promise.all(users.map((u) => env.member(u)));
  const askers = members.map((m) => asker(m));
  const echoMember = await env.member("echo");
  const stopEcho = startEcho(echoMember);
  const echoAskers = members.map((m) => asker(m, `echo@localhost`));
  const bot = Bot.start(fx.configPath, "info");
  try {
    await bot.waitForCount("joined room", fx.rooms, SCALE_TIMEOUT_MS);
    // Let the start-up cycle of 1,000 polls finish (all 304) before asking anything.
    await sleep(5_000);
    // Warm-up: one of each command per user, not measured.
    await waves(bot, askers, askers.length, () => "latest", (b) => b.length > 0);
    await sleep(WAVE_SPACING_MS);
    say(`  latest: ${latestTotal} requests from ${askers.length} users …`);
    const latest = await waves(bot, askers, latestTotal, () => "latest", (body) => !/No posts/.test(body) && body.split("\n").length >= 3);
    say(`  echo: ${latestTotal} requests to a minimal echo client, the same waves …`);
    // One wave apart from the bot's, so the two never share a wave; the same load otherwise.
    const echo = await waves(bot, echoAskers, latestTotal, () => "latest", (body) => body === "latest");
    say(`  search: ${searchTotal} requests …`);
    const search = await waves(bot, askers, searchTotal, (i) => `search ${queries[i]}`, (body) => body.length > 0);
    const memory = bot.memory();
    const perKind: Figure[] = QUERY_KINDS.map((kind, k) => ({
      key: `store_search_${kind.replace(/ /g, "_")}_ms`,
      label: `  store alone: search, ${kind} (e.g. “${queries[k]}”)`,
      value: r(cost.searchMs.get(kind)!, 2),
      unit: "ms",
    }));
    say(`  latest p50 ${r(percentile(latest.rtts, 50), 1)} ms, p99 ${r(percentile(latest.rtts, 99), 1)} ms; search p99 ${r(percentile(search.rtts, 99), 1)} ms`);
    return {
      scenario: "commands",
      title: `5. Commands by direct message (${askers.length} users, ${fx.posts} stored posts)`,
      figures: [
        { key: "latest_p50_ms", label: `latest: round trip p50 (${latestTotal} requests)`, value: r(percentile(latest.rtts, 50), 1), unit: "ms" },
        { key: "latest_p99_ms", label: "latest: round trip p99", value: r(percentile(latest.rtts, 99), 1), unit: "ms", target: { op: "<=", value: 20 } },
        { key: "latest_cpu_ms", label: "latest: bot CPU per request", value: r(latest.cpuPerRequest, 2), unit: "ms" },
        { key: "echo_p50_ms", label: "echo: round trip p50 (a minimal client answering the same waves)", value: r(percentile(echo.rtts, 50), 1), unit: "ms" },
        { key: "echo_p99_ms", label: "echo: round trip p99", value: r(percentile(echo.rtts, 99), 1), unit: "ms" },
        { key: "latest_over_echo_p99", label: "latest p99 / echo p99", value: r(percentile(latest.rtts, 99) / percentile(echo.rtts, 99), 2), unit: "x", target: { op: "<=", value: 1.5 } },
        { key: "search_p50_ms", label: `search: round trip p50 (${searchTotal} requests)`, value: r(percentile(search.rtts, 50), 1), unit: "ms" },
        { key: "search_p99_ms", label: "search: round trip p99", value: r(percentile(search.rtts, 99), 1), unit: "ms", target: { op: "<=", value: 50 } },
        { key: "search_cpu_ms", label: "search: bot CPU per request", value: r(search.cpuPerRequest, 2), unit: "ms" },
        { key: "store_latest_ms", label: "  store alone: latest (3 newest of all feeds)", value: r(cost.latestMs, 2), unit: "ms" },
        ...perKind,
        { key: "rss_after_mb", label: "resident memory after the commands (VmRSS)", value: r(memory.rssMb, 1), unit: "MB" },
        { key: "peak_rss_mb", label: "peak resident memory of this run (VmHWM)", value: r(memory.peakMb, 1), unit: "MB" },
      ],
      settings: { users: askers.length, latestRequests: latestTotal, searchRequests: searchTotal, storedPosts: fx.posts, feeds: fx.feeds, rooms: fx.rooms, waveSpacingMs: WAVE_SPACING_MS },
      notes: [
        `Closed loop in waves: every ${WAVE_SPACING_MS} ms all ${askers.length} users send one command at the same moment and each waits for its reply before the next wave (a wave that takes longer delays the next). Herald's limit per sender is 20 at once, then 2/s: one request per user per ${WAVE_SPACING_MS} ms never meets it; a refusal would fail the run.`,
        "Round trip: the user's client sends → the user's client has the reply, through Prosody both ways; ten requests arrive together, so a request may wait behind the others of its wave (the bot handles stanzas one at a time).",
        "Echo: the same users in the same kind of waves send 'latest' to a minimal xmpp.js client (the bench's 'echo' account) that sends each body straight back: the floor of a round trip through this Prosody on this machine, measured in the same run right after Herald's.",
        "'latest' is the default (the 3 newest posts of all feeds). 'search' cycles through five kinds of query over made-up words with a Zipf-like spread; each kind's p99 is listed. The bot also answers the same commands in rooms; that path is not measured here.",
        "Bot CPU per request: the bot's CPU over the whole series divided by the requests (includes receiving and sending the stanzas).",
        "Store alone: the same EntryStore calls the commands make, timed in the bench process on a copy of the bot's database (compiled src/store, same SQLite engine), without XMPP or formatting: how much of a request is the query.",
      ],
      samples: { latest_ms: latest.rtts, echo_ms: echo.rtts, search_ms: search.rtts },
    };
  } finally {
    askers.forEach((a) => a.close());
    echoAskers.forEach((a) => a.close());
    stopEcho();
    await bot.stop();
  }
}

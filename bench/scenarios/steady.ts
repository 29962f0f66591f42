// Scenario 1: steady-state polling of 1,000 unchanged feeds, with conditional GET and without,
// plus what two parts of an unchanged poll cost on their own (the HTTP client, the feed-state SQL).
import { execFile } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { openDatabase } from "../../src/store/sqlite/database.js";
import { createFeedStateStore } from "../../src/store/sqlite/feed-state.js";
import { ROOT } from "../bot.js";
import { say, type BenchEnv, type ScenarioResult } from "../env.js";
import { median, round as r } from "../stats.js";
import { longWindow } from "./long-window.js";
import { coldCycle, expectOnly, intervalFor, pollingFixture, POSTS_PER_FEED, setConditional, warmRound, type PollingFixture } from "./polling-fixture.js";

interface ModeFigures {
  intervalS: number;
  coldWall: number[];
  coldCpuPerPoll: number[];
  warmCpuPerPoll: number[];
  bytesIn: number[];
  bytesOut: number[];
}

async function steadyMode(env: BenchEnv, fx: PollingFixture, conditional: boolean, runs: number): Promise<ModeFigures> {
  await setConditional(env, fx, conditional);
  const what = `conditional GET ${conditional ? "on" : "off"}`;
  const expected = conditional ? "not-modified" : "unchanged";
  const intervalS = intervalFor(fx, conditional);
  const out: ModeFigures = { intervalS, coldWall: [], coldCpuPerPoll: [], warmCpuPerPoll: [], bytesIn: [], bytesOut: [] };
  for (let run = 0; run < runs; run++) {
    const cold = await coldCycle(fx, intervalS);
    const warm = await warmRound(env, fx, cold.bot).finally(() => cold.bot.stop());
    expectOnly(cold.results, expected, `cold cycle (${what})`);
    expectOnly(warm.results, expected, `warm round (${what})`);
    out.coldWall.push(cold.wallMs);
    out.coldCpuPerPoll.push(cold.cpuMs / fx.names.size);
    out.warmCpuPerPoll.push(warm.cpuMs / warm.polls);
    out.bytesIn.push(warm.bytesInPerPoll);
    out.bytesOut.push(warm.bytesOutPerPoll);
    say(`  ${what.padEnd(19)} run ${run + 1}/${runs}: cycle ${r(cold.wallMs, 0)} ms, cold ${r(cold.cpuMs / fx.names.size)} ms CPU/poll, warm ${r(warm.cpuMs / warm.polls)} ms CPU/poll, ${r(warm.bytesInPerPoll, 0)} B received/poll`);
  }
  return out;
}

/**
 * What the bot's own SQLite work costs per unchanged poll: feed_state open (insert-if-missing,
 * url check, select) and recordNotModified, as the poller calls them; measured in this process
 * on a copy of the bot's database, with the same compiled store code.
 */
async function feedStateCostMs(fx: PollingFixture): Promise<number> {
  const copy = join(fx.dir, "feed-state-probe.db");
  copyFileSync(fx.store, copy);
  const db = await openDatabase(copy);
  const state = createFeedStateStore(db);
  const names = [...fx.names];
  const urls = new Map(names.map((n) => [n, db.prepare<[string], { url: string }>("SELECT url FROM feed_state WHERE feed = ?").get(n)!.url]));
  const once = async () => {
    for (const name of names) {
      await state.open(name, urls.get(name)!);
      await state.recordNotModified(name, Date.now());
    }
  };
  await once(); // warm-up
  const rounds = 3;
  const before = process.cpuUsage();
  for (let i = 0; i < rounds; i++) await once();
  const used = process.cpuUsage(before);
  db.close();
  return (used.user + used.system) / 1000 / (rounds * names.length);
}

/**
 * The HTTP client alone: a separate node process makes the bot's conditional GET against the farm,
 * 32 at a time, with fetch() (what the bot uses) and with node:http, and reports its CPU per 304.
 */
async function httpClientCostMs(env: BenchEnv, fx: PollingFixture): Promise<{ fetch: number; http: number }> {
  const file = join(fx.dir, "validators.json");
  writeFileSync(file, JSON.stringify(Object.fromEntries(fx.paths.map((p) => [p, env.farm.validatorsOf(p)]))));
  const count = env.quick ? 1000 : 3000;
  const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, "build/bench/probe-fetch.js"), env.farm.url(""), String(count), file]);
  return JSON.parse(stdout) as { fetch: number; http: number };
}

/**
 * node:http alone, paced like the bot's polls in the long window (the same requests per second),
 * in a separate process measuring its own CPU: the floor of a poll that wakes the process for itself.
 */
async function httpPacedCostMs(env: BenchEnv, fx: PollingFixture, perSecond: number, seconds: number, mode: "paced" | "ticked" = "paced"): Promise<number> {
  const file = join(fx.dir, "validators.json");
  writeFileSync(file, JSON.stringify(Object.fromEntries(fx.paths.map((p) => [p, env.farm.validatorsOf(p)]))));
  const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, "build/bench/probe-fetch.js"), env.farm.url(""), "0", file, mode, String(perSecond), String(seconds)]);
  return (JSON.parse(stdout) as Record<string, number>)[mode]!;
}

export async function steady(env: BenchEnv): Promise<ScenarioResult> {
  const fx = await pollingFixture(env);
  const runs = env.quick ? 2 : 5;
  const on = await steadyMode(env, fx, true, runs);
  const sqlMs = await feedStateCostMs(fx);
  const client = await httpClientCostMs(env, fx);
  const window = await longWindow(env, fx, env.quick ? 120 : 300);
  const pacedSeconds = env.quick ? 60 : 120;
  const httpPaced = await httpPacedCostMs(env, fx, window.polls / window.windowS, pacedSeconds);
  say(`  node:http alone, paced like the bot (${r(window.polls / window.windowS, 1)} requests per s): ${r(httpPaced)} ms CPU per request`);
  // The same requests per second sent together once a second, as the poller's ticks send them:
  // the floor of the bot's own spacing (the paced one is a client that never batches).
  const httpTicked = await httpPacedCostMs(env, fx, window.polls / window.windowS, pacedSeconds, "ticked");
  say(`  node:http alone, in one-second ticks like the bot's: ${r(httpTicked)} ms CPU per request`);
  const off = await steadyMode(env, fx, false, runs);
  env.farm.validators = true; // for the other scenarios' feeds; the database catches up when "changed" needs it
  const m = (v: number[]) => median(v);
  const n = fx.names.size;
  return {
    scenario: "steady",
    title: `1. Steady-state polling: ${n} unchanged feeds`,
    figures: [
      { key: "cycle_wall_ms", label: "cycle wall time, conditional GET (all feeds due at once)", value: r(m(on.coldWall), 0), unit: "ms", target: { op: "<=", value: 1000 } },
      { key: "cpu_per_poll_ms", label: "CPU per poll, conditional GET (warm)", value: r(window.cpuPerPoll), unit: "ms", target: { op: "<=", value: 0.15 } },
      { key: "ratio_cpu_per_poll_node_http", label: "CPU per poll / node:http 304 alone", value: r(window.cpuPerPoll / httpPaced, 1), unit: "x", target: { op: "<=", value: 3 } },
      { key: "node_http_paced_per_poll_ms", label: "  for comparison: node:http of a 304 alone, paced like the bot's polls", value: r(httpPaced), unit: "ms" },
      { key: "ratio_cpu_per_poll_node_http_ticked", label: "CPU per poll / node:http 304 alone in one-second ticks (the bot's spacing)", value: r(window.cpuPerPoll / httpTicked, 2), unit: "x" },
      { key: "node_http_ticked_per_poll_ms", label: "  for comparison: node:http of a 304 alone, in one-second ticks like the bot's", value: r(httpTicked), unit: "ms" },
      { key: "ratio_cpu_per_poll_node_http_burst", label: "CPU per poll / node:http 304 alone in bursts of 32", value: r(window.cpuPerPoll / client.http, 1), unit: "x" },
      { key: "idle_cpu_ms_per_s", label: "  part: the idle bot (same session and room, no feeds), CPU per second", value: r(window.idleMsPerS, 2), unit: "ms/s" },
      { key: "idle_share_per_poll_ms", label: "  part: that idle floor's share of a poll", value: r(window.idlePerPoll), unit: "ms" },
      { key: "cpu_per_poll_round_ms", label: "CPU per poll, one warm round (debug log, no XMPP session)", value: r(m(on.warmCpuPerPoll)), unit: "ms" },
      { key: "cpu_per_poll_cold_ms", label: "CPU per poll, conditional GET (first cycle after start)", value: r(m(on.coldCpuPerPoll)), unit: "ms" },
      { key: "feed_state_sql_per_poll_ms", label: "  part: feed-state SQL (open + record), measured alone", value: r(sqlMs), unit: "ms" },
      { key: "fetch_alone_per_poll_ms", label: "  part: fetch() of a 304 alone, in a separate process", value: r(client.fetch), unit: "ms" },
      { key: "node_http_alone_per_poll_ms", label: "  for comparison: node:http of a 304 alone", value: r(client.http), unit: "ms" },
      { key: "bytes_received_per_poll", label: "bytes received per poll, conditional GET (304)", value: r(m(on.bytesIn), 0), unit: "B", target: { op: "<=", value: 500 } },
      { key: "bytes_sent_per_poll", label: "bytes sent per poll (the request), conditional GET", value: r(m(on.bytesOut), 0), unit: "B" },
      { key: "cycle_wall_nocond_ms", label: "cycle wall time, no conditional GET", value: r(m(off.coldWall), 0), unit: "ms" },
      { key: "cpu_per_poll_nocond_ms", label: "CPU per poll, no conditional GET (warm)", value: r(m(off.warmCpuPerPoll)), unit: "ms" },
      { key: "bytes_received_per_poll_nocond", label: "bytes received per poll, no conditional GET", value: r(m(off.bytesIn), 0), unit: "B" },
      { key: "ratio_cycle_wall", label: "ratio no-conditional / conditional: cycle wall time", value: r(m(off.coldWall) / m(on.coldWall), 2), unit: "x" },
      { key: "ratio_cpu_per_poll", label: "ratio no-conditional / conditional: CPU per poll (warm)", value: r(m(off.warmCpuPerPoll) / m(on.warmCpuPerPoll), 2), unit: "x" },
      { key: "ratio_bytes", label: "ratio no-conditional / conditional: bytes received", value: r(m(off.bytesIn) / m(on.bytesIn), 1), unit: "x" },
    ],
    settings: { longWindowS: window.windowS, longWindowPolls: window.polls, longWindowIntervalS: 60, longWindowRssMb: r(window.rssMb, 1), feeds: n, postsPerFeed: POSTS_PER_FEED, documentBytes: r(fx.documentBytes, 0), intervalS: { conditional: on.intervalS, noConditional: off.intervalS }, runsPerMode: runs, fetchConcurrency: 32, logLevel: "debug" },
    notes: [
      `CPU per poll, conditional GET (warm): the whole process over a long window. The bot as shipped (its node flag, info logging, logged in to Prosody, in one room) polls the ${n} unchanged feeds every 60 s; after one interval of warm-up, its CPU (all threads) over ${window.windowS} s is divided by the requests the farm answered in that time (${window.polls}, all 304). The idle floor is a second bot with the same session and room and no feeds, measured for ${Math.min(window.windowS, 60)} s after 30 s of settling (the start-up's garbage collection and compilation go on for some 20 s on V8's threads); its CPU per second times the window, over the polls, is its share of a poll. The floor it is divided by is node:http alone in a separate process, paced like the bot's polls (the same requests per second, each on its own timer) for ${pacedSeconds} s after a warm-up: a poll spread out in time pays its own wake-up (timer, epoll, the socket's write and read), which a burst of 32 shares; the burst floor is kept below for comparison. The ticked floor sends the same requests per second all together once a second, as the poller's one-second ticks do (polling/poller.ts): Herald's own spacing with nothing of Herald in it.`,
      `Each run restarts the bot on a database where every feed has its baseline and validators; at start every feed is due at once. Cycle wall time: the bot's "configuration applied" log line to its last feed's "polled" line (bot clock). Median of ${runs} runs per mode.`,
      "CPU: user+system of all the bot's threads (/proc/<pid>/task/*/schedstat), from that line to the last poll (cold), then over the next round, in which every feed is polled once more on its own timer (warm), divided by the polls in it.",
      "Conditional GET off: the bot has no switch, so the farm serves the same documents without ETag/Last-Modified; from the bot's side that is the same as turning it off (it has no validators to send and gets a full 200 every time, parses it, and finds nothing new).",
      "XMPP service unreachable on purpose (see polling.ts): no log-in inside the cycle. Debug logging is on (one JSON line per poll, a few µs each): it is how the cycle's end is seen.",
      "Loopback with HTTP keep-alive to one origin: no DNS, TLS or new TCP connection per poll, which 1,000 real feeds on many HTTPS hosts would add.",
      `Parts: feed-state SQL is FeedStateStore.open + recordNotModified (three writes and a read, each its own transaction), run ${n}x3 times in the bench process on a copy of the bot's database. fetch() alone: bench/probe-fetch.ts, a separate node process (the bot's node binary) making the bot's conditional GET with its headers, 32 at a time, ${env.quick ? "1,000" : "3,000"} times after a warm-up, measuring its own CPU; node:http the same with a keep-alive agent. The rest of the bot's CPU per poll is its poller, timers, AbortSignal, logging and promise plumbing.`,
      "Bytes target: the issue says 'a few hundred bytes'; 500 B is this bench's reading of that.",
    ],
    samples: {
      cycle_wall_ms: on.coldWall,
      cpu_per_poll_ms: [window.cpuPerPoll],
      cpu_per_poll_round_ms: on.warmCpuPerPoll,
      cpu_per_poll_cold_ms: on.coldCpuPerPoll,
      bytes_received_per_poll: on.bytesIn,
      cycle_wall_nocond_ms: off.coldWall,
      cpu_per_poll_nocond_ms: off.warmCpuPerPoll,
    },
  };
}


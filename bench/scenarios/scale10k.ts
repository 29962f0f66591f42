// Scenario: ten times the big installation (issue 16): 10,000 feeds, 1,000 rooms (ten feeds
// each), 200,000 stored posts. After a first start that creates the rooms and takes every
// baseline (not measured), the bot restarts; each restart gives the three figures the issue names:
// the first cycle's wall time (every feed is due at start and answers 304), start-up to all rooms
// joined, and resident memory once settled.
import { Bot } from "../bot.js";
import { say, type BenchEnv, type ScenarioResult } from "../env.js";
import { round } from "../rounds.js";
import { median, round as r, sleep } from "../stats.js";
import { scaleFixture, SCALE_TIMEOUT_MS, TEN_K } from "./scale-fixture.js";
import { makeAllDue } from "../seed.js";

const SETTLE_MS = 5_000;

export async function scale10k(env: BenchEnv): Promise<ScenarioResult> {
  const fx = await scaleFixture(env, TEN_K(env.quick));
  const runs = env.quick ? 1 : 3;
  const cycle: number[] = [];
  const startup: number[] = [];
  const startupAllDue: number[] = [];
  const prosodyCpu: number[] = [];
  const botCpu: number[] = [];
  const rss: number[] = [];
  const peak: number[] = [];
  const cpuPerPoll: number[] = [];
  for (let run = 0; run < runs; run++) {
    await makeAllDue(fx.store);
    const bot = Bot.start(fx.configPath, "debug");
    try {
      const polled = round(bot, fx.names, SCALE_TIMEOUT_MS);
      const joined = await bot.waitForCount("joined room", fx.rooms, SCALE_TIMEOUT_MS);
      startupAllDue.push(joined!.readAt - bot.spawnedAt);
      const done = await polled;
      if (done.failures > 0 || (done.results["not-modified"] ?? 0) < fx.feeds) throw new Error(`first cycle: expected ${fx.feeds} not-modified polls, got ${JSON.stringify(done.results)}`);
      const first = bot.logs.find((l) => l.msg === "polled")!;
      cycle.push(done.last.time - first.time);
      const cpuAtCycle = bot.cpu();
      await sleep(SETTLE_MS);
      const memory = bot.memory();
      rss.push(memory.rssMb);
      peak.push(memory.peakMb);
      cpuPerPoll.push(cpuAtCycle.ms / fx.feeds);
      say(`  start ${run + 1}/${runs}, every feed due: ${fx.rooms} rooms joined after ${r(startupAllDue.at(-1)!, 0)} ms; first cycle ${r(cycle.at(-1)!, 0)} ms; RSS ${r(memory.rssMb, 1)} MB (peak ${r(memory.peakMb, 1)} MB)`);
    } finally {
      await bot.stop();
    }
    // A plain restart right after: the feeds were just read, so none is due yet.
    const prosody0 = env.prosodyCpu();
    const again = Bot.start(fx.configPath, "info");
    try {
      const joined = await again.waitForCount("joined room", fx.rooms, SCALE_TIMEOUT_MS);
      startup.push(joined!.readAt - again.spawnedAt);
      const prosody1 = env.prosodyCpu();
      if (prosody0 && prosody1) prosodyCpu.push(prosody1.ms - prosody0.ms);
      botCpu.push(again.cpu().ms);
      say(`  restart ${run + 1}/${runs}: ${fx.rooms} rooms joined after ${r(startup.at(-1)!, 0)} ms (bot ${r(botCpu.at(-1)!, 0)} ms CPU, Prosody ${r(prosodyCpu.at(-1) ?? NaN, 0)} ms CPU)`);
    } finally {
      await again.stop();
    }
  }
  const k = `${fx.feeds / 1000}k feeds`;
  return {
    scenario: "scale10k",
    title: `Ten times the scale: ${fx.feeds} feeds, ${fx.rooms} rooms, ${fx.posts} stored posts`,
    figures: [
      { key: "cycle_wall_ms", label: `${k}: cycle wall time`, value: r(median(cycle), 0), unit: "ms", target: { op: "<=", value: 5000 } },
      { key: "rss_mb", label: `${k}: resident memory`, value: r(median(rss), 1), unit: "MB", target: { op: "<=", value: 200 } },
      { key: "startup_ms", label: `${k}: start-up to all rooms joined`, value: r(median(startup), 0), unit: "ms", target: { op: "<=", value: 10_000 } },
      { key: "startup_all_due_ms", label: `${k}: start-up to all rooms joined, every feed due at once`, value: r(median(startupAllDue), 0), unit: "ms" },
      { key: "restart_bot_cpu_ms", label: `${k}: bot CPU from spawn to all rooms joined (plain restart)`, value: r(median(botCpu), 0), unit: "ms" },
      { key: "restart_prosody_cpu_ms", label: `${k}: Prosody CPU over the same restart (for context)`, value: r(median(prosodyCpu), 0), unit: "ms" },
      { key: "peak_rss_mb", label: `${k}: peak resident memory during start-up (VmHWM)`, value: r(median(peak), 1), unit: "MB" },
      { key: "start_cpu_per_feed_ms", label: `${k}: CPU from spawn to the end of the first cycle, per feed`, value: r(median(cpuPerPoll), 3), unit: "ms" },
    ],
    settings: { feeds: fx.feeds, rooms: fx.rooms, storedPosts: fx.posts, restarts: runs, settleMs: SETTLE_MS, logLevel: "debug", seedMs: r(fx.seedMs, 0), firstStartMs: r(fx.firstStartMs, 0) },
    notes: [
      "Seeded through src/store with 20 posts per feed, the 20 each feed document serves: the first start adds nothing. That first start (creating the rooms, taking every baseline) is not measured; the figures are medians over the restarts.",
      "Two starts per run. First with every feed marked unread (so all are due): cycle wall time, memory, and the start-up under that load. Then a plain restart, as an operator's restart is: the feeds were read moments before, so each waits out its interval (polling/poller.ts) and the start-up is the log-in and the joins alone; that is the 'start-up to all rooms joined' figure.",
      "Cycle wall time: from the bot's first 'polled' line to the line completing a poll of every feed, by the bot's clock; every feed is due at start and the farm answers 304. Start-up: spawn → the bench reads the last 'joined room' line. Memory: /proc/<pid>/status after the cycle and a settling pause.",
      "The feed farm is one HTTP server in the bench process on the same two cores; the bot's fetches are bounded at 32 at once.",
    ],
    samples: { cycle_ms: cycle, startup_ms: startup, rss_mb: rss },
  };
}

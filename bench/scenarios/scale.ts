// Scenario 6: memory and start-up at scale. The bot restarts on the big installation's database
// (1,000 feeds, 200 rooms, 50,000 posts); each start is timed from spawn to the 200th room joined,
// split into phases by the bot's own log lines; resident memory is read once the first cycle of
// polls is over and the bot has settled.
import { Bot } from "../bot.js";
import { say, type BenchEnv, type ScenarioResult } from "../env.js";
import { round } from "../rounds.js";
import { median, round as r, sleep } from "../stats.js";
import { scaleFixture, SCALE_TIMEOUT_MS } from "./scale-fixture.js";
import { makeAllDue } from "../seed.js";

const SETTLE_MS = 3_000;

export async function scale(env: BenchEnv): Promise<ScenarioResult> {
  const fx = await scaleFixture(env);
  const runs = env.quick ? 2 : 5;
  const startup: number[] = [];
  const phases = { boot: [] as number[], database: [] as number[], login: [] as number[], joins: [] as number[] };
  const startupCpu: number[] = [];
  const rss: number[] = [];
  const peak: number[] = [];
  const anon: number[] = [];
  const file: number[] = [];
  for (let run = 0; run < runs; run++) {
    await makeAllDue(fx.store);
    const bot = Bot.start(fx.configPath, "debug");
    try {
      const polled = round(bot, fx.names, SCALE_TIMEOUT_MS);
      const joined = await bot.waitForCount("joined room", fx.rooms, SCALE_TIMEOUT_MS);
      const cpuAtJoined = bot.cpu();
      startup.push(joined!.readAt - bot.spawnedAt);
      startupCpu.push(cpuAtJoined.ms);
      const at = (msg: string) => bot.logs.find((l) => l.msg === msg)?.time ?? NaN;
      // Phases by the bot's clock: node start + modules + config file; database + reconcile; XMPP log-in; room joins.
      phases.boot.push(at("starting") - bot.spawnedAtEpoch);
      phases.database.push(at("configuration applied") - at("starting"));
      phases.login.push(at("online") - at("configuration applied"));
      phases.joins.push(joined!.time - at("online"));
      await polled;
      await sleep(SETTLE_MS);
      const memory = bot.memory();
      rss.push(memory.rssMb);
      peak.push(memory.peakMb);
      anon.push(memory.anonMb);
      file.push(memory.fileMb);
      say(`  start ${run + 1}/${runs}: all ${fx.rooms} rooms joined after ${r(startup.at(-1)!, 0)} ms (${r(cpuAtJoined.ms, 0)} ms CPU); RSS ${r(memory.rssMb, 1)} MB, peak ${r(memory.peakMb, 1)} MB`);
    } finally {
      await bot.stop();
    }
  }
  return {
    scenario: "scale",
    title: `6. Memory and start-up: ${fx.feeds} feeds, ${fx.rooms} rooms, ${fx.posts} stored posts`,
    figures: [
      { key: "rss_mb", label: "resident memory once settled (VmRSS)", value: r(median(rss), 1), unit: "MB", target: { op: "<=", value: 150 } },
      { key: "rss_anon_mb", label: "  of which anonymous: JS heap, SQLite cache, buffers (RssAnon)", value: r(median(anon), 1), unit: "MB" },
      { key: "rss_file_mb", label: "  of which file-backed: node binary, libraries (RssFile)", value: r(median(file), 1), unit: "MB" },
      { key: "peak_rss_mb", label: "peak resident memory during start-up (VmHWM)", value: r(median(peak), 1), unit: "MB" },
      { key: "startup_ms", label: `start-up: spawn → all ${fx.rooms} rooms joined`, value: r(median(startup), 0), unit: "ms" },
      { key: "startup_cpu_ms", label: "CPU used by then", value: r(median(startupCpu), 0), unit: "ms" },
      { key: "phase_boot_ms", label: "  of which: node, modules, config file (spawn → 'starting')", value: r(median(phases.boot), 0), unit: "ms" },
      { key: "phase_database_ms", label: "  of which: database open + reconcile ('starting' → 'configuration applied')", value: r(median(phases.database), 0), unit: "ms" },
      { key: "phase_login_ms", label: "  of which: XMPP log-in, polls running ('configuration applied' → 'online')", value: r(median(phases.login), 0), unit: "ms" },
      { key: "phase_joins_ms", label: "  of which: room joins ('online' → last 'joined room')", value: r(median(phases.joins), 0), unit: "ms" },
    ],
    settings: { feeds: fx.feeds, rooms: fx.rooms, storedPosts: fx.posts, feedsPerRoom: fx.feeds / fx.rooms, intervalS: 600, restarts: runs, settleMs: SETTLE_MS, logLevel: "debug", seedMs: r(fx.seedMs, 0), firstStartMs: r(fx.firstStartMs, 0) },
    notes: [
      "The database is seeded through src/store (the bot's own code) with 50 posts per feed; each feed document serves the newest 20, so the first start adds nothing. That first start (creating the rooms, taking every baseline) is not measured; the figures are medians over the restarts after it.",
      `Start-up: from spawn to the bench reading the bot's 200th 'joined room' line. Every feed is polled at start (all 304), concurrently with the log-in and the joins. Phases use the bot's log times. Memory: /proc/<pid>/status ${SETTLE_MS / 1000} s after the last feed's first poll.`,
      "The log-in is SCRAM-SHA-1 (xmpp.js picks it over plain TCP); sasl-scram-sha-1 computes its 10,000 PBKDF2 rounds as 10,000 awaited WebCrypto HMAC calls, which is most of the log-in phase.",
    ],
    samples: { rss_mb: rss, startup_ms: startup, phase_login_ms: phases.login },
  };
}

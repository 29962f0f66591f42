// The per-poll CPU as the whole process pays it (issue 16): the bot as shipped (its node flags, info
// logging, logged in to Prosody and sitting in a room) polling unchanged feeds on a 60 s interval,
// its whole CPU over a long window divided by the requests the farm answered in it. A second bot
// with the same session and no feeds gives the idle floor: what the process costs per second when
// it polls nothing (timers, XMPP keepalive, metrics), which a short window hides.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Bot, writeBotConfig } from "../bot.js";
import { say, type BenchEnv } from "../env.js";
import { round as r, sleep } from "../stats.js";
import type { PollingFixture } from "./polling-fixture.js";

const INTERVAL_S = 60;
const ROOM = "window@conference.localhost";
const IDLE_SETTLE_MS = 30_000;

export interface LongWindow {
  readonly windowS: number;
  readonly polls: number;
  readonly cpuMs: number;
  readonly cpuPerPoll: number;
  /** The idle bot's CPU per second of wall time. */
  readonly idleMsPerS: number;
  /** The idle floor's share of cpuPerPoll. */
  readonly idlePerPoll: number;
  readonly rssMb: number;
}

/** CPU (ms) of each of a process's threads, by thread id and name. */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      out.set(`${tid}:${name}`, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1e6);
    } catch {
      // the thread ended
    }
  }
  return out;
}

function configFor(env: BenchEnv, fx: PollingFixture, feeds: boolean, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const names = feeds ? [...fx.names] : [];
  return writeBotConfig(
    {
      xmpp: env.xmpp(),
      store: fx.store,
      rooms: [{ jid: ROOM, feeds: names.slice(0, 1) }],
      feeds: names.map((name, i) => ({ name, url: env.farm.url(fx.paths[i]!), interval: `${INTERVAL_S}s` })),
    },
    dir,
  );
}

/**
 * Runs the bot for one interval of warm-up (every feed polled at least once in this process), then
 * measures `windowS` seconds. The restart waits out each feed's interval since its last read, so
 * polls are spread over the interval as in a long-running bot.
 */
export async function longWindow(env: BenchEnv, fx: PollingFixture, windowS: number): Promise<LongWindow> {
  env.farm.validators = true;
  const bot = Bot.start(configFor(env, fx, true, join(fx.dir, "window-feeds")), "info");
  let measured: { cpuMs: number; polls: number; rssMb: number; byStatus: Record<number, number> };
  try {
    await bot.waitFor((l) => l.msg === "joined room", 60_000, "the room joined");
    await sleep(INTERVAL_S * 1000);
    env.farm.resetStats();
    const before = bot.cpu();
    const threadsBefore = threadCpu(bot.pid);
    await sleep(windowS * 1000);
    const cpuMs = bot.cpu().ms - before.ms;
    if (process.env.BENCH_THREADS) {
      const after = threadCpu(bot.pid);
      say(`  threads (ms over the window): ${[...after].map(([name, ms]) => `${name} ${r(ms - (threadsBefore.get(name) ?? 0), 1)}`).join(", ")}`);
    }
    const traffic = env.farm.snapshot();
    measured = { cpuMs, polls: traffic.requests, rssMb: bot.memory().rssMb, byStatus: traffic.byStatus };
  } finally {
    await bot.stop();
  }
  const other = Object.keys(measured.byStatus).filter((s) => s !== "304");
  if (other.length > 0) throw new Error(`long window: expected only 304 answers, got ${JSON.stringify(measured.byStatus)}`);
  const expected = (fx.names.size * windowS) / INTERVAL_S;
  if (measured.polls < expected * 0.6) throw new Error(`long window: ${measured.polls} polls in ${windowS} s, expected about ${r(expected, 0)}`);

  // The idle floor: the same session and room, no feeds.
  const idleS = Math.min(windowS, 60);
  const idle = Bot.start(configFor(env, fx, false, join(fx.dir, "window-idle")), "info");
  let idleMsPerS: number;
  try {
    await idle.waitFor((l) => l.msg === "joined room", 60_000, "the room joined");
    // The start-up's garbage collection and compilation go on for some 20 s on V8's threads.
    await sleep(IDLE_SETTLE_MS);
    const before = idle.cpu();
    await sleep(idleS * 1000);
    idleMsPerS = (idle.cpu().ms - before.ms) / idleS;
  } finally {
    await idle.stop();
  }
  const cpuPerPoll = measured.cpuMs / measured.polls;
  const idlePerPoll = (idleMsPerS * windowS) / measured.polls;
  say(`  long window: ${measured.polls} polls in ${windowS} s, ${r(measured.cpuMs, 0)} ms CPU: ${r(cpuPerPoll, 3)} ms per poll, of which idle ${r(idlePerPoll, 3)} ms (idle bot ${r(idleMsPerS, 2)} ms CPU per s); RSS ${r(measured.rssMb, 1)} MB`);
  return { windowS, polls: measured.polls, cpuMs: measured.cpuMs, cpuPerPoll, idleMsPerS, idlePerPoll, rssMb: measured.rssMb };
}

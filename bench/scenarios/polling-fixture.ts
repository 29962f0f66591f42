// The polling scenarios' shared set-up (scenarios 1 and 2): 1,000 feeds on the farm, a database
// in which each has its baseline and validators, and the ways a run is measured: the first cycle
// after a start (every feed due at once) and warm rounds (every feed polled once more on its timer).
//
// The bot runs with its XMPP service pointing at a closed loopback port: polling does not depend
// on the session (main.ts starts the poller before connecting, and what a poll finds waits in the
// outbox), and the log-in (about 0.6 s of CPU for SCRAM-SHA-1, see scale.ts) would otherwise land
// inside the very cycle being measured. XMPP costs are measured in scenarios 3-6.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Bot, writeBotConfig, type BotConfig } from "../bot.js";
import { say, type BenchEnv } from "../env.js";
import { makeBenchPost, newestPosts } from "../posts.js";
import { round, type Round } from "../rounds.js";
import { round as r } from "../stats.js";
import { makeAllDue } from "../seed.js";

/** Posts per feed document: a typical blog feed keeps its newest 10-20. */
export const POSTS_PER_FEED = 20;
export const CHANGED_SHARE = 0.1;
export const ROUND_TIMEOUT_MS = 180_000;

export interface PollingFixture {
  readonly dir: string;
  readonly names: ReadonlySet<string>;
  readonly paths: readonly string[];
  readonly store: string;
  /** How long the baseline of every feed took; the polling intervals are set from it. */
  readonly prepWallMs: number;
  readonly documentBytes: number;
  /** A config file per polling interval (seconds), written on first use. */
  configFor(intervalS: number): string;
  /** How many posts each feed has had so far (the next new post's number). */
  readonly postCount: number[];
  /** Whether the database holds validators (it follows the farm's mode with one poll's delay). */
  validatorsInDb: boolean;
}

function feedCount(env: BenchEnv): number {
  return env.quick ? 200 : 1000;
}

/**
 * 1,000 feeds on the farm and a database in which each has its baseline and validators: a first
 * bot run polls them all once (the baseline) and stops.
 */
export function pollingFixture(env: BenchEnv): Promise<PollingFixture> {
  return env.fixture("polling", async () => {
    const n = feedCount(env);
    const dir = join(env.dir, "polling");
    mkdirSync(dir);
    const paths: string[] = [];
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = `p${i}`;
      const path = `/poll/${name}.xml`;
      // Half Atom, half RSS 2.0: both readers are exercised.
      env.farm.setFeed(path, i % 2 === 0 ? "atom" : "rss", newestPosts(name, POSTS_PER_FEED, POSTS_PER_FEED));
      paths.push(path);
      names.push(name);
    }
    const store = join(dir, "herald.db");
    const xmpp = env.xmpp(`xmpp://127.0.0.1:${env.closedPort}`);
    const config = (interval: string): BotConfig => ({ xmpp, store, rooms: [], feeds: names.map((name, i) => ({ name, url: env.farm.url(paths[i]!), interval })) });
    say(`  preparing: baseline of ${n} feeds …`);
    env.farm.validators = true;
    env.farm.resetStats();
    const bot = Bot.start(writeBotConfig(config("1h"), dir), "info");
    const baseline = await round(bot, new Set(names), ROUND_TIMEOUT_MS).finally(() => bot.stop());
    const traffic = env.farm.snapshot();
    const started = bot.logs.find((l) => l.msg === "configuration applied")!;
    const prepWallMs = baseline.last.time - started.time;
    if (baseline.results.baseline !== n) throw new Error(`baseline: expected ${n} baselines, got ${JSON.stringify(baseline.results)}`);
    say(`  baseline took ${r(prepWallMs / 1000, 1)} s`);
    const configs = new Map<number, string>();
    return {
      dir,
      names: new Set(names),
      paths,
      store,
      prepWallMs,
      documentBytes: traffic.bytesOut / Math.max(1, traffic.requests),
      configFor(intervalS: number) {
        let path = configs.get(intervalS);
        if (!path) {
          const sub = join(dir, `interval-${intervalS}s`);
          mkdirSync(sub);
          path = writeBotConfig(config(`${intervalS}s`), sub);
          configs.set(intervalS, path);
        }
        return path;
      },
      postCount: paths.map(() => POSTS_PER_FEED),
      validatorsInDb: true,
    };
  });
}

/**
 * The polling interval for measured runs: long enough that a round of polls ends before the next
 * begins (so each round is measured on its own), short enough to keep the bench quick. A full
 * fetch of every feed costs about half of the baseline (which also stores every entry), a 304
 * round a sixth; these factors leave a margin of about 1.5.
 */
export function intervalFor(fx: PollingFixture, conditional: boolean): number {
  return Math.max(2, Math.ceil(((conditional ? 0.3 : 0.75) * fx.prepWallMs) / 1000));
}

export interface Cold {
  readonly bot: Bot;
  /** All feeds due at once (as at every start): "configuration applied" → the last feed's poll. */
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly results: Record<string, number>;
}

/** Starts the bot on the prepared database and measures its first round, in which every feed is due. */
export async function coldCycle(fx: PollingFixture, intervalS: number): Promise<Cold> {
  await makeAllDue(fx.store);
  const bot = Bot.start(fx.configFor(intervalS), "debug");
  const applied = bot.waitFor((l) => l.msg === "configuration applied", 60_000, "configuration applied").then((line) => ({ line, cpu: bot.cpu() }));
  const cold = round(bot, fx.names, ROUND_TIMEOUT_MS);
  try {
    const start = await applied;
    const done = await cold;
    return { bot, wallMs: done.last.time - start.line.time, cpuMs: bot.cpu().ms - start.cpu.ms, results: done.results };
  } catch (err) {
    await bot.stop();
    throw err;
  }
}

export interface Warm extends Round {
  readonly cpuMs: number;
  readonly bytesInPerPoll: number;
  readonly bytesOutPerPoll: number;
}

/**
 * The next round of a running bot: every feed polled once more on its own timer. Called right
 * after a round ended, so it starts and ends in the quiet gap between rounds.
 */
export async function warmRound(env: BenchEnv, fx: PollingFixture, bot: Bot): Promise<Warm> {
  env.farm.resetStats();
  const before = bot.cpu();
  const done = await round(bot, fx.names, ROUND_TIMEOUT_MS);
  const cpuMs = bot.cpu().ms - before.ms;
  const traffic = env.farm.snapshot();
  return {
    ...done,
    cpuMs,
    // Bytes on the wire as the farm counted them: the bot received what the farm wrote.
    bytesInPerPoll: traffic.bytesOut / Math.max(1, traffic.requests),
    bytesOutPerPoll: traffic.bytesIn / Math.max(1, traffic.requests),
  };
}

export function expectOnly(results: Record<string, number>, expected: string, what: string): void {
  const other = Object.entries(results).filter(([k]) => k !== expected);
  if (other.length > 0) throw new Error(`${what}: expected only "${expected}" polls, got ${JSON.stringify(results)}`);
}

/**
 * Switches the farm to serving with or without validators. When that changes what the database
 * holds, one unmeasured run lets the bot catch up: the first poll after turning validators off
 * still sends the old ones, and after turning them on the first poll has none to send.
 */
export async function setConditional(env: BenchEnv, fx: PollingFixture, conditional: boolean): Promise<void> {
  env.farm.validators = conditional;
  if (fx.validatorsInDb === conditional) return;
  const { bot } = await coldCycle(fx, intervalFor(fx, conditional));
  await bot.stop();
  fx.validatorsInDb = conditional;
}

/** Publishes one new post (dated now) on 10% of the feeds, spread evenly, starting at feed `offset`. */
export function publishOnSome(env: BenchEnv, fx: PollingFixture, offset: number): string[] {
  const n = fx.paths.length;
  const count = Math.round(n * CHANGED_SHARE);
  const stride = Math.round(1 / CHANGED_SHARE);
  const names: string[] = [];
  for (let k = 0; k < count; k++) {
    const i = (offset + k * stride) % n;
    const name = `p${i}`;
    env.farm.publish(fx.paths[i]!, makeBenchPost(name, fx.postCount[i]!++, new Date()));
    names.push(name);
  }
  return names;
}

/** Publishes one new post (dated now) on every feed. */
export function publishOnAll(env: BenchEnv, fx: PollingFixture): void {
  fx.paths.forEach((path, i) => env.farm.publish(path, makeBenchPost(`p${i}`, fx.postCount[i]!++, new Date())));
}

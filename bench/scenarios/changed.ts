// Scenario 2: 1,000 feeds of which 10% have one new post: the cycle, and CPU per parsed entry.
import { say, type BenchEnv, type ScenarioResult } from "../env.js";
import { median, round as r } from "../stats.js";
import { CHANGED_SHARE, coldCycle, expectOnly, intervalFor, pollingFixture, POSTS_PER_FEED, publishOnAll, publishOnSome, setConditional, warmRound } from "./polling-fixture.js";

/** Warm round pairs per run: a round with nothing new, then a round with 10% changed. */
const PAIRS_PER_RUN = 2;

export async function changed(env: BenchEnv): Promise<ScenarioResult> {
  const fx = await pollingFixture(env);
  await setConditional(env, fx, true);
  const intervalS = intervalFor(fx, true);
  const runs = env.quick ? 2 : 5;
  const n = fx.names.size;
  const changedCount = Math.round(n * CHANGED_SHARE);
  const cycleWall: number[] = [];
  const cycleCpu: number[] = [];
  const perEntry: number[] = [];
  const perEntryAll: number[] = [];
  let extraCpuSum = 0;
  let entriesSum = 0;
  let entriesPerRound = 0;
  let offset = 0;
  for (let run = 0; run < runs; run++) {
    // A new post on 10% of the feeds before the bot starts: its first cycle finds them.
    publishOnSome(env, fx, offset++);
    const cold = await coldCycle(fx, intervalS);
    try {
      if ((cold.results.new ?? 0) !== changedCount || (cold.results["not-modified"] ?? 0) !== n - changedCount) {
        throw new Error(`changed cycle: expected ${changedCount} new and ${n - changedCount} not-modified, got ${JSON.stringify(cold.results)}`);
      }
      cycleWall.push(cold.wallMs);
      cycleCpu.push(cold.cpuMs);
      for (let pair = 0; pair < PAIRS_PER_RUN; pair++) {
        const quiet = await warmRound(env, fx, cold.bot);
        expectOnly(quiet.results, "not-modified", "round without changes");
        publishOnSome(env, fx, offset++);
        const busy = await warmRound(env, fx, cold.bot);
        const fetched = (busy.results.new ?? 0) + (busy.results.unchanged ?? 0);
        const notModified = busy.results["not-modified"] ?? 0;
        entriesPerRound = fetched * POSTS_PER_FEED;
        // The 304s cost what they cost in the round just before; the rest is the changed feeds.
        const extra = busy.cpuMs - notModified * (quiet.cpuMs / quiet.polls);
        perEntry.push(extra / entriesPerRound);
        extraCpuSum += extra;
        entriesSum += entriesPerRound;
      }
      // A reference without subtraction: one round in which every feed has one new post.
      publishOnAll(env, fx);
      const all = await warmRound(env, fx, cold.bot);
      perEntryAll.push(all.cpuMs / (((all.results.new ?? 0) + (all.results.unchanged ?? 0)) * POSTS_PER_FEED));
    } finally {
      await cold.bot.stop();
    }
    say(`  changed run ${run + 1}/${runs}: cycle ${r(cold.wallMs, 0)} ms (${r(cold.cpuMs, 0)} ms CPU); warm ${perEntry.slice(-PAIRS_PER_RUN).map((v) => r(v * 1000, 1)).join(", ")} µs CPU per parsed entry; every feed changed: ${r(perEntryAll.at(-1)! * 1000, 1)} µs`);
  }
  return {
    scenario: "changed",
    title: `2. Changed feeds: ${n} feeds, ${changedCount} with one new post`,
    figures: [
      { key: "cycle_wall_ms", label: "cycle wall time (all feeds due at once)", value: r(median(cycleWall), 0), unit: "ms" },
      { key: "cycle_cpu_ms", label: "cycle CPU (first cycle after start)", value: r(median(cycleCpu), 0), unit: "ms" },
      { key: "cpu_per_parsed_entry_ms", label: "CPU per parsed entry (warm; fetch, decode, parse, look up, store)", value: r(extraCpuSum / entriesSum, 4), unit: "ms" },
      { key: "cpu_per_parsed_entry_all_changed_ms", label: "  the same, measured in a round where every feed has a new post", value: r(median(perEntryAll), 4), unit: "ms" },
    ],
    settings: { feeds: n, changedFeeds: changedCount, postsPerFeed: POSTS_PER_FEED, entriesParsedPerRound: entriesPerRound, intervalS, runs, warmPairsPerRun: PAIRS_PER_RUN, roomsSubscribed: 0 },
    notes: [
      "Cycle: as in scenario 1 (restart, every feed due at once), with one new post on 10% of the feeds; 90% answer 304. Checked: exactly that many 'new' and 'not-modified' polls.",
      `CPU per parsed entry: in the same warm process, pairs of rounds (every feed polled once in each): one with nothing new, then one after a new post on another 10% of the feeds. The second round's CPU, minus its 304 polls at the first round's CPU per poll, divided by the entries in the documents fetched (${POSTS_PER_FEED} per feed, every one parsed and looked up; one per feed is new and stored with its full-text index). Pooled over ${runs} x ${PAIRS_PER_RUN} pairs (sum of the differences / sum of the entries; each pair's value is in samples): a difference of two measurements, so noisier than the rest, and in --quick (20 changed feeds) easily off by half.`,
      "Reference without subtraction: at the end of each run, one round after a new post on every feed; its CPU divided by all the entries parsed in it (median of the runs). It should agree with the figure above; if the two differ much, the machine was noisy.",
      "No room subscribes to these feeds, so nothing is queued for delivery: announcing is scenarios 3 and 4.",
    ],
    samples: { cycle_wall_ms: cycleWall, cycle_cpu_ms: cycleCpu, cpu_per_parsed_entry_ms: perEntry, cpu_per_parsed_entry_all_changed_ms: perEntryAll },
  };
}

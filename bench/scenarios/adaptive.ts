// Scenario: adaptive polling on a simulated clock (issue 14). A mixed set of simulated feeds
// (hourly, daily, weekly, dead) is read for four simulated weeks twice: with `interval: auto`
// (the poller's own decision function, polling/adaptive-interval.ts, fed exactly what the poller
// feeds it) and with a fixed 10m. Figures: requests per day and the mean delay from a post's
// publication to the read that finds it. In-process and deterministic (seeded), so it needs no
// server; the wall clock plays no part.
import { adaptiveInterval, withJitter } from "../../src/polling/adaptive-interval.js";
import type { BenchEnv, ScenarioResult } from "../env.js";
import { random } from "../posts.js";
import { round as r } from "../stats.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const BOUNDS = { minMs: 2 * MIN, maxMs: HOUR };
const AUTO_START_MS = 10 * MIN;
const FIXED_MS = 10 * MIN;
/** Posts a feed document lists (newest first), as most blogs do. */
const DOCUMENT_POSTS = 20;

type Kind = "hourly" | "daily" | "weekly" | "dead";
const KINDS: Record<Kind, { count: number; posts: (rnd: () => number, from: number, to: number) => number[] }> = {
  // A news-like feed: posts about hourly, at random (exponential gaps).
  hourly: { count: 20, posts: (rnd, from, to) => poisson(rnd, from, to, HOUR) },
  // A blog posting once a day, at a varying hour.
  daily: { count: 20, posts: (rnd, from, to) => periodic(rnd, from, to, DAY, 6 * HOUR) },
  weekly: { count: 20, posts: (rnd, from, to) => periodic(rnd, from, to, 7 * DAY, DAY) },
  // Last post a year or more ago.
  dead: { count: 20, posts: (rnd, from) => periodic(rnd, from - 3 * 365 * DAY, from - 365 * DAY, 30 * DAY, 5 * DAY) },
};

export async function adaptive(env: BenchEnv): Promise<ScenarioResult> {
  const days = env.quick ? 7 : 28;
  const end = days * DAY;
  const feeds = (Object.keys(KINDS) as Kind[]).flatMap((kind, k) =>
    Array.from({ length: KINDS[kind].count }, (_, i) => {
      const rnd = random(1000 * (k + 1) + i);
      // History reaches 60 days back, so auto has a past to learn from at the first read.
      return { kind, posts: KINDS[kind].posts(rnd, -60 * DAY, end).sort((a, b) => a - b) };
    }),
  );

  const results = { auto: simulate(feeds, end, "auto"), fixed: simulate(feeds, end, "fixed") };
  const perDay = (mode: "auto" | "fixed") => results[mode].requests / days;
  const meanDelayS = (mode: "auto" | "fixed") => results[mode].delays.reduce((a, b) => a + b, 0) / results[mode].delays.length / 1000;
  const byKind = (mode: "auto" | "fixed") =>
    Object.fromEntries(
      (Object.keys(KINDS) as Kind[]).map((kind) => {
        const s = results[mode].byKind.get(kind)!;
        return [kind, { requestsPerFeedPerDay: r(s.requests / KINDS[kind].count / days, 1), meanDelayMin: s.delays.length ? r(s.delays.reduce((a, b) => a + b, 0) / s.delays.length / MIN, 1) : null, posts: s.delays.length }];
      }),
    );
  return {
    scenario: "adaptive",
    title: `Adaptive polling on a simulated clock: ${feeds.length} feeds, ${days} days, auto versus a fixed 10m`,
    figures: [
      { key: "requests_per_day_auto", label: "adaptive: requests per day, auto", value: r(perDay("auto"), 0), unit: "requests" },
      { key: "requests_per_day_fixed_10m", label: "adaptive: requests per day, fixed 10m", value: r(perDay("fixed"), 0), unit: "requests" },
      { key: "requests_auto_over_fixed", label: "adaptive: requests, auto / fixed 10m", value: r(perDay("auto") / perDay("fixed"), 3), unit: "x" },
      { key: "mean_delay_auto_s", label: "adaptive: mean announcement delay, auto", value: r(meanDelayS("auto"), 0), unit: "s" },
      { key: "mean_delay_fixed_10m_s", label: "adaptive: mean announcement delay, fixed 10m", value: r(meanDelayS("fixed"), 0), unit: "s" },
    ],
    settings: { feeds: Object.fromEntries(Object.entries(KINDS).map(([k, v]) => [k, v.count])), days, minInterval: "2m", maxInterval: "1h", fixed: "10m", documentPosts: DOCUMENT_POSTS, byKind: { auto: byKind("auto"), fixed: byKind("fixed") } },
    notes: [
      "Simulated clock, seeded: each feed's posts are generated (hourly: exponential gaps averaging 1 h; daily and weekly: one per period at a varying time; dead: none in the last year), and each read sees the newest 20 posts published by then.",
      "auto runs the poller's decision (adaptiveInterval with the poller's inputs: the dates it has seen, whether the read found a post, the previous wait; no HTTP freshness hints) with the poller's ±10 % jitter; fixed waits exactly 10 minutes. The first read of each feed is its baseline and counts as a request but not as a delay.",
      "Delay: from a post's date to the first read at or after it. The HTTP work is the same for both (a conditional GET); only the number of reads differs.",
    ],
    samples: {},
  };
}

interface Simulated {
  requests: number;
  delays: number[];
  byKind: Map<Kind, { requests: number; delays: number[] }>;
}

function simulate(feeds: readonly { kind: Kind; posts: readonly number[] }[], end: number, mode: "auto" | "fixed"): Simulated {
  const out: Simulated = { requests: 0, delays: [], byKind: new Map((Object.keys(KINDS) as Kind[]).map((k) => [k, { requests: 0, delays: [] }])) };
  feeds.forEach((feed, f) => {
    const jitter = random(77 + f);
    const stats = out.byKind.get(feed.kind)!;
    // The first read comes at a random moment of the first interval, as feeds start spread out.
    let t = jitter() * FIXED_MS;
    let next = feed.posts.findIndex((p) => p > t);
    if (next < 0) next = feed.posts.length;
    let previous: number | undefined;
    const seen: number[] = [];
    let first = true;
    while (t < end) {
      out.requests++;
      stats.requests++;
      let foundNew = false;
      while (next < feed.posts.length && feed.posts[next]! <= t) {
        if (!first) {
          out.delays.push(t - feed.posts[next]!);
          stats.delays.push(t - feed.posts[next]!);
        }
        foundNew = !first;
        next++;
      }
      first = false;
      // The document lists the newest posts published by now; the poller keeps the newest 20 dates.
      for (const p of feed.posts.slice(Math.max(0, next - DOCUMENT_POSTS), next)) if (!seen.includes(p)) seen.push(p);
      seen.sort((a, b) => b - a).splice(20);
      let wait: number;
      if (mode === "fixed") wait = FIXED_MS;
      else {
        const decision = adaptiveInterval({ ...BOUNDS, defaultMs: AUTO_START_MS, foundNew, previousMs: previous, published: seen, now: t, hints: {} });
        previous = decision.ms;
        wait = withJitter(decision.ms, jitter(), BOUNDS);
      }
      t += wait;
    }
  });
  return out;
}

function poisson(rnd: () => number, from: number, to: number, mean: number): number[] {
  const out: number[] = [];
  for (let t = from - Math.log(1 - rnd()) * mean; t < to; t -= Math.log(1 - rnd()) * mean) out.push(t);
  return out;
}

function periodic(rnd: () => number, from: number, to: number, period: number, spread: number): number[] {
  const out: number[] = [];
  for (let t = from + rnd() * period; t < to; t += period) out.push(t + (rnd() - 0.5) * spread);
  return out.filter((p) => p >= from && p < to);
}

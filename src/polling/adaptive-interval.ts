/**
 * How long to wait before reading a feed again when its interval is `auto`: learnt from the feed's
 * own publishing history and bounded by what its server and its document say about freshness.
 * Pure: the poller hands in what it knows and gets back a wait and the reason for it, which
 * `feeds`, `status` and /metrics show.
 *
 * The rule, in order:
 * 1. History: the mean gap between the newest posts' dates (the median read a feed that posts at
 *    random as a third faster than it is, the benchmark showed). Polling six times per gap keeps the
 *    mean delay near a twelfth of the gap (an hourly feed: read every 10 min, as the old fixed
 *    default did); a feed with no dated history starts at the default.
 * 2. Silence: a feed quiet for more than four times its usual gap waits an eighth of the silence,
 *    so a dead feed drifts to the ceiling while a feed that posts at random is not slowed by an
 *    ordinary pause (the benchmark's `adaptive` scenario measured both choices).
 * 3. Momentum: a read that found a new post halves the wait (posts come in bursts); a read that
 *    found nothing lets a shortened wait grow back by half, never past the history's figure.
 * 4. Freshness: never sooner than the server's `Cache-Control: max-age`/`Expires` (RFC 9111 §4.2.1)
 *    or the feed's RSS `<ttl>` / `<sy:updatePeriod>` say the document stays as it is.
 * 5. Bounds: `fetch.min_interval` .. `fetch.max_interval`; the ceiling wins over a long freshness.
 */

export interface FreshnessHints {
  /** The HTTP response stays fresh this long (max-age, or Expires minus Date). */
  readonly freshForMs?: number | undefined;
  /** RSS 2.0 <ttl>, in ms. */
  readonly ttlMs?: number | undefined;
  /** RSS 1.0 syndication module: updatePeriod / updateFrequency, in ms. */
  readonly updatePeriodMs?: number | undefined;
}

export interface IntervalInput {
  readonly minMs: number;
  readonly maxMs: number;
  /** Where a feed with no history starts. */
  readonly defaultMs: number;
  /** What the read found: new posts shorten the wait. */
  readonly foundNew: boolean;
  /** The wait chosen last time, if any. */
  readonly previousMs: number | undefined;
  /** Publication dates (ms) of the feed's posts, in any order. */
  readonly published: readonly number[];
  readonly now: number;
  readonly hints: FreshnessHints;
}

/** Why the wait is what it is, as a short code (a metrics label) and a sentence. */
export type IntervalBasis = "history" | "no-history" | "silence" | "new-post" | "growing" | "freshness" | "min" | "max" | "fixed" | "push";

export interface IntervalDecision {
  readonly ms: number;
  readonly basis: IntervalBasis;
  readonly reason: string;
}

/** Reads per usual gap between posts. */
const READS_PER_GAP = 6;
/** How many of the newest posts the history looks at. */
const HISTORY = 10;

export function adaptiveInterval(input: IntervalInput): IntervalDecision {
  const { minMs, maxMs } = input;
  const dates = input.published.filter((d) => Number.isFinite(d) && d <= input.now).sort((a, b) => b - a).slice(0, HISTORY);
  const gap = meanGap(dates);

  let ms: number;
  let basis: IntervalBasis;
  let reason: string;
  if (gap === undefined) {
    [ms, basis, reason] = [input.defaultMs, "no-history", "no dated posting history yet"];
  } else {
    [ms, basis, reason] = [gap / READS_PER_GAP, "history", `posts about every ${human(gap)}`];
    const silence = input.now - dates[0]!;
    if (silence > 4 * gap && silence / 8 > ms) [ms, basis, reason] = [silence / 8, "silence", `silent for ${human(silence)}`];
  }

  const previous = input.previousMs;
  if (input.foundNew) {
    const shorter = Math.min(ms, previous ?? ms) / 2;
    [ms, basis, reason] = [shorter, "new-post", `a new post just appeared (${reason})`];
  } else if (previous !== undefined && previous * 1.5 < ms) {
    [ms, basis, reason] = [previous * 1.5, "growing", `back towards ${human(ms)}: ${reason}`];
  }

  const fresh = freshness(input.hints);
  if (fresh !== undefined && fresh.ms > ms) [ms, basis, reason] = [fresh.ms, "freshness", fresh.reason];

  if (ms < minMs) [ms, basis, reason] = [minMs, "min", `fetch.min_interval (${reason})`];
  if (ms > maxMs) [ms, basis, reason] = [maxMs, "max", `fetch.max_interval (${reason})`];
  return { ms: Math.round(ms), basis, reason };
}

/** The longest of the freshness hints, with where it came from. */
function freshness(hints: FreshnessHints): { ms: number; reason: string } | undefined {
  const candidates: { ms: number; reason: string }[] = [];
  if (hints.freshForMs !== undefined) candidates.push({ ms: hints.freshForMs, reason: `the server's cache lifetime is ${human(hints.freshForMs)}` });
  if (hints.ttlMs !== undefined) candidates.push({ ms: hints.ttlMs, reason: `the feed's <ttl> is ${human(hints.ttlMs)}` });
  if (hints.updatePeriodMs !== undefined) candidates.push({ ms: hints.updatePeriodMs, reason: `the feed's sy:updatePeriod is ${human(hints.updatePeriodMs)}` });
  return candidates.filter((c) => c.ms > 0).sort((a, b) => b.ms - a.ms)[0];
}

/** The mean gap between distinct dates (newest first): their span over the gaps between them. */
function meanGap(dates: readonly number[]): number | undefined {
  const distinct = dates.filter((d, i) => i === 0 || d !== dates[i - 1]);
  if (distinct.length < 2) return undefined;
  return (distinct[0]! - distinct.at(-1)!) / (distinct.length - 1);
}

/** Spreads waits of feeds on one host so they never align: ±10 %, kept within the bounds. */
export function withJitter(ms: number, random: number, bounds: { readonly minMs: number; readonly maxMs: number }): number {
  const jittered = ms * (0.9 + random * 0.2);
  return Math.round(Math.min(Math.max(jittered, Math.min(bounds.minMs, ms)), Math.max(bounds.maxMs, ms)));
}

/** 90 s, 12 min, 3 h, 2 d: the unit that reads best. */
export function human(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

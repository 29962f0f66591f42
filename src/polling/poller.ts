import type { Logger } from "../log.js";
import type { EntryStore, FeedStateStore, Target } from "../store/store.js";
import type { Accepts, FloodPolicy } from "../announce/flood-policy.js";
import { recordRead, type Backfill } from "./record-read.js";
import { SourceError } from "../sources/errors.js";
import type { ReadSource } from "../sources/source.js";

export interface FeedSpec {
  readonly name: string;
  /** Where the feed lives (URL or folder); stored so that a changed location starts afresh. */
  readonly location: string;
  readonly intervalMs: number;
  readonly read: ReadSource;
}

export type PollOutcome =
  | { readonly result: "baseline"; readonly entries: number }
  | { readonly result: "new"; readonly added: number; readonly queued: number; readonly tooOld: number; readonly folded: number; readonly corrections?: number }
  | { readonly result: "unchanged"; readonly corrections?: number }
  | { readonly result: "not-modified" }
  | {
      readonly result: "error";
      readonly error: string;
      readonly temporary: boolean;
      /** HTTP 410: the feed is gone for good; it is no longer polled. */
      readonly gone?: boolean;
      /** The server asked us to wait this long (Retry-After). */
      readonly retryAfterMs?: number;
    };

export interface PollerDeps {
  readonly feedState: FeedStateStore;
  readonly entries: EntryStore;
  /** The rooms and users subscribed to a feed right now. */
  readonly targetsFor: (feed: string) => readonly Target[];
  /** Called after announcements were queued, so delivery can start at once. */
  readonly onQueued: (feed: string, targets: readonly Target[]) => void;
  readonly log: Logger;
  readonly now: () => number;
  /** Longest wait between polls of a failing feed. */
  readonly maxBackoffMs?: number;
  /** A feed answered with a permanent redirect (and the new address gave a readable feed). */
  readonly onMoved?: (feed: string, url: string) => void;
  /** Told of every poll's outcome and duration (metrics). */
  readonly onPolled?: (feed: string, outcome: PollOutcome, ms: number) => void;
  /** Flood limits for a feed's new entries (max age, per-read cap and its footer). */
  readonly floodPolicy?: (feed: string, about: { readonly title: string | undefined; readonly link: string }) => FloodPolicy;
  /** How long after its announcement a changed post is corrected (XEP-0308); 0 or absent: never. */
  readonly correctionsMs?: number;
  /** Whether a target wants a post of a feed (its filter); absent: every target wants every post. */
  readonly accepts?: (feed: string) => Accepts;
  /** Targets that get a feed's newest posts even from its baseline read (a PubSub node's `backfill`). */
  readonly backfillFor?: (feed: string) => readonly Backfill[];
}

interface Scheduled {
  spec: FeedSpec;
  timer: NodeJS.Timeout | undefined;
  running: Promise<PollOutcome> | undefined;
  /** A poll asked for while one was running: it runs once more right after. */
  rerun: Promise<PollOutcome> | undefined;
  failures: number;
}

export type Poller = ReturnType<typeof createPoller>;

/**
 * Polls each feed on its own timer and records what it finds. The poller only polls and records;
 * formatting and sending belong to delivery. The first successful fetch of a feed is its baseline:
 * its entries are remembered, never announced, so adding a feed cannot flood a room.
 */
export function createPoller(deps: PollerDeps) {
  const { log } = deps;
  const feeds = new Map<string, Scheduled>();
  let started = false;

  async function poll(spec: FeedSpec): Promise<PollOutcome> {
    const startedAt = deps.now();
    const state = deps.feedState.open(spec.name, spec.location);
    let outcome: PollOutcome;
    try {
      const read = await spec.read(state.validators);
      if (read.permanentRedirect && read.permanentRedirect !== spec.location) deps.onMoved?.(spec.name, read.permanentRedirect);
      if (read.kind === "not-modified") {
        deps.feedState.recordNotModified(spec.name, deps.now());
        outcome = { result: "not-modified" };
      } else {
        const baseline = state.baselineAt === undefined;
        const targets = deps.targetsFor(spec.name);
        const policy = deps.floodPolicy?.(spec.name, { title: read.title ?? state.title, link: read.link ?? spec.location });
        const recorded = recordRead(deps.entries, spec.name, read.entries, targets, baseline, deps.now(), policy, deps.correctionsMs ?? 0, deps.accepts?.(spec.name), deps.backfillFor?.(spec.name));
        const corrected = recorded.corrections > 0 ? { corrections: recorded.corrections } : {};
        deps.feedState.recordFetched(spec.name, read.title, read.validators, deps.now());
        if (baseline) outcome = { result: "baseline", entries: recorded.added.length };
        else if (recorded.added.length === 0) outcome = { result: "unchanged", ...corrected };
        else outcome = { result: "new", added: recorded.added.length, queued: recorded.queued, tooOld: recorded.tooOld, folded: recorded.folded, ...corrected };
        if (recorded.queued > 0) deps.onQueued(spec.name, recorded.targets);
      }
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      deps.feedState.recordError(spec.name, error, deps.now());
      if (err instanceof SourceError) {
        const { temporary, gone, retryAfterMs } = err;
        outcome = { result: "error", error, temporary, ...(gone ? { gone } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      } else {
        // Not a failure the source foresaw (a bug, a full disk): worth another try, and a stack.
        log.error({ feed: spec.name, err }, "unexpected error reading a source");
        outcome = { result: "error", error, temporary: true };
      }
    }
    const fields = { feed: spec.name, ms: deps.now() - startedAt, ...outcome };
    deps.onPolled?.(spec.name, outcome, fields.ms);
    // The same error again is news to nobody: logged once at warn, then at debug.
    if (outcome.result === "error") log[state.lastError === outcome.error ? "debug" : "warn"](fields, "poll failed");
    else if (outcome.result === "new" || outcome.result === "baseline") log.info(fields, "polled");
    else log.debug(fields, "polled");
    return outcome;
  }

  function schedule(item: Scheduled, delay: number): void {
    if (!started) return;
    clearTimeout(item.timer);
    item.timer = setTimeout(() => void runNow(item), delay);
  }

  /** The wait before the next poll, or undefined when the feed must not be polled again. */
  function nextDelay(item: Scheduled, outcome: PollOutcome): number | undefined {
    if (outcome.result !== "error") {
      item.failures = 0;
      return item.spec.intervalMs;
    }
    if (outcome.gone) return undefined;
    // Exponential backoff with jitter, so a failing feed is asked less and less often.
    item.failures++;
    const max = Math.max(item.spec.intervalMs, deps.maxBackoffMs ?? 3_600_000);
    const delay = Math.min(max, item.spec.intervalMs * 2 ** Math.min(item.failures, 16)) * (0.9 + Math.random() * 0.2);
    // RFC 9110 §10.2.3: a server that says when to come back is not asked sooner.
    return Math.max(delay, outcome.retryAfterMs ?? 0);
  }

  function runNow(item: Scheduled): Promise<PollOutcome> {
    if (item.running) {
      // What prompted this (a file written, an admin's "feed poll") may be newer than the running
      // poll's read, so it gets a poll of its own; repeated asks share that one.
      item.rerun ??= item.running.then((outcome) => {
        item.rerun = undefined;
        // Stopped meanwhile: the database may be closing; the last outcome stands.
        return started ? runNow(item) : outcome;
      });
      return item.rerun;
    }
    clearTimeout(item.timer);
    item.running = poll(item.spec)
      .catch((err: unknown): PollOutcome => {
        log.error({ feed: item.spec.name, err }, "poll crashed");
        return { result: "error", error: err instanceof Error ? err.message : String(err), temporary: true };
      })
      .then((outcome) => {
        item.running = undefined;
        const delay = nextDelay(item, outcome);
        if (feeds.get(item.spec.name) === item && delay !== undefined) schedule(item, delay);
        return outcome;
      });
    return item.running;
  }

  return {
    /** Sets the feeds to watch; new ones are polled at once, removed ones stop. */
    setFeeds(specs: readonly FeedSpec[]): void {
      const wanted = new Map(specs.map((s) => [s.name, s]));
      for (const [name, item] of feeds) {
        if (!wanted.has(name)) {
          clearTimeout(item.timer);
          feeds.delete(name);
        }
      }
      for (const spec of specs) {
        const existing = feeds.get(spec.name);
        if (existing && existing.spec.location === spec.location && existing.spec.intervalMs === spec.intervalMs) {
          existing.spec = spec;
          continue;
        }
        if (existing) clearTimeout(existing.timer);
        const item: Scheduled = { spec, timer: undefined, running: undefined, rerun: undefined, failures: 0 };
        feeds.set(spec.name, item);
        if (started) void runNow(item);
      }
    },
    start(): void {
      started = true;
      for (const item of feeds.values()) void runNow(item);
    },
    /** Polls one feed now (an admin's "feed poll", or a test). */
    pollNow(name: string): Promise<PollOutcome> | undefined {
      const item = feeds.get(name);
      return item ? runNow(item) : undefined;
    },
    /** Stops all timers and waits for polls under way. */
    async stop(): Promise<void> {
      started = false;
      for (const item of feeds.values()) clearTimeout(item.timer);
      await Promise.all([...feeds.values()].flatMap((i) => [i.running, i.rerun]));
    },
  };
}

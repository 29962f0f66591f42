import type { Logger } from "../log.js";
import type { EntryStore, FeedState, FeedStateStore, Target } from "../store/store.js";
import type { Accepts, FloodPolicy } from "../announce/flood-policy.js";
import { recordRead } from "./record-read.js";
import type { Backfill } from "../announce/flood-policy.js";
import { SourceError } from "../sources/errors.js";
import type { ReadSource, SourceHints, SourceRead } from "../sources/source.js";
import { adaptiveInterval, withJitter, type IntervalDecision } from "./adaptive-interval.js";

export interface FeedSpec {
  readonly name: string;
  /** Where the feed lives (URL or folder); stored so that a changed location starts afresh. */
  readonly location: string;
  /** A fixed interval; absent: adaptive (`auto`, see adaptive-interval.ts). */
  readonly intervalMs?: number | undefined;
  readonly read: ReadSource;
}

/** A feed's current wait between reads, and why (for `feeds`, `status` and /metrics). */
export interface FeedSchedule extends IntervalDecision {
  /** When the next read is due (ms since the epoch), when one is scheduled. */
  readonly nextAt: number | undefined;
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
  readonly targetsFor: (feed: string) => Promise<readonly Target[]>;
  /** Called after announcements were queued, so delivery can start at once. */
  readonly onQueued: (feed: string, targets: readonly Target[]) => void;
  readonly log: Logger;
  readonly now: () => number;
  /** Longest wait between polls of a failing feed. */
  readonly maxBackoffMs?: number;
  /** A feed answered with a permanent redirect (and the new address gave a readable feed). */
  readonly onMoved?: (feed: string, url: string) => void;
  /**
   * Told of every poll's outcome and duration (metrics, failure reports), with the feed's state as
   * the poll found it. A returned promise is awaited before the feed can be polled again, so its
   * reads and writes never overlap the next poll's (and `before` is current for what it wrote).
   */
  readonly onPolled?: (feed: string, outcome: PollOutcome, ms: number, before: FeedState) => void | Promise<void>;
  /** Flood limits for a feed's new entries (max age, per-read cap and its footer). */
  readonly floodPolicy?: (feed: string, about: { readonly title: string | undefined; readonly link: string }) => FloodPolicy;
  /** How long after its announcement a changed post is corrected (XEP-0308); 0 or absent: never. */
  readonly correctionsMs?: number;
  /** Whether a target wants a post of a feed (its filter); absent: every target wants every post. */
  readonly accepts?: (feed: string) => Promise<Accepts>;
  /** Bounds of adaptive intervals (fetch.min_interval, fetch.max_interval). */
  readonly adaptive?: { readonly minMs: number; readonly maxMs: number };
  /** Whether a WebSub hub pushes this feed now: then polling is only a safety net, at the ceiling. */
  readonly pushActive?: (feed: string) => boolean;
  /** Told what each full read says of the source (its hub, its freshness). */
  readonly onHints?: (feed: string, location: string, hints: SourceHints) => void;
  /** 0 ≤ x < 1: jitter. */
  readonly random?: () => number;
  /** Due polls are rounded up to whole ticks of this length, and a tick's polls run together (default 1 s). */
  readonly tickMs?: number;
  /** Targets that get a feed's newest posts even from its baseline read (a PubSub node's `backfill`). */
  readonly backfillFor?: (feed: string) => readonly Backfill[];
  /**
   * Whether this instance may poll a feed now (it holds the feed's lease, cluster/leases.ts): asked
   * before each read and before its result is recorded, since the feed set follows a lease only
   * once the feed set is applied again, which needs the database. Absent: every feed.
   */
  readonly mine?: (feed: string) => boolean;
}

interface Scheduled {
  spec: FeedSpec;
  /** The tick it waits for (see schedule), when one. */
  tick: number | undefined;
  /** The tick that started the poll under way, when a tick did: the next wait counts from it. */
  firedAt?: number | undefined;
  running: Promise<PollOutcome> | undefined;
  /** A poll asked for while one was running: it runs once more right after. */
  rerun: Promise<PollOutcome> | undefined;
  failures: number;
  /** The wait chosen after the last read. */
  interval: IntervalDecision | undefined;
  nextAt: number | undefined;
  /** Publication dates of the newest posts seen, newest first (the adaptive history). */
  published: number[];
  hints: SourceHints;
  /** Whether the last read found new posts. */
  foundNew: boolean;
}

const DEFAULT_ADAPTIVE = { minMs: 2 * 60_000, maxMs: 60 * 60_000 };
/** Where `auto` starts for a feed with no dated history. */
const AUTO_START_MS = 10 * 60_000;

export type Poller = ReturnType<typeof createPoller>;

/**
 * Polls each feed on its own timer and records what it finds. The poller only polls and records;
 * formatting and sending belong to delivery. The first successful fetch of a feed is its baseline:
 * its entries are remembered, never announced, so adding a feed cannot flood a room.
 */
export function createPoller(deps: PollerDeps) {
  const { log } = deps;
  const feeds = new Map<string, Scheduled>();
  const tickMs = deps.tickMs ?? 1_000;
  /** Due time → the feeds due then, and the one timer that wakes them (see schedule). */
  const ticks = new Map<number, { readonly items: Set<Scheduled>; readonly timer: NodeJS.Timeout }>();
  /**
   * The poll under way of each feed, whichever item runs it. An item's own polls never overlap
   * (runNow), but setFeeds replaces the item of a feed whose location changed (a permanent
   * redirect does so from inside the poll) while the old one may still be reading: the new item's
   * poll waits for it, so the two never interleave their reads and writes of the feed's state.
   */
  const underway = new Map<string, Promise<PollOutcome>>();
  let started = false;

  const adaptive = deps.adaptive ?? DEFAULT_ADAPTIVE;
  const random = deps.random ?? Math.random;

  async function poll(item: Scheduled, source: ReadSource, pushed: boolean): Promise<PollOutcome> {
    const { spec } = item;
    const startedAt = deps.now();
    /**
     * Whether the feed is still this poller's. One removed while its read was on its way (an admin
     * removed it, or another instance took it over: cluster/leases.ts) records nothing: the read's
     * late state would overwrite its new holder's (a stale etag, an error it does not have). One
     * whose lease is gone is not read at all.
     */
    const ours = () => feeds.has(spec.name) && (deps.mine?.(spec.name) ?? true);
    if (!ours()) return dropped(spec.name, startedAt);
    const state = await deps.feedState.open(spec.name, spec.location);
    let outcome: PollOutcome;
    try {
      const read = await source(state.validators);
      if (!ours()) return dropped(spec.name, startedAt);
      if (read.permanentRedirect && read.permanentRedirect !== spec.location) deps.onMoved?.(spec.name, read.permanentRedirect);
      learn(item, read, pushed);
      if (read.kind === "not-modified") {
        await deps.feedState.recordNotModified(spec.name, deps.now());
        outcome = { result: "not-modified" };
      } else {
        const baseline = state.baselineAt === undefined;
        const targets = await deps.targetsFor(spec.name);
        const accepts = await deps.accepts?.(spec.name);
        const policy = deps.floodPolicy?.(spec.name, { title: read.title ?? state.title, link: read.link ?? spec.location });
        const recorded = await recordRead(deps.entries, spec.name, read.entries, targets, baseline, deps.now(), policy, deps.correctionsMs ?? 0, accepts, deps.backfillFor?.(spec.name));
        const corrected = recorded.corrections > 0 ? { corrections: recorded.corrections } : {};
        await deps.feedState.recordFetched(spec.name, read.title, read.validators, deps.now());
        if (baseline) outcome = { result: "baseline", entries: recorded.added.length };
        else if (recorded.added.length === 0) outcome = { result: "unchanged", ...corrected };
        else outcome = { result: "new", added: recorded.added.length, queued: recorded.queued, tooOld: recorded.tooOld, folded: recorded.folded, ...corrected };
        if (recorded.queued > 0) deps.onQueued(spec.name, recorded.targets);
      }
    } catch (err) {
      if (!ours()) return dropped(spec.name, startedAt);
      const error = err instanceof Error ? err.message : String(err);
      await deps.feedState.recordError(spec.name, error, deps.now());
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
    try {
      await deps.onPolled?.(spec.name, outcome, fields.ms, state);
    } catch (err) {
      // The poll's own outcome stands; only what was to be told of it failed.
      log.error({ feed: spec.name, err }, "could not handle a poll's outcome");
    }
    // The same error again is news to nobody: logged once at warn, then at debug.
    if (outcome.result === "error") log[state.lastError === outcome.error ? "debug" : "warn"](fields, "poll failed");
    else if (outcome.result === "new" || outcome.result === "baseline") log.info(fields, "polled");
    else log.debug(fields, "polled");
    return outcome;
  }

  /**
   * How long a feed read shortly before a restart still waits: its interval (a learnt one starts
   * at fetch.min_interval) counted from its last read, so a restart does not ask every server again
   * at once (nor spend the start-up's CPU on it). A feed never read, failing, moved, or a folder
   * (whose files may have changed while Herald was down) is read at once.
   */
  async function notDueFor(item: Scheduled): Promise<number> {
    if (!/^https?:/i.test(item.spec.location)) return 0;
    const state = await deps.feedState.get(item.spec.name);
    if (state?.lastPolledAt === undefined || state.baselineAt === undefined || state.lastError !== undefined || state.url !== item.spec.location) return 0;
    return Math.max(0, state.lastPolledAt + (item.spec.intervalMs ?? adaptive.minMs) - deps.now());
  }

  /** A read of a feed no longer ours: nothing recorded, nothing told, logged for the curious. */
  function dropped(feed: string, startedAt: number): PollOutcome {
    log.debug({ feed, ms: deps.now() - startedAt }, "poll result dropped: the feed left this poller while it was read");
    return { result: "unchanged" };
  }

  /** Remembers what a read says about the feed's rhythm: dates, freshness, hub. */
  function learn(item: Scheduled, read: SourceRead, pushed: boolean): void {
    if (read.kind === "entries") {
      const dates = new Set(item.published);
      for (const entry of read.entries) if (entry.published !== undefined) dates.add(entry.published.getTime());
      item.published = [...dates].sort((a, b) => b - a).slice(0, 20);
    }
    // A pushed body may be only the new items, without the feed's links: it says nothing of them.
    if (pushed) return;
    if (read.kind !== "entries") {
      // Most unchanged polls say what the last one said: nothing to copy then.
      if (item.hints.freshForMs !== read.hints?.freshForMs) item.hints = { ...item.hints, freshForMs: read.hints?.freshForMs };
      return;
    }
    item.hints = { ...(read.hints ?? {}) };
    deps.onHints?.(item.spec.name, item.spec.location, item.hints);
  }

  /**
   * Due polls wait on shared ticks: a feed's next read is rounded up to the next whole tick
   * (1 s), and every feed due on a tick is read in the same wake-up of the process. A poll spread
   * out on its own costs several times its share of a batch (the process wakes, the timer list,
   * epoll and the socket's write and read are paid once per wake-up; see docs/PERFORMANCE.md);
   * a second of delay is nothing next to a feed's interval. Hosts still see one request per
   * feed per interval, and learnt intervals keep their jitter.
   */
  function schedule(item: Scheduled, delay: number, from = deps.now()): void {
    if (!started) return;
    unschedule(item);
    // Counted from when the last read started (its tick), not from when it ended: counted from the
    // end, the rounding up would add a tick to every interval (a 60 s feed read every 61 s). A
    // read that took longer than the wait is followed by the next tick.
    const at = Math.max(Math.ceil((from + delay) / tickMs), Math.ceil(deps.now() / tickMs)) * tickMs;
    item.nextAt = at;
    item.tick = at;
    let tick = ticks.get(at);
    if (tick === undefined) {
      const items = new Set<Scheduled>();
      tick = { items, timer: setTimeout(() => fire(at), Math.max(0, at - deps.now())) };
      ticks.set(at, tick);
    }
    tick.items.add(item);
  }

  function unschedule(item: Scheduled): void {
    const at = item.tick;
    if (at === undefined) return;
    item.tick = undefined;
    const tick = ticks.get(at);
    if (tick === undefined) return;
    tick.items.delete(item);
    if (tick.items.size === 0) {
      clearTimeout(tick.timer);
      ticks.delete(at);
    }
  }

  function fire(at: number): void {
    const tick = ticks.get(at);
    ticks.delete(at);
    if (tick === undefined) return;
    for (const item of tick.items) {
      item.tick = undefined;
      item.firedAt = at;
      void runNow(item);
    }
  }

  /** The wait after a successful read: fixed, the push safety net, or learnt. */
  function interval(item: Scheduled): IntervalDecision {
    if (deps.pushActive?.(item.spec.name)) {
      const ms = Math.max(adaptive.maxMs, item.spec.intervalMs ?? 0);
      return { ms, basis: "push", reason: "a WebSub hub pushes new posts; polling only as a safety net" };
    }
    if (item.spec.intervalMs !== undefined) return { ms: item.spec.intervalMs, basis: "fixed", reason: "the feed's interval" };
    return adaptiveInterval({
      ...adaptive,
      defaultMs: AUTO_START_MS,
      foundNew: item.foundNew,
      previousMs: item.interval?.ms,
      published: item.published,
      now: deps.now(),
      hints: item.hints,
    });
  }

  /** The wait before the next poll, or undefined when the feed must not be polled again. */
  function nextDelay(item: Scheduled, outcome: PollOutcome): number | undefined {
    if (outcome.result !== "error") {
      item.failures = 0;
      item.foundNew = outcome.result === "new";
      item.interval = interval(item);
      // Fixed intervals are kept as written; learnt ones get jitter so feeds on one host drift apart.
      return item.interval.basis === "fixed" ? item.interval.ms : withJitter(item.interval.ms, random(), adaptive);
    }
    if (outcome.gone) return undefined;
    // Exponential backoff with jitter, so a failing feed is asked less and less often.
    item.failures++;
    const base = item.spec.intervalMs ?? item.interval?.ms ?? adaptive.minMs;
    const max = Math.max(base, deps.maxBackoffMs ?? 3_600_000);
    const delay = Math.min(max, base * 2 ** Math.min(item.failures, 16)) * (0.9 + random() * 0.2);
    // RFC 9110 §10.2.3: a server that says when to come back is not asked sooner.
    return Math.max(delay, outcome.retryAfterMs ?? 0);
  }

  function runNow(item: Scheduled, source: ReadSource = item.spec.read): Promise<PollOutcome> {
    if (item.running) {
      // What prompted this (a file written, an admin's "feed poll") may be newer than the running
      // poll's read, so it gets a poll of its own; repeated asks share that one.
      // A pushed body is handled after the running read, never dropped.
      if (source !== item.spec.read) return item.running.then((outcome) => (started ? runNow(item, source) : outcome));
      item.rerun ??= item.running.then((outcome) => {
        item.rerun = undefined;
        // Stopped meanwhile: the database may be closing; the last outcome stands.
        return started ? runNow(item) : outcome;
      });
      return item.rerun;
    }
    unschedule(item);
    item.nextAt = undefined;
    const from = item.firedAt ?? deps.now();
    item.firedAt = undefined;
    const name = item.spec.name;
    const pushed = source !== item.spec.read;
    const before = underway.get(name);
    const running: Promise<PollOutcome> = (before === undefined ? poll(item, source, pushed) : before.then(() => poll(item, source, pushed)))
      .catch((err: unknown): PollOutcome => {
        log.error({ feed: name, err }, "poll crashed");
        return { result: "error", error: err instanceof Error ? err.message : String(err), temporary: true };
      })
      .then((outcome) => {
        item.running = undefined;
        if (underway.get(name) === running) underway.delete(name);
        const delay = nextDelay(item, outcome);
        if (feeds.get(name) === item && delay !== undefined) schedule(item, delay, from);
        return outcome;
      });
    underway.set(name, running);
    item.running = running;
    return running;
  }

  /**
   * A feed that joins a running poller: read at once, unless it was read within its interval (by
   * another instance, whose lease on it this one took over, cluster/leases.ts): then when due, so
   * a feed changing hands is still read once per interval.
   */
  async function firstRead(item: Scheduled): Promise<void> {
    const wait = await notDueFor(item).catch(() => 0);
    if (!started || feeds.get(item.spec.name) !== item || item.running || item.nextAt !== undefined) return;
    if (wait > 0) schedule(item, wait);
    else void runNow(item);
  }

  return {
    /** Sets the feeds to watch; new ones are polled at once (unless read within their interval), removed ones stop. */
    setFeeds(specs: readonly FeedSpec[]): void {
      const wanted = new Map(specs.map((s) => [s.name, s]));
      for (const [name, item] of feeds) {
        if (!wanted.has(name)) {
          unschedule(item);
          feeds.delete(name);
        }
      }
      for (const spec of specs) {
        const existing = feeds.get(spec.name);
        if (existing && existing.spec.location === spec.location && existing.spec.intervalMs === spec.intervalMs) {
          existing.spec = spec;
          continue;
        }
        if (existing) unschedule(existing);
        const item: Scheduled = {
          spec,
          tick: undefined,
          running: undefined,
          rerun: undefined,
          failures: 0,
          interval: undefined,
          nextAt: undefined,
          published: [],
          hints: {},
          foundNew: false,
        };
        feeds.set(spec.name, item);
        if (started) void firstRead(item);
      }
    },
    /** Starts polling; resolves once every feed is read or has its first read scheduled. */
    async start(): Promise<void> {
      started = true;
      const items = [...feeds.values()];
      const waits = await Promise.all(items.map(notDueFor));
      items.forEach((item, i) => {
        // While the feed states were read, the feed may have been removed or replaced (setFeeds),
        // polled (pollNow, a push) or the poller stopped: it needs no first read from here then.
        if (!started || feeds.get(item.spec.name) !== item || item.running || item.nextAt !== undefined) return;
        const wait = waits[i]!;
        if (wait > 0) schedule(item, wait);
        else void runNow(item);
      });
    },
    /** Polls one feed now (an admin's "feed poll", or a test). */
    pollNow(name: string): Promise<PollOutcome> | undefined {
      const item = feeds.get(name);
      return item ? runNow(item) : undefined;
    },
    /**
     * A body a WebSub hub pushed for a feed: read like a poll that found it (same parser, identity
     * and outbox), after any read under way. Undefined when the feed is not watched.
     */
    pushed(name: string, read: ReadSource): Promise<PollOutcome> | undefined {
      const item = feeds.get(name);
      return item ? runNow(item, read) : undefined;
    },
    /** Recomputes a feed's wait now (a hub's subscription began or ended). */
    reschedule(name: string): void {
      const item = feeds.get(name);
      if (!item || item.running || item.interval === undefined) return;
      item.interval = interval(item);
      schedule(item, item.interval.ms);
    },
    /** The wait after a feed's last read and when the next is due; undefined before the first read. */
    scheduleOf(name: string): FeedSchedule | undefined {
      const item = feeds.get(name);
      return item?.interval === undefined ? undefined : { ...item.interval, nextAt: item.nextAt };
    },
    /** Stops all timers and waits for polls under way. */
    async stop(): Promise<void> {
      started = false;
      for (const item of feeds.values()) unschedule(item);
      // underway also holds the polls of feeds removed or replaced meanwhile, still writing.
      await Promise.all([...feeds.values()].flatMap((i) => [i.running, i.rerun]).concat([...underway.values()]));
    },
  };
}

import type { Accepts } from "./flood-policy.js";
import type { Entry } from "../sources/entry.js";
import type { Logger } from "../log.js";
import type { Registry } from "../live/registry.js";
import type { DigestStore } from "../store/store.js";
import { nextDue, parseDigestSchedule, previousDue } from "../config/digest-schedule.js";
import { formatDigest } from "./digest-text.js";

export interface DigestDeps {
  readonly digests: DigestStore;
  readonly registry: Registry;
  /** Called when a digest was queued for a room, so delivery can start. */
  readonly onQueued: (room: string) => void;
  readonly timeZone: string;
  /** Posts dated longer ago than this when first seen are left out, as for announcements. */
  readonly maxAgeMs: number;
  /** A room's filters apply to its digest as to its announcements. */
  readonly accepts?: (feed: string) => Promise<Accepts>;
  readonly now: () => number;
  readonly log: Logger;
}

/** Re-check at least this often, so schedule changes made at runtime take effect. */
const MAX_SLEEP_MS = 15 * 60_000;

export type Digests = ReturnType<typeof createDigests>;

/**
 * The digest schedule. Rooms with a digest get, at each due time, one message listing the posts
 * first seen in the period since the last digest, and nothing when there were none. The store
 * closes each period in the transaction that queues its message (see DigestStore.close), so a
 * restart neither repeats a digest nor skips one: after downtime, one digest covers the gap.
 */
export function createDigests(deps: DigestDeps) {
  const { log } = deps;
  let timer: NodeJS.Timeout | undefined;
  // Until start(), a reschedule (rooms applied at start-up) plans nothing.
  let stopped = true;
  /** The pass under way; a reschedule meanwhile asks for one more pass after it, never a second at once. */
  let pass: Promise<void> | undefined;
  let again = false;

  /** Runs a pass now, or one more after the pass under way; resolves when they are done (never rejects). */
  function plan(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (pass) {
      // Two passes at once would each leave a timer behind, and the schedule would run twice.
      again = true;
      return pass;
    }
    pass = (async () => {
      do {
        again = false;
        clearTimeout(timer);
        await tick();
      } while (again && !stopped);
    })()
      .catch((err: unknown) => log.error({ err }, "digest planning failed"))
      .finally(() => (pass = undefined));
    return pass;
  }

  async function tick(): Promise<void> {
    const now = deps.now();
    let sleep = MAX_SLEEP_MS;
    for (const room of deps.registry.rooms()) {
      // Stopped meanwhile: the database may be closing.
      if (stopped) return;
      if (!room.settings.digest || room.settings.mute) continue;
      const schedule = parseDigestSchedule(room.settings.digest);
      if ("error" in schedule) continue; // validated when set; an old row stays harmless
      try {
        const target = { kind: "room" as const, address: room.jid };
        const period = {
          room: room.jid,
          feeds: room.feeds,
          due: previousDue(schedule, now, deps.timeZone),
          maxAgeMs: deps.maxAgeMs,
          accepts: await roomAccepts(target, room.feeds),
        };
        const queued = await deps.digests.close(period, now, formatDigest);
        if (queued !== undefined) log.info({ room: room.jid, posts: queued }, queued > 0 ? "digest queued" : "digest period had no posts");
        if (queued) deps.onQueued(room.jid);
      } catch (err) {
        log.error({ room: room.jid, err }, "digest failed");
      }
      sleep = Math.min(sleep, nextDue(schedule, now, deps.timeZone) - now);
    }
    if (!stopped) timer = setTimeout(() => void plan(), Math.max(1_000, sleep));
  }

  /** The room's filters, read before DigestStore.close, whose transaction asks them without waiting. */
  async function roomAccepts(target: { kind: "room"; address: string }, feeds: readonly string[]): Promise<((feed: string, post: Entry) => boolean) | undefined> {
    if (!deps.accepts) return undefined;
    const byFeed = new Map(await Promise.all(feeds.map(async (feed) => [feed, await deps.accepts!(feed)] as const)));
    return (feed, post) => byFeed.get(feed)?.(target, post) ?? true;
  }

  return {
    /** Starts the schedule; resolves when the first pass is done. */
    start(): Promise<void> {
      stopped = false;
      return plan();
    },
    /** Re-plans after a room's digest setting changed; resolves when that pass is done. */
    reschedule(): Promise<void> {
      return plan();
    },
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

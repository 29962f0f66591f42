import type { Db } from "../store/db.js";
import type { Logger } from "../log.js";
import type { Registry } from "../live/registry.js";
import type { Outbox } from "../store/outbox.js";
import { foldToOneLine, htmlToPlainText } from "../text/plain-text.js";
import { truncateAtWord } from "../text/summary.js";
import { nextDue, parseDigestSchedule, previousDue, type DigestSchedule } from "../config/digest-schedule.js";

export interface DigestDeps {
  readonly db: Db;
  readonly registry: Registry;
  readonly outbox: Outbox;
  /** Called when a digest was queued for a room, so delivery can start. */
  readonly onQueued: (room: string) => void;
  readonly timeZone: string;
  /** Posts dated longer ago than this when first seen are left out, as for announcements. */
  readonly maxAgeMs: number;
  readonly now: () => number;
  readonly log: Logger;
}

/** Longest digest: a chat message, not a newsletter. */
const MAX_LINES = 25;
/** Re-check at least this often, so schedule changes made at runtime take effect. */
const MAX_SLEEP_MS = 15 * 60_000;

export type Digests = ReturnType<typeof createDigests>;

/**
 * Rooms with a digest get, at each due time, one message listing the posts first seen in the
 * period since the last digest (title and link), and nothing when there were none. Each period
 * is recorded in the digests table in the same transaction that queues the message, so a restart
 * neither repeats a digest nor skips one: after downtime, one digest covers the whole gap.
 */
export function createDigests(deps: DigestDeps) {
  const { db, log } = deps;
  const last = db.prepare<[string], { end: number | null }>("SELECT MAX(period_end) AS end FROM digests WHERE room = ?");
  const record = db.prepare("INSERT OR IGNORE INTO digests (room, period_end, posts, created_at) VALUES (?, ?, ?, ?)");
  // A feed's baseline (its first read) is never news, nor is a post dated before max age.
  const posts = db.prepare<[string, number, number, number], { feed: string; title: string; link: string | null }>(
    `SELECT e.feed, e.title, e.link FROM entries e JOIN feed_state s ON s.feed = e.feed
      WHERE e.feed = ? AND e.first_seen_at >= ? AND e.first_seen_at < ? AND e.first_seen_at > s.baseline_at
        AND (e.published_at IS NULL OR e.first_seen_at - e.published_at <= ?)
      ORDER BY e.first_seen_at, e.published_at, e.rowid DESC`, // oldest first (one read lists newest first)
  );
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const runRoom = db.transaction((room: string, feeds: readonly string[], schedule: DigestSchedule, now: number): number | undefined => {
    const due = previousDue(schedule, now, deps.timeZone);
    const start = last.get(room)?.end ?? null;
    if (start === null) {
      // First sight of this digest: it starts now; the first message comes at the next due time.
      record.run(room, due, -1, now);
      return undefined;
    }
    if (start >= due) return undefined;
    const found = feeds.flatMap((feed) => posts.all(feed, start, due, deps.maxAgeMs));
    record.run(room, due, found.length, now);
    if (found.length === 0) return 0;
    const lines = found.slice(0, MAX_LINES).map((p) => {
      const title = truncateAtWord(foldToOneLine(htmlToPlainText(p.title, { markdown: false })), 120) || "(untitled)";
      return `• ${title.replace(/\*/g, "\u2217")}${p.link ? ` ${p.link}` : ""}`;
    });
    if (found.length > MAX_LINES) lines.push(`…and ${found.length - MAX_LINES} more`);
    const header = `*Digest: ${found.length} new post${found.length === 1 ? "" : "s"} since ${new Date(start).toISOString().slice(0, 16).replace("T", " ")} UTC*`;
    deps.outbox.queueText(room, "room", [header, ...lines].join("\n"), now);
    return found.length;
  });

  function tick(): void {
    if (stopped) return;
    const now = deps.now();
    let sleep = MAX_SLEEP_MS;
    for (const room of deps.registry.rooms()) {
      if (!room.settings.digest || room.settings.mute) continue;
      const schedule = parseDigestSchedule(room.settings.digest);
      if ("error" in schedule) continue; // validated when set; an old row stays harmless
      try {
        const queued = runRoom(room.jid, room.feeds, schedule, now);
        if (queued !== undefined) log.info({ room: room.jid, posts: queued }, queued > 0 ? "digest queued" : "digest period had no posts");
        if (queued) deps.onQueued(room.jid);
      } catch (err) {
        log.error({ room: room.jid, err: String(err) }, "digest failed");
      }
      sleep = Math.min(sleep, nextDue(schedule, now, deps.timeZone) - now);
    }
    timer = setTimeout(tick, Math.max(1_000, sleep));
  }

  return {
    start(): void {
      stopped = false;
      tick();
    },
    /** Re-plans after a room's digest setting changed. */
    reschedule(): void {
      if (stopped) return;
      clearTimeout(timer);
      tick();
    },
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

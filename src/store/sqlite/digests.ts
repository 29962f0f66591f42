import { toStored, type EntryRow } from "../entry-row.js";
import type { Db } from "./engine.js";
import type { DigestPeriod, DigestPost, DigestStore } from "../store.js";

/** Digest periods in SQLite; a closed period's message goes into the outbox in the same transaction. */
export function createDigestStore(db: Db): DigestStore {
  const last = db.prepare<[string], { end: number | null }>("SELECT MAX(period_end) AS end FROM digests WHERE room = ?");
  const record = db.prepare("INSERT OR IGNORE INTO digests (room, period_end, posts, created_at) VALUES (?, ?, ?, ?)");
  // The digest's message is queued by this transaction's own statement (the outbox's queueText,
  // now asynchronous, could not run inside it); the row is the one Outbox.queueText writes.
  const queueText = db.prepare("INSERT INTO announcements (target_kind, target, body, created_at) VALUES ('room', ?, ?, ?)");
  // A feed's baseline (its first read) is never news, nor is a post dated before max age.
  const posts = db.prepare<[string, number, number, number], EntryRow>(
    `SELECT e.feed, e.entry_key, e.title, e.link, e.author, e.summary_html, e.categories, e.media, e.published_at, e.first_seen_at FROM entries e JOIN feed_state s ON s.feed = e.feed
      WHERE e.feed = ? AND e.first_seen_at >= ? AND e.first_seen_at < ? AND e.first_seen_at > s.baseline_at
        AND (e.published_at IS NULL OR e.first_seen_at - e.published_at <= ?)
      ORDER BY e.first_seen_at, e.published_at, e.rowid DESC`, // oldest first (one read lists newest first)
  );

  const close = db.transaction((period: DigestPeriod, now: number, compose: (posts: readonly DigestPost[], since: number) => string): number | undefined => {
    const { room, due } = period;
    const start = last.get(room)?.end ?? null;
    if (start === null) {
      // First sight of this digest: it starts now; the first message comes at the next due time.
      record.run(room, due, -1, now);
      return undefined;
    }
    if (start >= due) return undefined;
    const found: DigestPost[] = period.feeds.flatMap((feed) =>
      posts
        .all(feed, start, due, period.maxAgeMs)
        .filter((p) => period.accepts?.(feed, toStored(p)) ?? true)
        .map((p) => ({ feed: p.feed, title: p.title, link: p.link ?? undefined })),
    );
    record.run(room, due, found.length, now);
    if (found.length > 0) queueText.run(room, compose(found, start), now);
    return found.length;
  });

  return {
    // Synchronous underneath: `compose` runs inside the transaction before this resolves.
    async close(period, now, compose) {
      return close(period, now, compose);
    },
  };
}

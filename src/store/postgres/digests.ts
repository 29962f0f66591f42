import type pg from "pg";
import type { DigestPeriod, DigestPost, DigestStore } from "../store.js";
import { LOCKS, transaction } from "./database.js";
import { queueText } from "./outbox.js";
import { toStored, type EntryRow } from "../entry-row.js";

/** Digest periods in PostgreSQL; a closed period's message goes into the outbox in the same transaction. */
export function createDigestStore(pool: pg.Pool): DigestStore {
  return {
    close(period: DigestPeriod, now: number, compose: (posts: readonly DigestPost[], since: number) => string): Promise<number | undefined> {
      return transaction(pool, async (db) => {
        const { room, due } = period;
        // One closing of a room's digest at a time (two instances must not both send it).
        await db.query("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [LOCKS.digest, room]);
        const { rows } = await db.query<{ end: number | null }>("SELECT MAX(period_end) AS end FROM digests WHERE room = $1", [room]);
        const start = rows[0]?.end ?? null;
        const record = (posts: number) =>
          db.query("INSERT INTO digests (room, period_end, posts, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", [room, due, posts, now]);
        if (start === null) {
          // First sight of this digest: it starts now; the first message comes at the next due time.
          await record(-1);
          return undefined;
        }
        if (start >= due) return undefined;
        const found: DigestPost[] = [];
        for (const feed of period.feeds) {
          // A feed's baseline (its first read) is never news, nor is a post dated before max age.
          // Oldest first (one read lists newest first); NULLS FIRST is SQLite's order of NULL dates.
          const posts = await db.query<EntryRow>(
            `SELECT e.feed, e.entry_key, e.title, e.link, e.author, e.summary_html, e.categories, e.media, e.published_at, e.first_seen_at FROM entries e JOIN feed_state s ON s.feed = e.feed
              WHERE e.feed = $1 AND e.first_seen_at >= $2 AND e.first_seen_at < $3 AND e.first_seen_at > s.baseline_at
                AND (e.published_at IS NULL OR e.first_seen_at - e.published_at <= $4)
              ORDER BY e.first_seen_at, e.published_at NULLS FIRST, e.id DESC`,
            [feed, start, due, period.maxAgeMs],
          );
          for (const p of posts.rows) {
            if (period.accepts?.(feed, toStored(p)) ?? true) found.push({ feed: p.feed, title: p.title, link: p.link ?? undefined });
          }
        }
        await record(found.length);
        if (found.length > 0) await queueText(db, { kind: "room", address: room }, compose(found, start), now);
        return found.length;
      });
    },
  };
}

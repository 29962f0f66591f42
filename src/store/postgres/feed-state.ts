import type pg from "pg";
import type { Validators } from "../../sources/http/fetch.js";
import type { FeedState, FeedStateStore } from "../store.js";
import { transaction, type Queryable } from "./database.js";

interface Row {
  feed: string;
  url: string;
  title: string | null;
  etag: string | null;
  last_modified: string | null;
  baseline_at: number | null;
  last_polled_at: number | null;
  last_ok_at: number | null;
  last_error: string | null;
  error_since: number | null;
  failure_reported_at: number | null;
  gone_at: number | null;
}

const COLUMNS = "feed, url, title, etag, last_modified, baseline_at, last_polled_at, last_ok_at, last_error, error_since, failure_reported_at, gone_at";

async function get(db: Queryable, feed: string): Promise<Row | undefined> {
  return (await db.query<Row>(`SELECT ${COLUMNS} FROM feed_state WHERE feed = $1`, [feed])).rows[0];
}

export function createFeedStateStore(pool: pg.Pool): FeedStateStore {
  return {
    async open(feed: string, url: string): Promise<FeedState> {
      // Every poll opens its feed: one read when nothing changed, the writes only when they do.
      const row = await get(pool, feed);
      if (row !== undefined && row.url === url) return toState(row);
      return transaction(pool, async (db) => {
        await db.query("INSERT INTO feed_state (feed, url) VALUES ($1, $2) ON CONFLICT (feed) DO NOTHING", [feed, url]);
        // The validators only make sense for the URL they came from: a changed URL starts over,
        // with its own validators, and not gone.
        await db.query("UPDATE feed_state SET url = $2, etag = NULL, last_modified = NULL, gone_at = NULL WHERE feed = $1 AND url <> $2", [feed, url]);
        return toState((await get(db, feed))!);
      });
    },
    async get(feed: string): Promise<FeedState | undefined> {
      const row = await get(pool, feed);
      return row ? toState(row) : undefined;
    },
    async recordFetched(feed: string, title: string | undefined, validators: Validators, now: number): Promise<void> {
      await pool.query(
        `UPDATE feed_state SET title = COALESCE($2, title), etag = $3, last_modified = $4,
           last_polled_at = $5, last_ok_at = $5, last_error = NULL, error_since = NULL,
           baseline_at = COALESCE(baseline_at, $5) WHERE feed = $1`,
        [feed, title ?? null, validators.etag ?? null, validators.lastModified ?? null, now],
      );
    },
    async recordNotModified(feed: string, now: number): Promise<void> {
      await pool.query("UPDATE feed_state SET last_polled_at = $2, last_ok_at = $2, last_error = NULL, error_since = NULL WHERE feed = $1", [feed, now]);
    },
    async forget(feed: string): Promise<void> {
      await pool.query("DELETE FROM feed_state WHERE feed = $1", [feed]);
    },
    async recordError(feed: string, error: string, now: number): Promise<void> {
      await pool.query("UPDATE feed_state SET last_polled_at = $3, last_error = $2, error_since = COALESCE(error_since, $3) WHERE feed = $1", [feed, error, now]);
    },
    async recordFailureReported(feed: string, at: number | undefined): Promise<void> {
      await pool.query("UPDATE feed_state SET failure_reported_at = $2 WHERE feed = $1", [feed, at ?? null]);
    },
    async recordGone(feed: string, at: number | undefined): Promise<void> {
      await pool.query("UPDATE feed_state SET gone_at = $2 WHERE feed = $1", [feed, at ?? null]);
    },
  };
}

function toState(row: Row): FeedState {
  return {
    feed: row.feed,
    url: row.url,
    title: row.title ?? undefined,
    validators: { etag: row.etag ?? undefined, lastModified: row.last_modified ?? undefined },
    baselineAt: row.baseline_at ?? undefined,
    lastPolledAt: row.last_polled_at ?? undefined,
    lastOkAt: row.last_ok_at ?? undefined,
    lastError: row.last_error ?? undefined,
    errorSince: row.error_since ?? undefined,
    failureReportedAt: row.failure_reported_at ?? undefined,
    goneAt: row.gone_at ?? undefined,
  };
}

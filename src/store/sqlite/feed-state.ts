import type { Db } from "./engine.js";
import type { Validators } from "../../sources/http/fetch.js";
import type { FeedState, FeedStateStore } from "../store.js";

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

export function createFeedStateStore(db: Db): FeedStateStore {
  const get = db.prepare<[string], Row>("SELECT * FROM feed_state WHERE feed = ?");
  const ensure = db.prepare("INSERT INTO feed_state (feed, url) VALUES (?, ?) ON CONFLICT (feed) DO NOTHING");
  // The validators only make sense for the URL they came from: a changed URL starts over.
  // A new location starts afresh: its own validators, and not gone.
  const setUrl = db.prepare(
    "UPDATE feed_state SET url = @url, etag = NULL, last_modified = NULL, gone_at = NULL WHERE feed = @feed AND url <> @url",
  );
  const forget = db.prepare("DELETE FROM feed_state WHERE feed = ?");
  const reported = db.prepare("UPDATE feed_state SET failure_reported_at = ? WHERE feed = ?");
  const gone = db.prepare("UPDATE feed_state SET gone_at = ? WHERE feed = ?");
  const ok = db.prepare(`UPDATE feed_state SET title = COALESCE(@title, title), etag = @etag, last_modified = @lastModified,
      last_polled_at = @now, last_ok_at = @now, last_error = NULL, error_since = NULL,
      baseline_at = COALESCE(baseline_at, @now) WHERE feed = @feed`);
  const notModified = db.prepare(
    "UPDATE feed_state SET last_polled_at = @now, last_ok_at = @now, last_error = NULL, error_since = NULL WHERE feed = @feed",
  );
  const failed = db.prepare(`UPDATE feed_state SET last_polled_at = @now, last_error = @error,
      error_since = COALESCE(error_since, @now) WHERE feed = @feed`);

  // Unchanged polls are the bulk of all writes (one per feed per interval, at 10,000 feeds several
  // a second). Those that end in one turn of the event loop (a tick's polls, see poller.ts) share
  // one transaction: one WAL append instead of one each. Every other read or write of the table
  // writes the batch first, so nothing ever sees the table without them.
  const writeNotModified = db.transaction((stamps: ReadonlyMap<string, number>) => {
    for (const [feed, now] of stamps) notModified.run({ feed, now });
  });
  let batch: { stamps: Map<string, number>; done: Promise<void>; settle: (err?: unknown) => void } | undefined;
  const flush = (): void => {
    const b = batch;
    if (b === undefined) return;
    batch = undefined;
    try {
      writeNotModified(b.stamps);
      b.settle();
    } catch (err) {
      b.settle(err);
    }
  };

  return {
    /** Returns the state of a feed, creating it on first sight (or after its URL changed). */
    async open(feed: string, url: string): Promise<FeedState> {
      flush();
      // Every poll opens its feed: one read when nothing changed, the writes only when they do.
      const row = get.get(feed);
      if (row !== undefined && row.url === url) return toState(row);
      ensure.run(feed, url);
      setUrl.run({ feed, url });
      return toState(get.get(feed)!);
    },
    async get(feed: string): Promise<FeedState | undefined> {
      flush();
      const row = get.get(feed);
      return row ? toState(row) : undefined;
    },
    async recordFetched(feed: string, title: string | undefined, validators: Validators, now: number): Promise<void> {
      flush();
      ok.run({ feed, title: title ?? null, etag: validators.etag ?? null, lastModified: validators.lastModified ?? null, now });
    },
    recordNotModified(feed: string, now: number): Promise<void> {
      if (batch === undefined) {
        let settle!: (err?: unknown) => void;
        const done = new Promise<void>((resolve, reject) => (settle = (err) => (err === undefined ? resolve() : reject(err))));
        batch = { stamps: new Map(), done, settle };
        setImmediate(flush);
      }
      batch.stamps.set(feed, now);
      return batch.done;
    },
    /** Forgets a removed feed's state: a feed added later under the same name starts with a baseline. */
    async forget(feed: string): Promise<void> {
      flush();
      forget.run(feed);
    },
    async recordError(feed: string, error: string, now: number): Promise<void> {
      flush();
      failed.run({ feed, error, now });
    },
    /** Remembers that the admins were told of the failure (or, with undefined, of the recovery). */
    async recordFailureReported(feed: string, at: number | undefined): Promise<void> {
      flush();
      reported.run(at ?? null, feed);
    },
    async recordGone(feed: string, at: number | undefined): Promise<void> {
      flush();
      gone.run(at ?? null, feed);
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

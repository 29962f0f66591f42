import type { Db } from "./db.js";
import type { Entry } from "../sources/entry.js";

export interface RecordResult {
  /** Entries not seen before in this feed, in feed order. */
  readonly added: readonly Entry[];
  /** Announcements queued, one per (room, added entry); 0 on a baseline. */
  readonly queued: number;
}

export type EntryStore = ReturnType<typeof createEntryStore>;

export function createEntryStore(db: Db) {
  const exists = db.prepare<[string, string], { one: number }>("SELECT 1 AS one FROM entries WHERE feed = ? AND entry_key = ?");
  const insert = db.prepare(`INSERT INTO entries (feed, entry_key, title, link, author, summary_html, categories, published_at, first_seen_at)
      VALUES (@feed, @key, @title, @link, @author, @summaryHtml, @categories, @published, @now)`);
  const queue = db.prepare(`INSERT INTO announcements (room, feed, entry_key, created_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (room, feed, entry_key) DO NOTHING`);

  /**
   * Stores the entries of one fetch that were not seen before and, unless this fetch is the
   * feed's baseline, queues an announcement of each for every room subscribed to the feed.
   * One transaction: entries and their announcements are recorded together or not at all,
   * so a crash can neither lose an announcement nor leave an entry that is never announced.
   */
  const record = db.transaction(
    (feed: string, entries: readonly Entry[], rooms: readonly string[], baseline: boolean, now: number): RecordResult => {
      const added: Entry[] = [];
      const seenInThisFetch = new Set<string>();
      for (const entry of entries) {
        // Feeds in the wild repeat guids within one document; the first occurrence wins.
        if (seenInThisFetch.has(entry.key)) continue;
        seenInThisFetch.add(entry.key);
        if (exists.get(feed, entry.key)) continue;
        insert.run({
          feed,
          key: entry.key,
          title: entry.title,
          link: entry.link ?? null,
          author: entry.author ?? null,
          summaryHtml: entry.summaryHtml,
          categories: JSON.stringify(entry.categories),
          published: entry.published?.getTime() ?? null,
          now,
        });
        added.push(entry);
      }
      let queued = 0;
      if (!baseline) {
        // Oldest first, so a room reads posts in the order they were written.
        for (const entry of [...added].reverse()) {
          for (const room of rooms) queued += queue.run(room, feed, entry.key, now).changes;
        }
      }
      return { added, queued };
    },
  );

  return { record };
}

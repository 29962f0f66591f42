import type { Db } from "./db.js";
import type { Entry } from "../sources/entry.js";
import { htmlToPlainText } from "../text/plain-text.js";

/** Where an announcement goes: a room, or a user with a personal subscription. */
export interface Target {
  readonly kind: "room" | "user";
  readonly jid: string;
}

/** What keeps a room from being flooded by one read of a feed. */
export interface FloodPolicy {
  /** Entries dated longer ago than this are recorded, not announced. */
  readonly maxAgeMs: number;
  /** At most this many announcements per target from one read; the rest fold into a footer. */
  readonly maxPerRead: number;
  /** The footer line for `more` folded posts, e.g. "…and 7 more from xsf: https://…". */
  readonly footer: (more: number) => string;
}

export const NO_FLOOD_LIMITS: FloodPolicy = { maxAgeMs: Infinity, maxPerRead: Infinity, footer: () => "" };

export interface RecordResult {
  /** Entries not seen before in this feed, in feed order. */
  readonly added: readonly Entry[];
  /** Announcements queued, one per (target, added entry); 0 on a baseline. */
  readonly queued: number;
  /** Added entries not announced because they were older than the policy allows. */
  readonly tooOld: number;
  /** Added entries folded into a footer line because of the per-read cap (per target). */
  readonly folded: number;
}

export interface StoredEntry extends Entry {
  readonly feed: string;
  readonly firstSeen: Date;
}

interface Row {
  feed: string;
  entry_key: string;
  title: string;
  link: string | null;
  author: string | null;
  summary_html: string;
  categories: string;
  published_at: number | null;
  first_seen_at: number;
}

export type EntryStore = ReturnType<typeof createEntryStore>;

// A post's date for ordering: its own date when it has one, else when we first saw it.
const WHEN = "COALESCE(e.published_at, e.first_seen_at)";

export function createEntryStore(db: Db) {
  const exists = db.prepare<[string, string], { one: number }>("SELECT 1 AS one FROM entries WHERE feed = ? AND entry_key = ?");
  const insert = db.prepare(`INSERT INTO entries (feed, entry_key, title, link, author, summary_html, categories, published_at, first_seen_at)
      VALUES (@feed, @key, @title, @link, @author, @summaryHtml, @categories, @published, @now)`);
  const index = db.prepare("INSERT INTO entries_fts (rowid, title, body) VALUES (?, ?, ?)");
  const queue = db.prepare(`INSERT INTO announcements (room, kind, feed, entry_key, footer, created_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (room, feed, entry_key) DO NOTHING`);
  const latestAll = db.prepare<[number], Row>(`SELECT e.* FROM entries e ORDER BY ${WHEN} DESC, e.rowid DESC LIMIT ?`);
  const latestOne = db.prepare<[string, number], Row>(`SELECT e.* FROM entries e WHERE e.feed = ? ORDER BY ${WHEN} DESC, e.rowid DESC LIMIT ?`);
  const newest = db.prepare<[], { feed: string; newest: number }>(`SELECT e.feed, MAX(${WHEN}) AS newest FROM entries e GROUP BY e.feed`);
  const search = db.prepare<[string, number], Row>(`SELECT e.* FROM entries_fts f JOIN entries e ON e.rowid = f.rowid
      WHERE entries_fts MATCH ? ORDER BY ${WHEN} DESC LIMIT ?`);

  /**
   * Stores the entries of one read that were not seen before and, unless this read is the
   * feed's baseline, queues an announcement of each for every target subscribed to the feed.
   * One transaction: entries and their announcements are recorded together or not at all,
   * so a crash can neither lose an announcement nor leave an entry that is never announced.
   */
  const record = db.transaction(
    (feed: string, entries: readonly Entry[], targets: readonly Target[], baseline: boolean, now: number, policy: FloodPolicy = NO_FLOOD_LIMITS): RecordResult => {
      const added: Entry[] = [];
      const seenInThisRead = new Set<string>();
      for (const entry of entries) {
        // Feeds in the wild repeat guids within one document; the first occurrence wins.
        if (seenInThisRead.has(entry.key)) continue;
        seenInThisRead.add(entry.key);
        if (exists.get(feed, entry.key)) continue;
        const { lastInsertRowid } = insert.run({
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
        index.run(lastInsertRowid, htmlToPlainText(entry.title), htmlToPlainText(entry.summaryHtml));
        added.push(entry);
      }
      if (baseline) return { added, queued: 0, tooOld: 0, folded: 0 };
      // A post dated long ago that shows up now (an archive republished, ids reset) is history,
      // not news. Undated posts count as new.
      const fresh = added.filter((e) => e.published === undefined || now - e.published.getTime() <= policy.maxAgeMs);
      // The newest posts are announced, oldest first so a room reads them in the order they were
      // written; the rest are folded into one line on the last announcement.
      const announced = fresh.slice(0, policy.maxPerRead).reverse();
      const folded = fresh.length - announced.length;
      let queued = 0;
      announced.forEach((entry, i) => {
        const footer = folded > 0 && i === announced.length - 1 ? policy.footer(folded) : null;
        for (const t of targets) queued += queue.run(t.jid, t.kind, feed, entry.key, footer, now).changes;
      });
      return { added, queued, tooOld: added.length - fresh.length, folded };
    },
  );

  return {
    record,
    /** The newest posts, of one feed or all, newest first. */
    latest(limit: number, feed?: string): StoredEntry[] {
      return (feed ? latestOne.all(feed, limit) : latestAll.all(limit)).map(toStored);
    },
    /** Posts whose title or text contain every word (prefix match), newest first. */
    search(words: readonly string[], limit: number): StoredEntry[] {
      // Each word becomes a quoted FTS5 string with a prefix star: user input never reaches the
      // query syntax (no column filters, no NEAR, no syntax errors).
      const query = words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(" ");
      return query ? search.all(query, limit).map(toStored) : [];
    },
    /** Each feed's newest post date (ms). */
    newestByFeed(): Map<string, number> {
      return new Map(newest.all().map((r) => [r.feed, r.newest]));
    },
  };
}

export function toStored(row: Row): StoredEntry {
  return {
    feed: row.feed,
    key: row.entry_key,
    title: row.title,
    link: row.link ?? undefined,
    author: row.author ?? undefined,
    summaryHtml: row.summary_html,
    categories: JSON.parse(row.categories) as string[],
    published: row.published_at === null ? undefined : new Date(row.published_at),
    firstSeen: new Date(row.first_seen_at),
  };
}

import { toStored, type EntryRow } from "../entry-row.js";
import type { Db } from "./engine.js";
import type { Entry } from "../../sources/entry.js";
import type { AnnouncedCopy, ChangedEntry, EntryStore, QueuedAnnouncement, RecordResult, StoredEntry, TargetKind } from "../store.js";
import { htmlToPlainText } from "../../text/plain-text.js";
import { createSearchProbe } from "./search-probe.js";
import { contentHash, isMassIdChange, linkKey } from "../../sources/identity.js";

type Row = EntryRow;

// A post's date for ordering: its own date when it has one, else when we first saw it.
const WHEN = "COALESCE(e.published_at, e.first_seen_at)";
/** From this many matches on, a search walks the date index instead of sorting its matches. */
const MANY_MATCHES = 500;
/** A search for at most this many posts first looks among the NEWEST_BUDGET newest posts. */
const NEWEST_LIMIT = 10;
const NEWEST_BUDGET = 64;

export function createEntryStore(db: Db): EntryStore {
  const stored = db.prepare<[string, string, string, string], { rowid: number; entry_key: string; content_hash: string | null }>(
    `SELECT rowid, entry_key, content_hash FROM entries WHERE feed = ? AND entry_key = ?
     UNION ALL SELECT e.rowid, e.entry_key, e.content_hash FROM entry_aliases a JOIN entries e ON e.feed = a.feed AND e.entry_key = a.entry_key
       WHERE a.feed = ? AND a.alias_key = ? LIMIT 1`,
  );
  const alias = db.prepare("INSERT OR IGNORE INTO entry_aliases (feed, alias_key, entry_key) VALUES (?, ?, ?)");
  const update = db.prepare(`UPDATE entries SET title = @title, link = @link, link_key = @linkKey, author = @author, summary_html = @summaryHtml,
      categories = @categories, media = @media, content_hash = @contentHash WHERE rowid = @rowid`);
  const reindex = db.prepare("UPDATE entries_fts SET title = ?, body = ? WHERE rowid = ?");
  const announcedOf = db.prepare<[string, string], { id: number; target_kind: string; target: string; sent_at: number; corrections: number }>(
    `SELECT a.id, a.target_kind, a.target, a.sent_at, (SELECT COUNT(*) FROM announcements c WHERE c.correction_of = a.id) AS corrections
      FROM announcements a WHERE a.feed = ? AND a.entry_key = ? AND a.correction_of IS NULL AND a.state = 'sent' AND a.stanza_id IS NOT NULL ORDER BY a.id`,
  );
  const linkMatches = db.prepare<[string, string], { entry_key: string; title: string; published_at: number | null }>(
    "SELECT entry_key, title, published_at FROM entries WHERE feed = ? AND link_key = ? LIMIT 2",
  );
  const titleDateMatch = db.prepare<[string, number, string], { entry_key: string }>("SELECT entry_key FROM entries WHERE feed = ? AND published_at = ? AND title = ? LIMIT 1");
  const insert = db.prepare(`INSERT INTO entries (feed, entry_key, title, link, link_key, author, summary_html, categories, media, published_at, first_seen_at, content_hash)
      VALUES (@feed, @key, @title, @link, @linkKey, @author, @summaryHtml, @categories, @media, @published, @now, @contentHash)`);
  const index = db.prepare("INSERT INTO entries_fts (rowid, title, body) VALUES (?, ?, ?)");
  // OR IGNORE: a post is queued once per target (and a correction once per target and content).
  const queue = db.prepare(`INSERT OR IGNORE INTO announcements (target_kind, target, feed, entry_key, footer, correction_of, content_hash, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const latestAll = db.prepare<[number], Row>(`SELECT e.* FROM entries e ORDER BY ${WHEN} DESC, e.rowid DESC LIMIT ?`);
  const latestOne = db.prepare<[string, number], Row>(`SELECT e.* FROM entries e WHERE e.feed = ? ORDER BY ${WHEN} DESC, e.rowid DESC LIMIT ?`);
  const newest = db.prepare<[], { feed: string; newest: number }>(`SELECT e.feed, MAX(${WHEN}) AS newest FROM entries e GROUP BY e.feed`);
  // Search, newest first. Every word is a prefix query ("stream"* finds "streaming"), and FTS5
  // (no prefix index) answers a prefix query by merging the whole posting list of every matching
  // term before it yields the first row: for a word in most posts that is most of a search's cost
  // (bench/experiments/search-cost.ts and issue 16: ~2 ms per merge at 50,000 posts). So:
  // 1. A query that matches many of the newest posts is answered from them alone: the newest
  //    posts by date are checked against the query in a small contentless FTS5 table with the
  //    same tokenizer (search-probe.ts), and the first `limit` that match are the answer.
  // 2. Otherwise one of two plans over the whole index: a query matching few posts sorts its
  //    matches; one matching many walks the date index from the newest post and stops at the
  //    limit, so it never sorts thousands of rows. Whether it matches many is known without a
  //    prefix merge when the words as whole words already match that many (a lower bound).
  const searchFew = db.prepare<[string, number], Row>(`SELECT e.* FROM entries_fts f JOIN entries e ON e.rowid = f.rowid
      WHERE entries_fts MATCH ? ORDER BY ${WHEN} DESC, e.rowid DESC LIMIT ?`);
  const searchMany = db.prepare<[string, number], Row>(`SELECT e.* FROM entries e INDEXED BY entries_by_date
      WHERE e.rowid IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?) ORDER BY ${WHEN} DESC, e.rowid DESC LIMIT ?`);
  const matchesUpTo = db.prepare<[string, number], { n: number }>(`SELECT count(*) AS n FROM (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? LIMIT ?)`);
  const newestIds = db.prepare<[number], { id: number }>(`SELECT e.rowid AS id FROM entries e INDEXED BY entries_by_date ORDER BY ${WHEN} DESC, e.rowid DESC LIMIT ?`);
  const byIds = db.prepare<[string], Row>(`SELECT e.* FROM entries e WHERE e.rowid IN (SELECT value FROM json_each(?)) ORDER BY ${WHEN} DESC, e.rowid DESC`);
  const probe = createSearchProbe(db);
  // One transaction: every step reads the same snapshot, and the probe's writes (temp schema
  // only, never the database file) commit once.
  const search = db.transaction((words: readonly string[], limit: number): Row[] => {
    // Each word becomes a quoted FTS5 string with a prefix star: user input never reaches the
    // query syntax (no column filters, no NEAR, no syntax errors).
    const quoted = words.map((w) => `"${w.replace(/"/g, '""')}"`);
    const query = quoted.map((q) => `${q}*`).join(" ");
    if (limit <= NEWEST_LIMIT) {
      const ids = newestIds.all(NEWEST_BUDGET).map((r) => r.id);
      const newest = probe.firstMatches(query, ids, limit, ids.length < NEWEST_BUDGET);
      if (newest !== undefined) return newest.length === 0 ? [] : byIds.all(JSON.stringify(newest));
    }
    const many = matchesUpTo.get(quoted.join(" "), MANY_MATCHES)!.n >= MANY_MATCHES || matchesUpTo.get(query, MANY_MATCHES)!.n >= MANY_MATCHES;
    return (many ? searchMany : searchFew).all(query, limit);
  });

  const record = db.transaction(
    (feed: string, entries: readonly Entry[], now: number, announce?: (added: readonly Entry[], changed: readonly ChangedEntry[]) => readonly QueuedAnnouncement[]): RecordResult => {
      // Feeds in the wild repeat guids within one document; the first occurrence wins.
      const read: Entry[] = [];
      const keys = new Set<string>();
      for (const e of entries) if (!keys.has(e.key)) read.push(e) && keys.add(e.key);
      const unknownIds: Entry[] = [];
      const changed: ChangedEntry[] = [];
      for (const e of read) {
        const row = stored.get(feed, e.key, feed, e.key);
        if (row === undefined) {
          unknownIds.push(e);
          continue;
        }
        const hash = contentHash(e);
        if (row.content_hash === hash) continue;
        // The same post with new words: the stored post takes them (latest and search show them),
        // and where it was announced is handed to the caller, who may correct those messages.
        update.run({ rowid: row.rowid, ...fields(e), contentHash: hash });
        reindex.run(htmlToPlainText(e.title), htmlToPlainText(e.summaryHtml), row.rowid);
        // Known by an alias: the stored post's own id is the one its announcements name.
        const entry = { ...e, key: row.entry_key };
        if (row.content_hash !== null) changed.push({ entry, contentHash: hash, announced: announcedOf.all(feed, row.entry_key).map(toCopy) });
      }
      // A link many posts of the read share (a feed that links every item to its home page)
      // names no post; nor does one that more than one stored post has; and a link alone is not
      // enough: the stored post must also have the title or the date (a blog's move keeps both,
      // a feed that reuses one link for every new item changes them).
      const linkCount = new Map<string, number>();
      for (const e of read) {
        const k = linkKey(e.link);
        if (k !== undefined) linkCount.set(k, (linkCount.get(k) ?? 0) + 1);
      }
      const knownByLink = (e: Entry): string | undefined => {
        const k = linkKey(e.link);
        if (k === undefined || linkCount.get(k) !== 1) return undefined;
        const rows = linkMatches.all(feed, k);
        const match = rows.length === 1 ? rows[0]! : undefined;
        const sameDate = match?.published_at != null && match.published_at === e.published?.getTime();
        return match !== undefined && (match.title === e.title || sameDate) ? match.entry_key : undefined;
      };
      // Recognised under a new id: remembered as an alias, so the next read knows it by id.
      const recognised = (e: Entry, storedKey: string | undefined): boolean => {
        if (storedKey === undefined) return false;
        alias.run(feed, e.key, storedKey);
        return true;
      };
      const unknown = unknownIds.filter((e) => !recognised(e, knownByLink(e)));
      const mass = isMassIdChange(unknown.length, read.length);
      const added = unknown.filter((e) => !(mass && e.published !== undefined && recognised(e, titleDateMatch.get(feed, e.published.getTime(), e.title)?.entry_key)));
      for (const entry of added) {
        const { lastInsertRowid } = insert.run({
          feed,
          key: entry.key,
          ...fields(entry),
          published: entry.published?.getTime() ?? null,
          now,
          contentHash: contentHash(entry),
        });
        index.run(lastInsertRowid, htmlToPlainText(entry.title), htmlToPlainText(entry.summaryHtml));
      }
      let queued = 0;
      for (const a of announce?.(added, changed) ?? []) {
        queued += Number(queue.run(a.target.kind, a.target.address, feed, a.entryKey, a.footer ?? null, a.correction?.of ?? null, a.correction?.contentHash ?? null, now).changes);
      }
      return { added, changed, queued };
    },
  );

  return {
    // The SQLite driver is synchronous: the whole transaction, `announce` included, runs before
    // this resolves, exactly as it did before the interface became asynchronous.
    async record(feed, entries, now, announce) {
      return record(feed, entries, now, announce);
    },
    async latest(limit: number, feed?: string): Promise<StoredEntry[]> {
      return (feed ? latestOne.all(feed, limit) : latestAll.all(limit)).map(toStored);
    },
    async search(words: readonly string[], limit: number): Promise<StoredEntry[]> {
      if (words.length === 0) return [];
      return search(words, limit).map(toStored);
    },
    async newestByFeed(): Promise<Map<string, number>> {
      return new Map(newest.all().map((r) => [r.feed, r.newest]));
    },
  };
}

function fields(entry: Entry) {
  return {
    title: entry.title,
    link: entry.link ?? null,
    linkKey: linkKey(entry.link) ?? null,
    author: entry.author ?? null,
    summaryHtml: entry.summaryHtml,
    categories: JSON.stringify(entry.categories),
    media: JSON.stringify(entry.media ?? []),
  };
}

function toCopy(row: { id: number; target_kind: string; target: string; sent_at: number; corrections: number }): AnnouncedCopy {
  return { id: row.id, target: { kind: row.target_kind as TargetKind, address: row.target }, sentAt: row.sent_at, corrections: row.corrections };
}

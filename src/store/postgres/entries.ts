import type pg from "pg";
import type { Entry } from "../../sources/entry.js";
import type { AnnouncedCopy, ChangedEntry, EntryStore, QueuedAnnouncement, RecordResult, StoredEntry, TargetKind } from "../store.js";
import { contentHash, isMassIdChange, linkKey } from "../../sources/identity.js";
import { LOCKS, transaction, type Queryable } from "./database.js";
import { searchDocument, searchQuery } from "./search.js";
import { toStored } from "../entry-row.js";
import type { EntryRow } from "./rows.js";

// A post's date for ordering: its own date when it has one, else when we first saw it; ties go to
// the post stored last (SQLite's rowid order is entries.id here).
const WHEN = "COALESCE(e.published_at, e.first_seen_at)";
const COLUMNS = "e.id, e.feed, e.entry_key, e.title, e.link, e.author, e.summary_html, e.categories, e.media, e.published_at, e.first_seen_at";

type Announce = (added: readonly Entry[], changed: readonly ChangedEntry[]) => readonly QueuedAnnouncement[];

/** Posts in PostgreSQL, with the same rules as sqlite/entries.ts (read that file for the why). */
export function createEntryStore(pool: pg.Pool): EntryStore {
  return {
    record(feed, entries, now, announce) {
      return transaction(pool, (client) => record(client, feed, entries, now, announce));
    },
    async latest(limit, feed) {
      const { rows } = feed
        ? await pool.query<EntryRow>(`SELECT ${COLUMNS} FROM entries e WHERE e.feed = $1 ORDER BY ${WHEN} DESC, e.id DESC LIMIT $2`, [feed, limit])
        : await pool.query<EntryRow>(`SELECT ${COLUMNS} FROM entries e ORDER BY ${WHEN} DESC, e.id DESC LIMIT $1`, [limit]);
      return rows.map(toStored);
    },
    async search(words, limit): Promise<StoredEntry[]> {
      // The words become a tsquery literal built in search.ts: user input never reaches query syntax.
      const query = searchQuery(words);
      if (query === undefined) return [];
      const { rows } = await pool.query<EntryRow>(
        `SELECT ${COLUMNS} FROM entries e WHERE e.search @@ $1::tsquery ORDER BY ${WHEN} DESC, e.id DESC LIMIT $2`,
        [query, limit],
      );
      return rows.map(toStored);
    },
    async newestByFeed() {
      const { rows } = await pool.query<{ feed: string; newest: number }>(`SELECT e.feed, MAX(${WHEN}) AS newest FROM entries e GROUP BY e.feed`);
      return new Map(rows.map((r) => [r.feed, r.newest]));
    },
  };
}

async function record(db: Queryable, feed: string, entries: readonly Entry[], now: number, announce?: Announce): Promise<RecordResult> {
  // Reads of one feed are recorded one at a time, as SQLite's single writer does: two instances
  // recording the same feed at once would both find a post new.
  await db.query("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [LOCKS.feed, feed]);
  // Feeds in the wild repeat guids within one document; the first occurrence wins.
  const read: Entry[] = [];
  const keys = new Set<string>();
  for (const e of entries) if (!keys.has(e.key)) read.push(e) && keys.add(e.key);
  const unknownIds: Entry[] = [];
  const changed: ChangedEntry[] = [];
  const known = await storedByKey(db, feed, read.map((e) => e.key));
  for (const e of read) {
    const row = known.get(e.key);
    if (row === undefined) {
      unknownIds.push(e);
      continue;
    }
    const hash = contentHash(e);
    if (row.content_hash === hash) continue;
    // The same post with new words: the stored post takes them (latest and search show them),
    // and where it was announced is handed to the caller, who may correct those messages.
    const f = fields(e);
    await db.query(
      `UPDATE entries SET title = $2, link = $3, link_key = $4, author = $5, summary_html = $6, categories = $7, media = $8,
         content_hash = $9, search = $10::tsvector WHERE id = $1`,
      [row.id, f.title, f.link, f.linkKey, f.author, f.summaryHtml, f.categories, f.media, hash, searchDocument(e.title, e.summaryHtml)],
    );
    // Another id of this read may name the same post (its alias): it compares with the new words.
    for (const other of known.values()) if (other.id === row.id) other.content_hash = hash;
    // Known by an alias: the stored post's own id is the one its announcements name.
    const entry = { ...e, key: row.entry_key };
    if (row.content_hash !== null) changed.push({ entry, contentHash: hash, announced: await announcedOf(db, feed, row.entry_key) });
  }
  // A link many posts of the read share names no post; nor does one more than one stored post
  // has; and the stored post must also have the title or the date (sqlite/entries.ts explains).
  const linkCount = new Map<string, number>();
  for (const e of read) {
    const k = linkKey(e.link);
    if (k !== undefined) linkCount.set(k, (linkCount.get(k) ?? 0) + 1);
  }
  const knownByLink = async (e: Entry): Promise<string | undefined> => {
    const k = linkKey(e.link);
    if (k === undefined || linkCount.get(k) !== 1) return undefined;
    const { rows } = await db.query<{ entry_key: string; title: string; published_at: number | null }>(
      "SELECT entry_key, title, published_at FROM entries WHERE feed = $1 AND link_key = $2 LIMIT 2",
      [feed, k],
    );
    const match = rows.length === 1 ? rows[0]! : undefined;
    const sameDate = match?.published_at != null && match.published_at === e.published?.getTime();
    return match !== undefined && (match.title === e.title || sameDate) ? match.entry_key : undefined;
  };
  // Recognised under a new id: remembered as an alias, so the next read knows it by id.
  const recognised = async (e: Entry, storedKey: string | undefined): Promise<boolean> => {
    if (storedKey === undefined) return false;
    await db.query("INSERT INTO entry_aliases (feed, alias_key, entry_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [feed, e.key, storedKey]);
    return true;
  };
  const unknown: Entry[] = [];
  for (const e of unknownIds) if (!(await recognised(e, await knownByLink(e)))) unknown.push(e);
  const mass = isMassIdChange(unknown.length, read.length);
  const added: Entry[] = [];
  for (const e of unknown) {
    if (mass && e.published !== undefined) {
      const { rows } = await db.query<{ entry_key: string }>(
        "SELECT entry_key FROM entries WHERE feed = $1 AND published_at = $2 AND title = $3 ORDER BY id LIMIT 1",
        [feed, e.published.getTime(), e.title],
      );
      if (await recognised(e, rows[0]?.entry_key)) continue;
    }
    added.push(e);
  }
  for (const entry of added) {
    const f = fields(entry);
    await db.query(
      `INSERT INTO entries (feed, entry_key, title, link, link_key, author, summary_html, categories, media, published_at, first_seen_at, content_hash, search)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::tsvector)`,
      [feed, entry.key, f.title, f.link, f.linkKey, f.author, f.summaryHtml, f.categories, f.media, entry.published?.getTime() ?? null, now, contentHash(entry),
        searchDocument(entry.title, entry.summaryHtml)],
    );
  }
  let queued = 0;
  // DO NOTHING: a post is queued once per target (and a correction once per target and content).
  for (const a of announce?.(added, changed) ?? []) {
    const result = await db.query(
      `INSERT INTO announcements (target_kind, target, feed, entry_key, footer, correction_of, content_hash, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [a.target.kind, a.target.address, feed, a.entryKey, a.footer ?? null, a.correction?.of ?? null, a.correction?.contentHash ?? null, now],
    );
    queued += result.rowCount ?? 0;
  }
  return { added, changed, queued };
}

/**
 * The stored posts the read's ids name, in one query: by their own id, else by an alias (a post
 * recognised under a new id). The loop over the read changes only content hashes, and patches them here.
 */
async function storedByKey(db: Queryable, feed: string, keys: readonly string[]): Promise<Map<string, { id: number; entry_key: string; content_hash: string | null }>> {
  const { rows } = await db.query<{ key: string; id: number; entry_key: string; content_hash: string | null }>(
    `SELECT DISTINCT ON (key) key, id, entry_key, content_hash FROM (
       SELECT 0 AS via, entry_key AS key, id, entry_key, content_hash FROM entries WHERE feed = $1 AND entry_key = ANY($2::text[])
       UNION ALL SELECT 1, a.alias_key, e.id, e.entry_key, e.content_hash FROM entry_aliases a JOIN entries e ON e.feed = a.feed AND e.entry_key = a.entry_key
         WHERE a.feed = $1 AND a.alias_key = ANY($2::text[])) s
     ORDER BY key, via`,
    [feed, keys],
  );
  return new Map(rows.map((r) => [r.key, { id: r.id, entry_key: r.entry_key, content_hash: r.content_hash }]));
}

async function announcedOf(db: Queryable, feed: string, entryKey: string): Promise<AnnouncedCopy[]> {
  const { rows } = await db.query<{ id: number; target_kind: string; target: string; sent_at: number; corrections: number }>(
    `SELECT a.id, a.target_kind, a.target, a.sent_at, (SELECT COUNT(*) FROM announcements c WHERE c.correction_of = a.id) AS corrections
      FROM announcements a WHERE a.feed = $1 AND a.entry_key = $2 AND a.correction_of IS NULL AND a.state = 'sent' AND a.stanza_id IS NOT NULL ORDER BY a.id`,
    [feed, entryKey],
  );
  return rows.map((r) => ({ id: r.id, target: { kind: r.target_kind as TargetKind, address: r.target }, sentAt: r.sent_at, corrections: r.corrections }));
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

/**
 * `herald migrate-store --from data/herald.db --to postgres://…`: copies a SQLite store into an
 * empty PostgreSQL database, every row with its id, in one PostgreSQL transaction, verified by
 * counting each table on both sides before it commits. Both databases are first brought to this
 * Herald's schema version, so the columns on both sides mean the same.
 *
 * The source is read in one SQLite read transaction: a Herald still running on it may keep writing,
 * the copy is a consistent snapshot (stop that Herald before pointing it at PostgreSQL, or what it
 * writes meanwhile stays behind in the file).
 */
import { existsSync } from "node:fs";
import type pg from "pg";
import { openDatabase, type Db } from "./sqlite/database.js";
import { migrations as sqliteMigrations } from "./sqlite/migrations.js";
import { openPool, schemaVersion, transaction } from "./postgres/database.js";
import { SCHEMA_VERSION } from "./postgres/migrations.js";
import { searchDocument } from "./postgres/search.js";
import { isPostgresUrl, redact } from "./location.js";

interface TableCopy {
  readonly table: string;
  /** Columns by their name in both databases. */
  readonly columns: readonly string[];
  /** An identity column whose sequence must continue after the copied ids. */
  readonly identity?: string;
}

/**
 * Every table of schema version 13, parents before children (foreign keys). entries.id is SQLite's
 * rowid; announcements are copied in id order, so a correction's original is there before it.
 */
const TABLES: readonly TableCopy[] = [
  { table: "feed_state", columns: ["feed", "url", "title", "etag", "last_modified", "baseline_at", "last_polled_at", "last_ok_at", "last_error", "error_since", "link", "failure_reported_at", "gone_at"] },
  { table: "entries", identity: "id", columns: ["id", "feed", "entry_key", "title", "link", "author", "summary_html", "categories", "published_at", "first_seen_at", "link_key", "content_hash", "media"] },
  { table: "entry_aliases", columns: ["feed", "alias_key", "entry_key"] },
  { table: "announcements", identity: "id", columns: ["id", "target_kind", "target", "feed", "entry_key", "body", "footer", "correction_of", "content_hash", "state", "created_at", "sent_at", "stanza_id"] },
  { table: "digests", columns: ["room", "period_end", "posts", "created_at"] },
  { table: "subscriptions", columns: ["jid", "feed", "created_at", "terms"] },
  { table: "refusals", columns: ["target_kind", "target", "reason", "since", "told_at"] },
  { table: "feeds", columns: ["name", "spec", "origin", "file_hash", "removed", "changed_at"] },
  { table: "rooms", columns: ["jid", "spec", "origin", "file_hash", "removed", "changed_at"] },
  { table: "pubsub_nodes", columns: ["address", "spec", "origin", "file_hash", "removed", "changed_at"] },
];

/** Rows read from SQLite per round, and at most this many parameters per INSERT (PostgreSQL allows 65535). */
const BATCH_ROWS = 500;
const MAX_PARAMETERS = 60_000;

export class MigrateStoreError extends Error {
  override name = "MigrateStoreError";
}

/** Copies the SQLite store at `from` into the empty PostgreSQL database at `to`; returns the rows per table. */
export async function migrateStore(from: string, to: string, log: (line: string) => void): Promise<Map<string, number>> {
  if (!isPostgresUrl(to)) throw new MigrateStoreError(`--to must be a postgres:// or postgresql:// URL, not ${to}`);
  if (from === ":memory:" || !existsSync(from)) throw new MigrateStoreError(`--from: no SQLite store at ${from}`);
  if (SCHEMA_VERSION !== sqliteMigrations.length || SCHEMA_VERSION !== 14) {
    // The table list above describes version 14 (whose PostgreSQL-only lease tables hold nothing
    // to copy: leases are taken afresh); a new schema version must extend it.
    throw new MigrateStoreError(`migrate-store copies schema version 14; this Herald is at ${sqliteMigrations.length}: update TABLES`);
  }
  const target = redact(to);
  const db = await openDatabase(from);
  let pool: pg.Pool | undefined;
  try {
    const sourceVersion = Number(db.pragma("user_version"));
    pool = await openPool(to, { max: 2 });
    const targetVersion = await schemaVersion(pool);
    if (sourceVersion !== SCHEMA_VERSION || targetVersion !== SCHEMA_VERSION) {
      throw new MigrateStoreError(`schema versions differ: ${from} is at ${sourceVersion}, ${target} at ${targetVersion}, this Herald at ${SCHEMA_VERSION}`);
    }
    log(`copying ${from} (schema version ${sourceVersion}) to ${target}`);
    db.exec("BEGIN"); // one snapshot of the source
    try {
      const counts = await transaction(pool, (client) => copy(db, client, target, log));
      for (const [table, n] of counts) log(`${table}: ${n} rows`);
      log(`done: ${[...counts.values()].reduce((a, b) => a + b, 0)} rows in ${counts.size} tables, counts verified`);
      return counts;
    } finally {
      db.exec("COMMIT");
    }
  } finally {
    db.close();
    await pool?.end();
  }
}

async function copy(db: Db, client: pg.PoolClient, target: string, log: (line: string) => void): Promise<Map<string, number>> {
  // Nobody else writes the target while it is filled (a Herald started on it too early waits).
  await client.query(`LOCK TABLE ${TABLES.map((t) => t.table).join(", ")} IN EXCLUSIVE MODE`);
  const used: string[] = [];
  for (const { table } of TABLES) {
    const { rows } = await client.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
    if (rows[0]!.n > 0) used.push(`${table} (${rows[0]!.n})`);
  }
  if (used.length > 0) throw new MigrateStoreError(`${target} is not empty: ${used.join(", ")}; migrate-store only fills an empty database`);

  const counts = new Map<string, number>();
  for (const spec of TABLES) {
    const source = Number(db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${spec.table}`).get()!.n);
    let copied = 0;
    // Keyset pages by rowid (every one of these tables has one): bounded memory, source order.
    const select = db.prepare<[number, number], Record<string, unknown> & { _rowid: number }>(
      `SELECT rowid AS _rowid, ${spec.columns.map((c) => (c === "id" && spec.table === "entries" ? "rowid AS id" : c)).join(", ")}
       FROM ${spec.table} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
    );
    const withSearch = spec.table === "entries";
    const columns = withSearch ? [...spec.columns, "search"] : [...spec.columns];
    const perInsert = Math.max(1, Math.min(BATCH_ROWS, Math.floor(MAX_PARAMETERS / columns.length)));
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const rows = select.all(after, perInsert);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!._rowid;
      const values: unknown[] = [];
      const tuples = rows.map((row) => {
        const start = values.length;
        for (const c of spec.columns) values.push(row[c] ?? null);
        if (withSearch) values.push(searchDocument(String(row.title), String(row.summary_html)));
        return `(${columns.map((c, i) => `$${start + i + 1}${c === "search" ? "::tsvector" : ""}`).join(", ")})`;
      });
      await client.query(`INSERT INTO ${spec.table} (${columns.join(", ")}) VALUES ${tuples.join(", ")}`, values);
      copied += rows.length;
    }
    if (spec.identity) await continueSequence(db, client, spec.table, spec.identity);
    const { rows } = await client.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${spec.table}`);
    const landed = rows[0]!.n;
    if (landed !== source || copied !== source) {
      throw new MigrateStoreError(`${spec.table}: ${source} rows in the source, ${copied} copied, ${landed} in the target; nothing was committed`);
    }
    counts.set(spec.table, landed);
    log(`${spec.table}: copied ${landed}`);
  }
  return counts;
}

/**
 * New ids continue after the copied ones, and after any SQLite handed out and then deleted
 * (AUTOINCREMENT's sqlite_sequence): an id is never reused, as in SQLite.
 */
async function continueSequence(db: Db, client: pg.PoolClient, table: string, column: string): Promise<void> {
  const max = Number(db.prepare<[], { m: number | null }>(`SELECT MAX(rowid) AS m FROM ${table}`).get()?.m ?? 0);
  const hasSequenceTable = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'sqlite_sequence'").get()!.n > 0;
  const seq = hasSequenceTable ? Number(db.prepare<[string], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = ?").get(table)?.seq ?? 0) : 0;
  const last = Math.max(max, seq);
  // setval(…, n, true): the next id is n + 1; with nothing used yet, setval(…, 1, false): the next is 1.
  await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), $3, $4)`, [table, column, Math.max(last, 1), last > 0]);
}

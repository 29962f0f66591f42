import type pg from "pg";
import type { LiveChange, LiveRow, LiveTable, LiveTableName } from "../store.js";
import { transaction, type Queryable } from "./database.js";

interface Row {
  key: string;
  spec: string;
  origin: "file" | "admin";
  file_hash: string | null;
  removed: number;
}

const KEY_COLUMN: Record<LiveTableName, string> = { feeds: "name", rooms: "jid", pubsub_nodes: "address" };

function keyColumn(table: LiveTableName): string {
  const column = KEY_COLUMN[table];
  if (!column) throw new Error(`no live table ${String(table)}`); // table names reach SQL: only these three
  return column;
}

async function put(db: Queryable, table: LiveTableName, row: LiveRow<unknown>, now: number): Promise<void> {
  const key = keyColumn(table);
  await db.query(
    `INSERT INTO ${table} (${key}, spec, origin, file_hash, removed, changed_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (${key}) DO UPDATE SET spec = EXCLUDED.spec, origin = EXCLUDED.origin, file_hash = EXCLUDED.file_hash,
       removed = EXCLUDED.removed, changed_at = EXCLUDED.changed_at`,
    [row.key, JSON.stringify(row.spec), row.origin, row.fileHash ?? null, row.removed ? 1 : 0, now],
  );
}

async function remove(db: Queryable, table: LiveTableName, key: string): Promise<void> {
  await db.query(`DELETE FROM ${table} WHERE ${keyColumn(table)} = $1`, [key]);
}

/** A table of the live configuration; the spec is stored as JSON text. */
export function createLiveTable<T>(pool: pg.Pool, table: LiveTableName, now: () => number): LiveTable<T> {
  const key = keyColumn(table);
  return {
    async all(): Promise<LiveRow<T>[]> {
      // COLLATE "C": byte order, as SQLite sorts text, whatever the database's locale.
      const { rows } = await pool.query<Row>(`SELECT ${key} AS key, spec, origin, file_hash, removed FROM ${table} ORDER BY ${key} COLLATE "C"`);
      return rows.map((r) => ({ key: r.key, spec: JSON.parse(r.spec) as T, origin: r.origin, fileHash: r.file_hash ?? undefined, removed: r.removed === 1 }));
    },
    put: (row: LiveRow<T>) => put(pool, table, row, now()),
    delete: (k: string) => remove(pool, table, k),
  };
}

/** Several live-table writes in one transaction, in order: all of them or none. */
export function applyLive(pool: pg.Pool, changes: readonly LiveChange[], now: () => number): Promise<void> {
  return transaction(pool, async (db) => {
    for (const change of changes) {
      if ("put" in change) await put(db, change.table, change.put, now());
      else await remove(db, change.table, change.delete);
    }
  });
}

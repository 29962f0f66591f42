import type { Db } from "./engine.js";
import type { LiveRow, LiveTable } from "../store.js";

interface Row {
  key: string;
  spec: string;
  origin: "file" | "admin";
  file_hash: string | null;
  removed: number;
}

/** A table of the live configuration; the spec is stored as JSON. */
export function createLiveTable<T>(db: Db, table: "feeds" | "rooms" | "pubsub_nodes", now: () => number): LiveTable<T> {
  const keyColumn = { feeds: "name", rooms: "jid", pubsub_nodes: "address" }[table];
  const all = db.prepare<[], Row>(`SELECT ${keyColumn} AS key, spec, origin, file_hash, removed FROM ${table} ORDER BY ${keyColumn}`);
  const put = db.prepare(`INSERT INTO ${table} (${keyColumn}, spec, origin, file_hash, removed, changed_at)
      VALUES (@key, @spec, @origin, @fileHash, @removed, @now)
      ON CONFLICT (${keyColumn}) DO UPDATE SET spec = @spec, origin = @origin, file_hash = @fileHash, removed = @removed, changed_at = @now`);
  const del = db.prepare(`DELETE FROM ${table} WHERE ${keyColumn} = ?`);

  return {
    all(): LiveRow<T>[] {
      return all.all().map((r) => ({
        key: r.key,
        spec: JSON.parse(r.spec) as T,
        origin: r.origin,
        fileHash: r.file_hash ?? undefined,
        removed: r.removed === 1,
      }));
    },
    put(row: LiveRow<T>): void {
      put.run({ key: row.key, spec: JSON.stringify(row.spec), origin: row.origin, fileHash: row.fileHash ?? null, removed: row.removed ? 1 : 0, now: now() });
    },
    delete(key: string): void {
      del.run(key);
    },
  };
}

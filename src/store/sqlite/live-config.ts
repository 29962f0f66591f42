import type { Db } from "./engine.js";
import type { LiveChange, LiveRow, LiveTable, LiveTableName } from "../store.js";

interface Row {
  key: string;
  spec: string;
  origin: "file" | "admin";
  file_hash: string | null;
  removed: number;
}

/** A live table's statements, synchronous, so several writes can share one SQLite transaction. */
interface SyncLiveTable<T> {
  all(): LiveRow<T>[];
  put(row: LiveRow<T>): void;
  delete(key: string): void;
}

function createSyncLiveTable<T>(db: Db, table: LiveTableName, now: () => number): SyncLiveTable<T> {
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

/** The live configuration's tables; each spec is stored as JSON. */
export function createLiveTables(db: Db, now: () => number) {
  const tables = {
    feeds: createSyncLiveTable<unknown>(db, "feeds", now),
    rooms: createSyncLiveTable<unknown>(db, "rooms", now),
    pubsub_nodes: createSyncLiveTable<unknown>(db, "pubsub_nodes", now),
  } satisfies Record<LiveTableName, SyncLiveTable<unknown>>;

  const apply = db.transaction((changes: readonly LiveChange[]): void => {
    for (const change of changes) {
      if ("put" in change) tables[change.table].put(change.put);
      else tables[change.table].delete(change.delete);
    }
  });

  return {
    /** One table, asynchronous as the Store interface asks. */
    table<T>(name: LiveTableName): LiveTable<T> {
      const t = tables[name] as SyncLiveTable<T>;
      return {
        all: async () => t.all(),
        put: async (row) => t.put(row),
        delete: async (key) => t.delete(key),
      };
    },
    /** Several writes in one SQLite transaction, in order: all or none. */
    async apply(changes: readonly LiveChange[]): Promise<void> {
      if (changes.length > 0) apply(changes);
    },
  };
}

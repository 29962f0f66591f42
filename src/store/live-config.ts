import { createHash } from "node:crypto";
import type { Db } from "./db.js";

/**
 * Rows of the live configuration: feeds and rooms as they are now, whoever made them.
 * `origin` says who made the item; `file_hash` is the config file's definition of it when that
 * definition was last applied, so a later edit of the file can be told from an unchanged file.
 */
export interface LiveRow<T> {
  readonly key: string;
  readonly spec: T;
  readonly origin: "file" | "admin";
  readonly fileHash: string | undefined;
  readonly removed: boolean;
}

interface Row {
  key: string;
  spec: string;
  origin: "file" | "admin";
  file_hash: string | null;
  removed: number;
}

export type LiveTable<T> = ReturnType<typeof createLiveTable<T>>;

export function createLiveTable<T>(db: Db, table: "feeds" | "rooms", now: () => number) {
  const keyColumn = table === "feeds" ? "name" : "jid";
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
    transaction<R>(fn: () => R): R {
      return db.transaction(fn)();
    },
  };
}

/** A stable fingerprint of a definition in the config file. */
export function fingerprint(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 32);
}

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { migrations } from "./migrations.js";

import { openSqlite, type Db } from "./engine.js";

export type { Db } from "./engine.js";
import { DatabaseTooNewError } from "../store.js";
export { DatabaseTooNewError } from "../store.js";

/**
 * Opens (creating if needed) the SQLite file and applies pending migrations.
 * Migrations are an ordered list applied by PRAGMA user_version, each in its own transaction,
 * so a crash mid-migration leaves the previous version intact.
 */
export async function openDatabase(path: string): Promise<Db> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = await openSqlite(path);
  // WAL: readers (commands) never block the poller's writes; NORMAL sync is durable across
  // process crashes (SIGKILL), which is what "never lose a post" needs here.
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  try {
    migrate(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function migrate(db: Db, path: string): void {
  const current = Number(db.pragma("user_version"));
  if (current > migrations.length) throw new DatabaseTooNewError(path, current, migrations.length);
  for (let version = current; version < migrations.length; version++) {
    const step = migrations[version]!;
    db.transaction(() => {
      if (typeof step === "string") db.exec(step);
      else step(db);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

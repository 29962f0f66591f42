/**
 * The embedded SQLite engine behind one small interface. On Node 24 (the supported runtime) it is
 * the built-in node:sqlite; on Node 20, which has none, better-sqlite3. better-sqlite3 12.x cannot
 * be the engine on Node 24: its statements use Node's raw ObjectWrap, whose destructor on Node 24
 * trips `RemoveEnvironmentCleanupHook: (env) != nullptr` during garbage collection and aborts the
 * process (seen here in CI; WiseLibs/better-sqlite3#1515, closed without a fix for 12.x), and
 * better-sqlite3 13 (which fixes it) no longer supports Node 20.
 */

export interface RunResult {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

// Parameters are positional values or one object of named values (@name in SQL).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Statement<P extends unknown[] = any[], R = any> {
  run(...params: P): RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
  iterate(...params: P): IterableIterator<R>;
}

export interface Db {
  readonly engine: "node:sqlite" | "better-sqlite3";
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  prepare<P extends unknown[] = any[], R = any>(sql: string): Statement<P, R>;
  exec(sql: string): void;
  /** Wraps `fn` in a transaction (a savepoint when nested); rolls back if it throws. */
  transaction<A extends unknown[], T>(fn: (...args: A) => T): (...args: A) => T;
  /** Runs a PRAGMA and returns the first column of its first row. */
  pragma(text: string): unknown;
  close(): void;
}

interface NodeSqlite {
  DatabaseSync: new (path: string) => {
    prepare(sql: string): Statement;
    exec(sql: string): void;
    close(): void;
  };
}

/** Opens a database file (created if missing) with whichever engine this Node has. */
export async function openSqlite(path: string): Promise<Db> {
  const builtin = nodeSqlite();
  if (builtin) return fromNodeSqlite(new builtin.DatabaseSync(path));
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(path);
  return {
    engine: "better-sqlite3",
    prepare: (sql) => db.prepare(sql) as unknown as Statement,
    exec: (sql) => void db.exec(sql),
    transaction: (fn) => db.transaction(fn),
    pragma: (text) => db.pragma(text, { simple: true }),
    close: () => db.close(),
  };
}

function nodeSqlite(): NodeSqlite | undefined {
  if (process.env.HERALD_SQLITE === "better-sqlite3") return undefined;
  try {
    // Node 20 has no node:sqlite (undefined); Node 22 before 22.13 needs a flag (it throws).
    return process.getBuiltinModule?.("node:sqlite") as NodeSqlite | undefined;
  } catch {
    return undefined;
  }
}

function fromNodeSqlite(db: InstanceType<NodeSqlite["DatabaseSync"]>): Db {
  let depth = 0;
  return {
    engine: "node:sqlite",
    prepare: (sql) => db.prepare(sql),
    exec: (sql) => db.exec(sql),
    transaction:
      (fn) =>
      (...args) => {
        const savepoint = `herald_${depth}`;
        db.exec(depth === 0 ? "BEGIN" : `SAVEPOINT ${savepoint}`);
        depth++;
        try {
          const result = fn(...args);
          depth--;
          db.exec(depth === 0 ? "COMMIT" : `RELEASE ${savepoint}`);
          return result;
        } catch (err) {
          depth--;
          db.exec(depth === 0 ? "ROLLBACK" : `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
          throw err;
        }
      },
    pragma: (text) => {
      const row = db.prepare(`PRAGMA ${text}`).get() as Record<string, unknown> | undefined;
      return row ? Object.values(row)[0] : undefined;
    },
    close: () => db.close(),
  };
}

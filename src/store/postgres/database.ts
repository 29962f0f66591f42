import pg from "pg";
import { DatabaseTooNewError } from "../store.js";
import { migrations, SCHEMA_VERSION } from "./migrations.js";
import { redact } from "../location.js";

/** A pool or one pooled client inside a transaction: whatever runs a query. */
export type Queryable = Pick<pg.ClientBase, "query">;

/**
 * Advisory lock namespaces (the first key of pg_advisory_xact_lock(int, int)); "HRL" + a digit, so
 * Herald's locks are unlikely to meet another application's in a shared database.
 */
export const LOCKS = { migrate: 0x48524c30, feed: 0x48524c31, digest: 0x48524c32 } as const;

// BIGINT (ms times, ids, counts) comes back as a JS number, not a string: every value Herald stores
// is far below 2^53. Set on this pool only, not globally for whoever else uses pg in the process.
const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
};

/**
 * PostgreSQL text cannot hold U+0000 ("invalid byte sequence for encoding UTF8: 0x00"), SQLite's
 * can, and feeds do send it (a NUL in a title). Every string parameter loses its NULs on the way
 * in, lookups as well as writes, so a key is found under the same (stripped) value it was stored
 * with. The formatter drops control characters anyway: nothing a room sees changes.
 */
export function withoutNul(value: unknown): unknown {
  if (typeof value === "string") return value.includes("\u0000") ? value.replaceAll("\u0000", "") : value;
  if (Array.isArray(value)) return value.map(withoutNul);
  return value;
}

/** pg.Client whose queries pass their parameters through withoutNul; the pool (and pool.query) use it. */
class NulFreeClient extends pg.Client {
  // pg's query() has many overloads; the values are the second argument in every form that has them.
  override query(...args: unknown[]): never {
    if (Array.isArray(args[1])) args[1] = args[1].map(withoutNul);
    else if (typeof args[0] === "object" && args[0] !== null && !("submit" in args[0]) && Array.isArray((args[0] as { values?: unknown }).values)) {
      const config = args[0] as { values: unknown[] };
      args[0] = { ...config, values: config.values.map(withoutNul) };
    }
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}

/** A pool on `url`, with the schema brought to this Herald's version. */
export async function openPool(url: string, options: { max?: number } = {}): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, types, max: options.max ?? 10, Client: NulFreeClient });
  // An idle client losing its connection (server restart) must not crash the process; the pool
  // drops it and the next query opens a new one.
  pool.on("error", () => {});
  try {
    await migrate(pool, url);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return pool;
}

/**
 * Runs `fn` in a transaction on one pooled client: BEGIN, COMMIT, or ROLLBACK if it throws. The
 * client always goes back to the pool (destroyed, if even the ROLLBACK failed).
 */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
    throw err;
  } finally {
    client.release(broken);
  }
}

/** The schema version a database is at (0: none yet). */
export async function schemaVersion(db: Queryable): Promise<number> {
  const exists = await db.query<{ t: string | null }>("SELECT to_regclass('herald_schema')::text AS t");
  if (exists.rows[0]?.t == null) return 0;
  const { rows } = await db.query<{ version: number }>("SELECT version FROM herald_schema");
  return rows[0]?.version ?? 0;
}

/**
 * Applies pending migrations in one transaction under an advisory lock, so two instances starting
 * together do not both migrate: the second waits, then finds the schema current. A database at a
 * newer version than this Herald knows is refused.
 */
async function migrate(pool: pg.Pool, url: string): Promise<void> {
  await transaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1::int, 0)", [LOCKS.migrate]);
    await client.query(`CREATE TABLE IF NOT EXISTS herald_schema (
        one     BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
        version INTEGER NOT NULL
      )`);
    const current = await schemaVersion(client);
    if (current > SCHEMA_VERSION) throw new DatabaseTooNewError(redact(url), current, SCHEMA_VERSION);
    if (current === SCHEMA_VERSION) return;
    for (const step of migrations) {
      if (step.to <= current) continue;
      await client.query(step.sql);
    }
    await client.query(
      "INSERT INTO herald_schema (one, version) VALUES (TRUE, $1) ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version",
      [SCHEMA_VERSION],
    );
  });
}

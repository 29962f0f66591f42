import pg from "pg";
import type { ClusterStore, InstanceRow, LeaseGrant } from "../store.js";
import type { Queryable } from "./database.js";

/** The database's clock in ms: every expiry is counted on it, whatever the instances' clocks say. */
const DB_NOW = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

/** How long a lost LISTEN connection waits before it is opened again. */
const RELISTEN_MS = 2_000;

/**
 * Leases in PostgreSQL (herald_leases, herald_instances; migration 14). Taking a lease locks the
 * free rows it takes with FOR UPDATE SKIP LOCKED, so instances asking at once take different rows
 * instead of queueing behind each other; each change of hands bumps the generation.
 */
export function createClusterStore(pool: Queryable, url: string): ClusterStore {
  return {
    async heartbeat(holder, name, online, ttlMs) {
      const { rows } = await pool.query<{ holder: string; name: string; online: boolean; started_at: number }>(
        `WITH me AS (
           INSERT INTO herald_instances (holder, name, online, started_at, expires_at)
           VALUES ($1, $2, $3, ${DB_NOW}, ${DB_NOW} + $4)
           ON CONFLICT (holder) DO UPDATE SET online = EXCLUDED.online, expires_at = EXCLUDED.expires_at
           RETURNING holder, name, online, started_at
         )
         SELECT holder, name, online, started_at FROM me
         UNION ALL
         SELECT holder, name, online, started_at FROM herald_instances WHERE holder <> $1 AND expires_at > ${DB_NOW}
         ORDER BY started_at, holder`,
        [holder, name, online, ttlMs],
      );
      // Instances long gone leave no rows behind (an hour past their expiry), nor do leases nobody
      // took for an hour (a person's, once nothing waited for them): acquire() makes a row again.
      // Not sooner: a row kept keeps its generation counting up, so a lease that changes hands
      // never gets a generation it had before.
      await pool.query(`DELETE FROM herald_instances WHERE expires_at < ${DB_NOW} - 3600000`);
      await pool.query(`DELETE FROM herald_leases WHERE expires_at < ${DB_NOW} - 3600000`);
      return rows.map((r): InstanceRow => ({ holder: r.holder, name: r.name, online: r.online, startedAt: r.started_at }));
    },

    async renew(holder, ttlMs) {
      const { rows } = await pool.query<{ resource: string; generation: number }>(
        `UPDATE herald_leases SET expires_at = ${DB_NOW} + $2
         WHERE holder = $1 AND expires_at > ${DB_NOW}
         RETURNING resource, generation`,
        [holder, ttlMs],
      );
      return rows.map((r): LeaseGrant => ({ resource: r.resource, generation: r.generation }));
    },

    async acquire(holder, resources, limit, ttlMs) {
      if (resources.length === 0 || limit <= 0) return [];
      // Rows for resources never leased before, free; ON CONFLICT leaves existing ones alone.
      await pool.query(
        "INSERT INTO herald_leases (resource) SELECT unnest($1::text[]) ON CONFLICT (resource) DO NOTHING",
        [resources],
      );
      // Each instance prefers the resources in its own order (a hash of its name with theirs), so
      // instances taking at once mostly want different rows.
      const { rows } = await pool.query<{ resource: string; generation: number }>(
        `WITH free AS (
           SELECT resource FROM herald_leases
           WHERE resource = ANY($2::text[]) AND (holder IS NULL OR expires_at <= ${DB_NOW})
           ORDER BY md5(resource || $1)
           LIMIT $3
           FOR UPDATE SKIP LOCKED
         )
         UPDATE herald_leases l SET holder = $1, generation = l.generation + 1, expires_at = ${DB_NOW} + $4
         FROM free WHERE l.resource = free.resource
         RETURNING l.resource, l.generation`,
        [holder, resources, limit, ttlMs],
      );
      return rows.map((r): LeaseGrant => ({ resource: r.resource, generation: r.generation }));
    },

    async release(holder, resources) {
      if (resources.length === 0) return;
      // Expired now (not 0): the row's age tells the clean-up in heartbeat() when it was last used.
      await pool.query(`UPDATE herald_leases SET holder = NULL, expires_at = ${DB_NOW} WHERE holder = $1 AND resource = ANY($2::text[])`, [holder, resources]);
    },

    async leave(holder) {
      await pool.query(`UPDATE herald_leases SET holder = NULL, expires_at = ${DB_NOW} WHERE holder = $1`, [holder]);
      await pool.query("DELETE FROM herald_instances WHERE holder = $1", [holder]);
    },

    async claim(key, keepMs) {
      // A claim older than keepMs is over: the same key (a client reusing ids) is claimed afresh.
      const { rowCount } = await pool.query(
        `INSERT INTO herald_claims (key, claimed_at) VALUES ($1, ${DB_NOW})
         ON CONFLICT (key) DO UPDATE SET claimed_at = EXCLUDED.claimed_at WHERE herald_claims.claimed_at < EXCLUDED.claimed_at - $2::bigint`,
        [key, keepMs],
      );
      // Old claims go now and then (about one claim in fifty cleans up).
      if (Math.random() < 0.02) await pool.query(`DELETE FROM herald_claims WHERE claimed_at < ${DB_NOW} - $1::bigint`, [keepMs]);
      return rowCount === 1;
    },

    async holders(prefix) {
      const { rows } = await pool.query<{ resource: string; holder: string }>(
        `SELECT resource, holder FROM herald_leases WHERE starts_with(resource, $1) AND holder IS NOT NULL AND expires_at > ${DB_NOW}`,
        [prefix],
      );
      return new Map(rows.map((r) => [r.resource, r.holder]));
    },

    async holdings() {
      const { rows } = await pool.query<{ holder: string; kind: string; count: number }>(
        `SELECT holder, split_part(resource, ':', 1) AS kind, count(*)::int AS count FROM herald_leases
         WHERE holder IS NOT NULL AND expires_at > ${DB_NOW}
         GROUP BY 1, 2 ORDER BY 1, 2`,
      );
      return rows;
    },

    async listen(listener) {
      let stopped = false;
      let client: pg.Client | undefined;
      let timer: NodeJS.Timeout | undefined;
      /**
       * Opens one LISTEN connection. Whatever ends it (an error, the server closing it, a failed
       * connect or LISTEN: pg may report one failure as both an event and a rejection) ends it
       * once, and at most one reopening is ever waiting.
       */
      const open = async (): Promise<void> => {
        const c = new pg.Client({ connectionString: url, keepAlive: true });
        let ended = false;
        const end = (): boolean => {
          if (ended) return false;
          ended = true;
          if (client === c) client = undefined;
          c.removeAllListeners("notification");
          c.end().catch(() => undefined);
          return true;
        };
        const lost = () => {
          if (end() && !stopped) reopenLater();
        };
        c.on("error", lost);
        c.on("end", lost);
        c.on("notification", (n) => {
          if (n.channel === "herald_outbox") listener("outbox", n.payload ?? "");
          else if (n.channel === "herald_config") listener("config", n.payload ?? "");
        });
        client = c;
        try {
          await c.connect();
          await c.query("LISTEN herald_outbox");
          await c.query("LISTEN herald_config");
        } catch (err) {
          end();
          throw err;
        }
      };
      // A lost connection is opened again; meanwhile the lease rounds sweep for what was missed.
      const reopenLater = () => {
        clearTimeout(timer);
        timer = setTimeout(() => void open().catch(() => (stopped ? undefined : reopenLater())), RELISTEN_MS);
      };
      try {
        await open();
      } catch (err) {
        // Not listening at all: nothing may go on trying behind the caller's back.
        stopped = true;
        clearTimeout(timer);
        throw err;
      }
      return async () => {
        stopped = true;
        clearTimeout(timer);
        const c = client;
        client = undefined;
        await c?.end().catch(() => undefined);
      };
    },
  };
}

import type { LiveTableName, Store } from "../store.js";
import { openPool } from "./database.js";
import { createEntryStore } from "./entries.js";
import { createFeedStateStore } from "./feed-state.js";
import { createOutbox } from "./outbox.js";
import { createSubscriptionStore } from "./subscriptions.js";
import { createDigestStore } from "./digests.js";
import { applyLive, createLiveTable } from "./live-config.js";
import { createRefusalStore } from "./refusals.js";
import { createClusterStore } from "./cluster.js";

/**
 * The server engine: a PostgreSQL database at `url` (postgres://user:pass@host:port/db), created
 * schema and all if empty, through a pool of node-postgres clients. Several Herald instances may
 * share one database; what must not run twice at once (migrations, recording one feed's read,
 * closing one room's digest) takes an advisory lock inside its transaction.
 */
export async function openPostgresStore(url: string, now: () => number): Promise<Store> {
  const pool = await openPool(url);
  return {
    engine: "postgresql (node-postgres)",
    entries: createEntryStore(pool),
    feedState: createFeedStateStore(pool),
    outbox: createOutbox(pool),
    subscriptions: createSubscriptionStore(pool, now),
    digests: createDigestStore(pool),
    refusals: createRefusalStore(pool),
    liveTable: <T>(table: LiveTableName) => createLiveTable<T>(pool, table, now),
    applyLive: (changes) => applyLive(pool, changes, now),
    cluster: createClusterStore(pool, url),
    close: () => pool.end(),
  };
}

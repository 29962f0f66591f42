import type { Store } from "../store.js";
import { openDatabase } from "./database.js";
import { createEntryStore } from "./entries.js";
import { createFeedStateStore } from "./feed-state.js";
import { createOutbox } from "./outbox.js";
import { createSubscriptionStore } from "./subscriptions.js";
import { createDigestStore } from "./digests.js";
import { createLiveTable } from "./live-config.js";
import { createRefusalStore } from "./refusals.js";

/** The embedded engine: one SQLite file (created and migrated if needed). */
export async function openSqliteStore(path: string, now: () => number): Promise<Store> {
  const db = await openDatabase(path);
  const outbox = createOutbox(db);
  return {
    engine: `sqlite (${db.engine})`,
    entries: createEntryStore(db),
    feedState: createFeedStateStore(db),
    outbox,
    subscriptions: createSubscriptionStore(db, now),
    digests: createDigestStore(db, outbox),
    refusals: createRefusalStore(db),
    liveTable: <T>(table: "feeds" | "rooms" | "pubsub_nodes") => createLiveTable<T>(db, table, now),
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    close: () => db.close(),
  };
}

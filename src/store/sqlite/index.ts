import type { LiveTableName, Store } from "../store.js";
import { openDatabase } from "./database.js";
import { createEntryStore } from "./entries.js";
import { createFeedStateStore } from "./feed-state.js";
import { createOutbox } from "./outbox.js";
import { createSubscriptionStore } from "./subscriptions.js";
import { createDigestStore } from "./digests.js";
import { createLiveTables } from "./live-config.js";
import { createRefusalStore } from "./refusals.js";

/** The embedded engine: one SQLite file (created and migrated if needed). */
export async function openSqliteStore(path: string, now: () => number): Promise<Store> {
  const db = await openDatabase(path);
  const live = createLiveTables(db, now);
  return {
    engine: `sqlite (${db.engine})`,
    entries: createEntryStore(db),
    feedState: createFeedStateStore(db),
    outbox: createOutbox(db),
    subscriptions: createSubscriptionStore(db, now),
    digests: createDigestStore(db),
    refusals: createRefusalStore(db),
    liveTable: <T>(table: LiveTableName) => live.table<T>(table),
    applyLive: (changes) => live.apply(changes),
    close: async () => db.close(),
  };
}

import type { Store } from "./store.js";
import { openSqliteStore } from "./sqlite/index.js";

/**
 * Opens the store named by the config's `store`: today always a SQLite file path. This is the one
 * place that picks an engine; a second one (a `postgres://` URL) is chosen here.
 */
export function openStore(location: string, now: () => number): Promise<Store> {
  return openSqliteStore(location, now);
}

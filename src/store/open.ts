import type { Store } from "./store.js";
import { openSqliteStore } from "./sqlite/index.js";
import { isPostgresUrl } from "./location.js";

export { isPostgresUrl } from "./location.js";

/**
 * Opens the store named by the config's `store` (or HERALD_STORE_URL, which config/ reads): a
 * `postgres://` or `postgresql://` URL selects PostgreSQL; anything else is a SQLite file path, the
 * default. This is the one place that picks an engine. The PostgreSQL engine is loaded only when
 * asked for, so a SQLite installation never loads node-postgres.
 */
export async function openStore(location: string, now: () => number): Promise<Store> {
  if (isPostgresUrl(location)) {
    const { openPostgresStore } = await import("./postgres/index.js");
    return openPostgresStore(location, now);
  }
  return openSqliteStore(location, now);
}

// HERALD_TEST_STORE=postgres runs the integration suite's bots on PostgreSQL instead of SQLite:
// every SQLite path a test writes into a bot's config (writeConfig) becomes a fresh database of a
// throwaway cluster, one per test file (started before the file's own beforeAll, stopped after its
// bots). The same path maps to the same database, so a test that restarts its bot on "the same
// file" restarts it on the same database. Anything else (unset, "sqlite") keeps the SQLite file.
//
// Kept on SQLite whatever this says, as they write their configs themselves: cli.test.ts (it
// makes a SQLite file "from a newer Herald" by its user_version, and its OPML test reads the file
// store; its PostgreSQL tests name URLs), compose-example.test.ts (herald.docker.yaml as shipped,
// a SQLite store; the PostgreSQL override is checked in test/unit/config/compose-postgres.test.ts),
// and migrate-store.test.ts (SQLite is its source by design; store-postgres.test.ts is PostgreSQL only).
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { startPostgres, type PostgresServer } from "./postgres.js";

export const testStore: "sqlite" | "postgres" = process.env.HERALD_TEST_STORE === "postgres" ? "postgres" : "sqlite";

const REPO = resolve(__dirname, "../../..");
const START_TIMEOUT_MS = 60_000;

let server: PostgresServer | undefined;
const databases = new Map<string, string>();
let created = 0;

/** Registers the cluster's start and stop in the importing test file; `beforeStop` runs first (stops bots). */
export function usePostgresStores(beforeStop: () => Promise<void>): void {
  if (testStore !== "postgres") return;
  beforeAll(async () => {
    server = await startPostgres();
  }, START_TIMEOUT_MS);
  // Jest runs afterAll hooks in the order they were declared, so this one (declared on import)
  // runs before the test file's own: whatever bot is still running is stopped here first, while
  // its database is still up, and the test's own stop() then finds it exited.
  afterAll(async () => {
    await beforeStop();
    await server?.cleanup();
    server = undefined;
    databases.clear();
  }, START_TIMEOUT_MS);
}

/**
 * The store a bot's config should name: `store` itself (SQLite, ":memory:", a URL), or under
 * HERALD_TEST_STORE=postgres the URL of the database standing in for that SQLite file.
 */
export function storeFor(store: string): string {
  if (testStore !== "postgres" || store === ":memory:" || /^postgres(ql)?:\/\//i.test(store)) return store;
  const known = databases.get(store);
  if (known !== undefined) return known;
  if (server === undefined) throw new Error("HERALD_TEST_STORE=postgres: no test cluster (write bot configs in or after beforeAll)");
  const name = `herald_bot_${++created}`;
  // writeConfig is synchronous (tests call it anywhere), so the database is made by a child process.
  const script = 'const pg = require("pg"); const c = new pg.Client(process.argv[1]); c.connect().then(() => c.query(`CREATE DATABASE ${process.argv[2]}`)).then(() => c.end(), (e) => { console.error(String(e)); process.exit(1); });';
  execFileSync(process.execPath, ["-e", script, server.url(), name], { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] });
  const url = server.url(name);
  databases.set(store, url);
  return url;
}

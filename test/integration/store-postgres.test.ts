// The PostgreSQL store engine against a real server (harness/postgres.ts): the store contract every
// engine meets, then what only a database server shared by several instances has to get right.
import pg from "pg";
import { startPostgres, type PostgresServer } from "./harness/postgres.js";
import { storeContract, entry, announceTo } from "../store-contract/contract.js";
import { openPostgresStore } from "../../src/store/postgres/index.js";
import { migrations as sqliteMigrations } from "../../src/store/sqlite/migrations.js";
import { SCHEMA_VERSION } from "../../src/store/postgres/migrations.js";
import { DatabaseTooNewError } from "../../src/store/store.js";
import { openStore } from "../../src/store/open.js";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.cleanup();
});

describe("the store contract on PostgreSQL", () => {
  storeContract(async (now) => openPostgresStore(await server.createDatabase(), now));
});

describe("PostgreSQL only", () => {
  const query = async (url: string, sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  };

  test("a schema version means the same schema in both engines", () => {
    expect(SCHEMA_VERSION).toBe(sqliteMigrations.length);
  });

  test("two instances starting together on an empty database migrate it once", async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(url, Date.now)));
    expect(await query(url, "SELECT version FROM herald_schema")).toEqual([{ version: SCHEMA_VERSION }]);
    await stores[0]!.entries.record("blog", [entry("a")], 1);
    expect((await stores[3]!.entries.latest(5)).map((e) => e.key)).toEqual(["a"]);
    await Promise.all(stores.map((s) => s.close()));
    // Reopening keeps the data.
    const again = await openPostgresStore(url, Date.now);
    expect((await again.entries.latest(5)).map((e) => e.key)).toEqual(["a"]);
    await again.close();
  });

  test("a database written by a newer Herald is refused, with a message that says what to do and no password", async () => {
    const url = (await server.createDatabase()).replace("herald@", "herald:secret@");
    await (await openPostgresStore(url, Date.now)).close();
    await query(url, "UPDATE herald_schema SET version = $1", [SCHEMA_VERSION + 1]);
    await expect(openPostgresStore(url, Date.now)).rejects.toThrow(DatabaseTooNewError);
    await expect(openPostgresStore(url, Date.now)).rejects.toThrow(/upgrade Herald/);
    await expect(openPostgresStore(url, Date.now)).rejects.not.toThrow(/secret/);
  });

  test("openStore picks PostgreSQL for postgres:// and postgresql:// URLs", async () => {
    const url = await server.createDatabase();
    for (const location of [url, url.replace("postgres://", "postgresql://")]) {
      const store = await openStore(location, Date.now);
      expect(store.engine).toMatch(/^postgresql/);
      await store.close();
    }
  });

  test("two instances recording the same read at once add each post once and queue it once", async () => {
    const url = await server.createDatabase();
    const [a, b] = await Promise.all([openPostgresStore(url, Date.now), openPostgresStore(url, Date.now)]);
    await a!.entries.record("blog", [], 1);
    const read = Array.from({ length: 20 }, (_, i) => entry(`p${i}`));
    const results = await Promise.all([a!, b!, a!, b!].map((s) => s.entries.record("blog", read, 2, announceTo({ kind: "room", address: "r@muc" }))));
    expect(results.map((r) => r.added.length).sort((x, y) => x - y)).toEqual([0, 0, 0, 20]);
    expect(await a!.outbox.depth()).toBe(20);
    await Promise.all([a!.close(), b!.close()]);
  });

  test("two instances closing the same digest period at once send it once", async () => {
    const url = await server.createDatabase();
    const [a, b] = await Promise.all([openPostgresStore(url, Date.now), openPostgresStore(url, Date.now)]);
    await a!.feedState.open("blog", "http://a/feed");
    await a!.feedState.recordFetched("blog", "Blog", { etag: undefined, lastModified: undefined }, 1);
    const period = (due: number) => ({ room: "r@muc", feeds: ["blog"], due, maxAgeMs: 1e12 });
    await a!.digests.close(period(10), 5, () => "never");
    await a!.entries.record("blog", [entry("x")], 12);
    const counts = await Promise.all([a!, b!, a!, b!].map((s) => s.digests.close(period(20), 21, () => "digest")));
    expect(counts.filter((c) => c === 1)).toHaveLength(1);
    expect(await a!.outbox.depth()).toBe(1);
    await Promise.all([a!.close(), b!.close()]);
  });

  test("after the server cut every connection, the pool serves the next call on a new one", async () => {
    const url = await server.createDatabase();
    const store = await openPostgresStore(url, Date.now);
    await store.entries.record("blog", [entry("a")], 1);
    await query(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await store.entries.record("blog", [entry("b")], 2)).added).toHaveLength(1);
    expect((await store.entries.latest(5)).map((e) => e.key)).toEqual(["b", "a"]);
    await store.close();
  });
});

// The SQL of the leases (store/postgres/cluster.ts) against a real PostgreSQL: instances asking at
// once take different rows, an expired lease changes hands with a new generation, a claim is won
// once, and a queued announcement is announced to the listeners at commit.
import { startPostgres, type PostgresServer } from "./harness/postgres.js";
import { openPostgresStore } from "../../src/store/postgres/index.js";
import type { Store } from "../../src/store/store.js";
import { createClusterStore } from "../../src/store/postgres/cluster.js";
import pg from "pg";
import { entry } from "../store-contract/contract.js";

let server: PostgresServer;
let store: Store;
beforeAll(async () => {
  server = await startPostgres();
  store = await openPostgresStore(await server.createDatabase(), () => Date.now());
}, 60_000);
afterAll(async () => {
  await store?.close();
  await server?.cleanup();
});

const resources = Array.from({ length: 40 }, (_, i) => `room:r${i}@muc.localhost`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("instances taking leases at once get disjoint sets; renewals keep them, expiry hands them over", async () => {
  const cluster = store.cluster!;
  const [a, b, c] = await Promise.all(["a#1", "b#1", "c#1"].map((h) => cluster.acquire(h, resources, 20, 60_000)));
  const all = [...a!, ...b!, ...c!].map((g) => g.resource);
  expect(new Set(all).size).toBe(all.length);
  expect(all.length).toBe(40);

  // A short lease: renewed while alive, then let go; another instance takes it, one generation on.
  await cluster.release("a#1", a!.map((g) => g.resource));
  const short = await cluster.acquire("a#1", [resources[0]!], 1, 300);
  expect(short).toEqual([{ resource: resources[0], generation: 2 }]);
  expect((await cluster.renew("a#1", 300)).map((g) => g.resource)).toEqual([resources[0]]);
  expect(await cluster.acquire("d#1", [resources[0]!], 1, 60_000)).toEqual([]);
  await sleep(400);
  expect(await cluster.renew("a#1", 300)).toEqual([]);
  expect(await cluster.acquire("d#1", [resources[0]!], 1, 60_000)).toEqual([{ resource: resources[0], generation: 3 }]);

  const instances = await cluster.heartbeat("d#1", "d", true, 60_000);
  expect(instances.map((i) => i.holder)).toContain("d#1");
  const held = await cluster.holdings();
  expect(held.find((h) => h.holder === "d#1")).toEqual({ holder: "d#1", kind: "room", count: 1 });
  expect((await cluster.holders("room:")).get(resources[0]!)).toBe("d#1");
  expect((await cluster.holders("feed:")).size).toBe(0);
  // Given up and taken again after a heartbeat's clean-up: the generation goes on counting, so a
  // lease never returns to a generation it had.
  await cluster.release("d#1", [resources[0]!]);
  await cluster.heartbeat("e#1", "e", true, 60_000);
  expect(await cluster.acquire("e#1", [resources[0]!], 1, 60_000)).toEqual([{ resource: resources[0], generation: 4 }]);
  await cluster.leave("e#1");
  await cluster.leave("d#1");
  expect((await cluster.holdings()).find((h) => h.holder === "d#1")).toBeUndefined();
});

test("a message every instance received is claimed by one", async () => {
  const cluster = store.cluster!;
  const won = await Promise.all([1, 2, 3].map(() => cluster.claim("alice@localhost/phone\u0000m1", 60_000)));
  expect(won.filter(Boolean)).toHaveLength(1);
  // Once its claim is old, the same key (a client that reuses message ids) is claimed afresh.
  await sleep(150);
  expect(await cluster.claim("alice@localhost/phone\u0000m1", 100)).toBe(true);
  expect(await cluster.claim("alice@localhost/phone\u0000m1", 100)).toBe(false);
});

test("a LISTEN that cannot start rejects, so the instance falls back to its lease rounds", async () => {
  const url = "postgres://herald@127.0.0.1:1/none"; // nothing listens on port 1: connect() is refused
  const pool = new pg.Pool({ connectionString: url });
  try {
    await expect(createClusterStore(pool, url).listen(() => undefined)).rejects.toThrow(/ECONNREFUSED/);
  } finally {
    await pool.end();
  }
});

test("a queued announcement and a configuration change are told to listeners at commit", async () => {
  const heard: string[] = [];
  const stop = await store.cluster!.listen((channel, payload) => heard.push(`${channel} ${payload}`));
  try {
    await store.entries.record("blog", [entry("p1")], Date.now(), () => []); // the baseline: nothing queued
    await store.entries.record("blog", [entry("p1"), entry("p2")], Date.now(), (added) =>
      added.map((e) => ({ target: { kind: "room", address: "news@muc.localhost" }, entryKey: e.key, footer: undefined })),
    );
    await store.applyLive([{ table: "rooms", put: { key: "news@muc.localhost", spec: { jid: "news@muc.localhost", feeds: ["blog"] }, origin: "admin", fileHash: undefined, removed: false } }]);
    for (let i = 0; i < 50 && heard.length < 2; i++) await sleep(50);
    expect(heard).toEqual(["outbox room:news@muc.localhost", "config rooms"]);
  } finally {
    await stop();
  }
});

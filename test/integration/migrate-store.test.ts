// `herald migrate-store`: a SQLite store with data copied into an empty PostgreSQL database.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPostgres, type PostgresServer } from "./harness/postgres.js";
import { CLI } from "./harness/bot.js";
import { entry, announceTo } from "../store-contract/contract.js";
import { openSqliteStore } from "../../src/store/sqlite/index.js";
import { openPostgresStore } from "../../src/store/postgres/index.js";
import { migrateStore, MigrateStoreError } from "../../src/store/migrate-store.js";
import type { Entry } from "../../src/sources/entry.js";
import type { ChangedEntry, QueuedAnnouncement, Store } from "../../src/store/store.js";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.cleanup();
});

const room = (address: string) => ({ kind: "room" as const, address });
const user = { kind: "user" as const, address: "u@x" };

/** A SQLite store with a bit of everything: posts, aliases, sent and pending rows, a correction, a digest, … */
async function filledSqliteStore(): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), "herald-migrate-")), "herald.db");
  const store = await openSqliteStore(path, () => 5);
  await store.feedState.open("blog", "http://blog.example/feed");
  await store.feedState.recordFetched("blog", "Blog", { etag: '"e"', lastModified: undefined }, 10);
  await store.feedState.recordError("news", "HTTP 500", 11); // no row: nothing happens
  await store.feedState.open("news", "http://news.example/feed");
  await store.feedState.recordError("news", "HTTP 500", 12);
  await store.entries.record("blog", [entry("base1"), entry("base2")], 10);
  await store.digests.close({ room: "r@muc", feeds: ["blog"], due: 100, maxAgeMs: 1e12 }, 20, () => "");
  const posts = Array.from({ length: 1_200 }, (_, i) => entry(`p${i}`, `Post ${i} common`, { published: new Date(1_000 + i), summaryHtml: `<p>Text ${i} café</p>` }));
  await store.entries.record("blog", posts, 110, announceTo(room("r@muc"), user));
  const pending = await store.outbox.pending(room("r@muc"), 3);
  for (const p of pending) await store.outbox.markSent(p.id, 120, `stanza-${p.id}`);
  const correct = (_added: readonly Entry[], changed: readonly ChangedEntry[]): QueuedAnnouncement[] =>
    changed.flatMap((c) => c.announced.map((a) => ({ target: a.target, entryKey: c.entry.key, footer: undefined, correction: { of: a.id, contentHash: c.contentHash } })));
  await store.entries.record("blog", [entry("p1199", "Post 1199 retitled", { published: new Date(2_199) })], 130, correct);
  // A blog's move: an alias.
  await store.entries.record("blog", [entry("p1-new", "Post 1 common", { published: new Date(1_001), link: "https://example.org/p1" })], 140);
  await store.digests.close({ room: "r@muc", feeds: ["blog"], due: 200, maxAgeMs: 1e12 }, 200, (found) => `${found.length} posts`);
  // Rows handed out and deleted: the next id must not reuse theirs.
  await store.entries.record("blog", [entry("gone")], 150, announceTo(room("gone@muc")));
  await store.outbox.dropPending(room("gone@muc"));
  await store.subscriptions.subscribe("u@x", "blog", ["xmpp"]);
  await store.subscriptions.subscribe("v@x", "news");
  await store.refusals.record(room("r@muc"), "no voice", 160);
  await store.refusals.markTold(room("r@muc"), 161);
  await store.liveTable("feeds").put({ key: "blog", spec: { url: "http://blog.example/feed" }, origin: "file", fileHash: "h", removed: false });
  await store.liveTable("rooms").put({ key: "r@muc", spec: { feeds: ["blog"] }, origin: "admin", fileHash: undefined, removed: true });
  await store.liveTable("pubsub_nodes").put({ key: "xmpp:ps.example?;node=n", spec: { node: "n" }, origin: "file", fileHash: "x", removed: false });
  await store.close();
  return path;
}

/** Everything a Herald reads, from either engine. */
async function snapshot(store: Store) {
  return {
    latest: await store.entries.latest(50),
    latestBlog: await store.entries.latest(5, "blog"),
    search: await store.entries.search(["cafe", "text"], 10),
    searchMany: await store.entries.search(["common"], 10),
    newest: [...(await store.entries.newestByFeed())],
    pendingRoom: await store.outbox.pending(room("r@muc"), 2_000),
    pendingUser: await store.outbox.pending(user, 2_000),
    targets: (await store.outbox.targetsWithPending()).sort((a, b) => a.address.localeCompare(b.address)),
    depth: await store.outbox.depth(),
    blogState: await store.feedState.get("blog"),
    newsState: await store.feedState.get("news"),
    subscriptions: [await store.subscriptions.subscriptionsOf("u@x"), await store.subscriptions.subscribersOf("news")],
    refusals: await store.refusals.all(),
    live: [await store.liveTable("feeds").all(), await store.liveTable("rooms").all(), await store.liveTable("pubsub_nodes").all()],
  };
}

test("a SQLite store is copied whole into PostgreSQL: counts equal, every read the same, ids continue", async () => {
  const from = await filledSqliteStore();
  const to = await server.createDatabase();
  const lines: string[] = [];
  const counts = await migrateStore(from, to, (line) => lines.push(line));
  expect(Object.fromEntries(counts)).toEqual({
    feed_state: 2,
    entries: 2 + 1_200 + 1, // a baseline, the posts, one more
    entry_aliases: 1,
    announcements: 2 * 1_200 + 1 + 1, // two per post, a correction, a digest (the dropped row is gone)
    digests: 2,
    subscriptions: 2,
    refusals: 1,
    feeds: 1,
    rooms: 1,
    pubsub_nodes: 1,
  });
  expect(lines.join("\n")).toMatch(/entries: 1203 rows/);
  expect(lines.join("\n")).toMatch(/counts verified/);

  const sqlite = await openSqliteStore(from, () => 5);
  const postgres = await openPostgresStore(to, () => 5);
  try {
    const copied = await snapshot(postgres);
    expect(copied).toEqual(await snapshot(sqlite));
    // Nothing above is trivially equal: each read has something to compare.
    expect(copied.pendingRoom.filter((p) => p.corrects !== undefined)).toHaveLength(1);
    expect(copied.pendingRoom.filter((p) => p.body !== undefined).map((p) => p.body)).toEqual(["1200 posts"]);
    expect(copied.search).toHaveLength(10);
    expect(copied.searchMany[0]!.key).toBe("p1198"); // p1199 was retitled without the word
    expect(copied.refusals).toHaveLength(1);
    expect(copied.live.map((rows) => rows.length)).toEqual([1, 1, 1]);
    // The next row of each table gets an id after every id SQLite ever used.
    await postgres.entries.record("blog", [entry("after")], 300, announceTo(room("r@muc")));
    await sqlite.entries.record("blog", [entry("after")], 300, announceTo(room("r@muc")));
    const last = async (s: Store) => (await s.outbox.pending(room("r@muc"), 5_000)).at(-1)!;
    expect((await last(postgres)).id).toBe((await last(sqlite)).id);
    expect((await postgres.entries.latest(1))[0]!.key).toBe("after");
  } finally {
    await sqlite.close();
    await postgres.close();
  }
});

test("a target that is not empty, or not PostgreSQL, or a source that does not exist, is refused", async () => {
  const from = await filledSqliteStore();
  const to = await server.createDatabase();
  const used = await openPostgresStore(to, Date.now);
  await used.subscriptions.subscribe("someone@x", "blog");
  await used.close();
  await expect(migrateStore(from, to, () => {})).rejects.toThrow(/not empty: subscriptions \(1\)/);
  await expect(migrateStore(from, "/tmp/other.db", () => {})).rejects.toThrow(MigrateStoreError);
  await expect(migrateStore("/nonexistent/herald.db", await server.createDatabase(), () => {})).rejects.toThrow(/no SQLite store/);
});

describe("the CLI: herald migrate-store (the built dist/cli.js)", () => {
  const DB_PASSWORD = "not-for-the-log";
  const herald = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, HERALD_STORE_URL: "", ...env }, cwd: mkdtempSync(join(tmpdir(), "herald-cwd-")) });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  // The test cluster trusts every local connection, so any password is let in: it only has to stay unseen.
  const withPassword = (url: string) => url.replace("://herald@", `://herald:${DB_PASSWORD}@`);

  test("copies a SQLite store and says what it copied, never showing the password; exit 0", async () => {
    const from = await filledSqliteStore();
    const to = withPassword(await server.createDatabase());
    const r = herald(["migrate-store", "--from", from, "--to", to]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`copying ${from} (schema version 14) to postgres://herald:***@`);
    expect(r.out).toMatch(/entries: 1203 rows/);
    expect(r.out).toMatch(/counts verified/);
    expect(r.out).not.toContain(DB_PASSWORD);
    const postgres = await openPostgresStore(to, Date.now);
    try {
      expect((await postgres.feedState.get("blog"))?.title).toBe("Blog");
    } finally {
      await postgres.close();
    }

    // Again into the same database: refused (MigrateStoreError), exit 1 with its message.
    const again = herald(["migrate-store", "--from", from, "--to", to]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^herald: postgres:\/\/herald:\*\*\*@.* is not empty: feed_state \(2\)/);
    expect(again.err).not.toContain(DB_PASSWORD);
  });

  test("--to may come from HERALD_STORE_URL; a missing source or a server that does not answer is exit 1", async () => {
    const from = await filledSqliteStore();
    const viaEnv = herald(["migrate-store", "--from", from], { HERALD_STORE_URL: await server.createDatabase() });
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.out).toMatch(/counts verified/);

    expect(herald(["migrate-store", "--from", "/nonexistent/herald.db", "--to", await server.createDatabase()])).toMatchObject({
      code: 1,
      err: "herald: --from: no SQLite store at /nonexistent/herald.db\n",
    });
    // Nothing listens on port 1: a plain error line, no stack trace, no password.
    const down = herald(["migrate-store", "--from", from, "--to", `postgres://herald:${DB_PASSWORD}@127.0.0.1:1/herald`]);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/^herald: cannot migrate to postgres:\/\/herald:\*\*\*@127\.0\.0\.1:1\/herald: .*ECONNREFUSED/);
    expect(down.err).not.toContain(DB_PASSWORD);
    expect(down.err).not.toMatch(/\n\s+at /);
  });

  test("without --from or --to it is a usage error, exit 2", () => {
    const r = herald(["migrate-store", "--from", "x.db"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("migrate-store needs --from");
    expect(r.err).toContain("Usage: herald <command>");
  });
});

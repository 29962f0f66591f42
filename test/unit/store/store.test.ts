import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openDatabase, DatabaseTooNewError } from "../../../src/store/db.js";
import { migrations } from "../../../src/store/migrations.js";
import { createEntryStore } from "../../../src/store/entries.js";
import { createOutbox } from "../../../src/store/outbox.js";
import { createFeedStateStore } from "../../../src/store/feed-state.js";
import type { Entry } from "../../../src/sources/entry.js";

const entry = (key: string, title = key): Entry => ({
  key,
  title,
  link: `https://example.org/${key}`,
  author: undefined,
  published: new Date("2026-01-01T00:00:00Z"),
  summaryHtml: "<p>hi</p>",
  categories: ["a"],
});

const room = (jid: string) => ({ kind: "room" as const, jid });

const dbPath = () => join(mkdtempSync(join(tmpdir(), "herald-store-")), "sub", "herald.db");

test("migrations bring a new file to the latest version and reopening keeps the data", () => {
  const path = dbPath();
  const db = openDatabase(path);
  expect(db.pragma("user_version", { simple: true })).toBe(migrations.length);
  createEntryStore(db).record("blog", [entry("a")], [], true, 1);
  db.close();
  const again = openDatabase(path);
  expect(again.prepare("SELECT COUNT(*) AS n FROM entries").get()).toEqual({ n: 1 });
  again.close();
});

test("a database written by a newer Herald is refused with a message that says what to do", () => {
  const path = dbPath();
  openDatabase(path).close();
  const raw = new Database(path);
  raw.pragma(`user_version = ${migrations.length + 1}`);
  raw.close();
  expect(() => openDatabase(path)).toThrow(DatabaseTooNewError);
  expect(() => openDatabase(path)).toThrow(/upgrade Herald/);
});

test("a baseline records entries without queueing announcements; later entries queue one per room, oldest first", () => {
  const db = openDatabase(":memory:");
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  const base = entries.record("blog", [entry("b"), entry("a")], [room("r1@muc"), room("r2@muc")], true, 1);
  expect(base).toEqual({ added: [entry("b"), entry("a")], queued: 0 });
  expect(outbox.depth()).toBe(0);

  // The feed lists newest first: d is newer than c.
  const next = entries.record("blog", [entry("d"), entry("c"), entry("b"), entry("a")], [room("r1@muc"), room("r2@muc")], false, 2);
  expect(next.added.map((e) => e.key)).toEqual(["d", "c"]);
  expect(next.queued).toBe(4);
  expect(outbox.pending("r1@muc", 10).map((a) => a.entry.key)).toEqual(["c", "d"]);
  expect(outbox.pending("r2@muc", 10).map((a) => a.entry.key)).toEqual(["c", "d"]);
});

test("an entry seen before is never queued again, and a duplicated guid within one fetch counts once", () => {
  const db = openDatabase(":memory:");
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  entries.record("blog", [], [room("r@muc")], true, 1);
  const first = entries.record("blog", [entry("x", "first"), entry("x", "dupe")], [room("r@muc")], false, 2);
  expect(first.added.map((e) => e.title)).toEqual(["first"]);
  expect(entries.record("blog", [entry("x")], [room("r@muc")], false, 3).queued).toBe(0);
  expect(outbox.depth()).toBe(1);
});

test("a sent announcement leaves the pending list and the stored entry round-trips", () => {
  const db = openDatabase(":memory:");
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  entries.record("blog", [], [room("r@muc")], true, 1);
  entries.record("blog", [entry("x")], [room("r@muc")], false, 2);
  const [pending] = outbox.pending("r@muc", 5);
  expect(pending!.entry).toEqual(entry("x"));
  outbox.markSent(pending!.id, 3, undefined);
  expect(outbox.pending("r@muc", 5)).toEqual([]);
  expect(outbox.depth()).toBe(0);
});

test("feed state keeps validators per URL and tracks errors since when", () => {
  const db = openDatabase(":memory:");
  const state = createFeedStateStore(db);
  expect(state.open("blog", "http://a/feed").baselineAt).toBeUndefined();
  state.recordFetched("blog", "A blog", { etag: '"1"', lastModified: "x" }, 10);
  expect(state.open("blog", "http://a/feed")).toMatchObject({ baselineAt: 10, title: "A blog", validators: { etag: '"1"' } });
  state.recordError("blog", "HTTP 500", 20);
  state.recordError("blog", "HTTP 502", 30);
  expect(state.get("blog")).toMatchObject({ lastError: "HTTP 502", errorSince: 20 });
  // A new URL must not send the old URL's validators.
  expect(state.open("blog", "http://b/feed").validators).toEqual({ etag: undefined, lastModified: undefined });
});

test("search matches words anywhere in title or text, by prefix, with user input never parsed as a query", () => {
  const db = openDatabase(":memory:");
  const entries = createEntryStore(db);
  entries.record("blog", [
    { ...entry("a", "Stream management explained"), summaryHtml: "<p>How XEP-0198 &amp; resumption work</p>", published: new Date(1000) },
    { ...entry("b", "Café MUC news"), summaryHtml: "<p>Rooms</p>", published: new Date(2000) },
  ], [], true, 1);
  expect(entries.search(["resump"], 5).map((e) => e.key)).toEqual(["a"]);
  expect(entries.search(["cafe"], 5).map((e) => e.key)).toEqual(["b"]); // diacritics folded
  expect(entries.search(["stream", "xep"], 5).map((e) => e.key)).toEqual(["a"]);
  expect(entries.search(['"', "NEAR(", "title:x", "*"], 5)).toEqual([]);
  expect(entries.latest(5).map((e) => e.key)).toEqual(["b", "a"]);
  expect(entries.latest(5, "other")).toEqual([]);
});

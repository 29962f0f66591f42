import { mkdirSync, mkdtempSync } from "node:fs";
import { recordRead } from "../../../src/polling/record-read.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "../../../src/store/sqlite/engine.js";
import { openDatabase, DatabaseTooNewError } from "../../../src/store/sqlite/database.js";
import { migrations } from "../../../src/store/sqlite/migrations.js";
import { createEntryStore } from "../../../src/store/sqlite/entries.js";
import { createOutbox } from "../../../src/store/sqlite/outbox.js";
import { createFeedStateStore } from "../../../src/store/sqlite/feed-state.js";
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

const room = (address: string) => ({ kind: "room" as const, address });

const dbPath = () => join(mkdtempSync(join(tmpdir(), "herald-store-")), "sub", "herald.db");

test("migrations bring a new file to the latest version and reopening keeps the data", async () => {
  const path = dbPath();
  const db = await openDatabase(path);
  expect(db.pragma("user_version")).toBe(migrations.length);
  await recordRead(createEntryStore(db), "blog", [entry("a")], [], true, 1);
  db.close();
  const again = await openDatabase(path);
  expect(again.prepare("SELECT COUNT(*) AS n FROM entries").get()).toEqual({ n: 1 });
  again.close();
});

test("a database written by a newer Herald is refused with a message that says what to do", async () => {
  const path = dbPath();
  (await openDatabase(path)).close();
  const raw = await openSqlite(path);
  raw.pragma(`user_version = ${migrations.length + 1}`);
  raw.close();
  await expect(openDatabase(path)).rejects.toThrow(DatabaseTooNewError);
  await expect(openDatabase(path)).rejects.toThrow(/upgrade Herald/);
});

test("a baseline records entries without queueing announcements; later entries queue one per room, oldest first", async () => {
  const db = await openDatabase(":memory:");
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  const base = await recordRead(entries, "blog", [entry("b"), entry("a")], [room("r1@muc"), room("r2@muc")], true, 1);
  expect(base).toEqual({ added: [entry("b"), entry("a")], queued: 0, tooOld: 0, folded: 0, changed: 0, corrections: 0, targets: [] });
  expect(await outbox.depth()).toBe(0);

  // The feed lists newest first: d is newer than c.
  const next = await recordRead(entries, "blog", [entry("d"), entry("c"), entry("b"), entry("a")], [room("r1@muc"), room("r2@muc")], false, 2);
  expect(next.added.map((e) => e.key)).toEqual(["d", "c"]);
  expect(next.queued).toBe(4);
  expect((await outbox.pending({ kind: "room", address: "r1@muc" }, 10)).map((a) => a.entry?.key)).toEqual(["c", "d"]);
  expect((await outbox.pending({ kind: "room", address: "r2@muc" }, 10)).map((a) => a.entry?.key)).toEqual(["c", "d"]);
});

test("an entry seen before is never queued again, and a duplicated guid within one fetch counts once", async () => {
  const db = await openDatabase(":memory:");
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  await recordRead(entries, "blog", [], [room("r@muc")], true, 1);
  const first = await recordRead(entries, "blog", [entry("x", "first"), entry("x", "dupe")], [room("r@muc")], false, 2);
  expect(first.added.map((e) => e.title)).toEqual(["first"]);
  expect((await recordRead(entries, "blog", [entry("x")], [room("r@muc")], false, 3)).queued).toBe(0);
  expect(await outbox.depth()).toBe(1);
});

test("a sent announcement leaves the pending list and the stored entry round-trips", async () => {
  const db = await openDatabase(":memory:");
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  await recordRead(entries, "blog", [], [room("r@muc")], true, 1);
  await recordRead(entries, "blog", [entry("x")], [room("r@muc")], false, 2);
  const [pending] = await outbox.pending({ kind: "room", address: "r@muc" }, 5);
  expect(pending!.entry).toEqual(entry("x"));
  await outbox.markSent(pending!.id, 3, undefined);
  expect(await outbox.pending({ kind: "room", address: "r@muc" }, 5)).toEqual([]);
  expect(await outbox.depth()).toBe(0);
});

test("feed state keeps validators per URL and tracks errors since when", async () => {
  const db = await openDatabase(":memory:");
  const state = createFeedStateStore(db);
  expect((await state.open("blog", "http://a/feed")).baselineAt).toBeUndefined();
  await state.recordFetched("blog", "A blog", { etag: '"1"', lastModified: "x" }, 10);
  expect(await state.open("blog", "http://a/feed")).toMatchObject({ baselineAt: 10, title: "A blog", validators: { etag: '"1"' } });
  await state.recordError("blog", "HTTP 500", 20);
  await state.recordError("blog", "HTTP 502", 30);
  expect(await state.get("blog")).toMatchObject({ lastError: "HTTP 502", errorSince: 20 });
  // A new URL must not send the old URL's validators.
  expect((await state.open("blog", "http://b/feed")).validators).toEqual({ etag: undefined, lastModified: undefined });
});

test("search matches words anywhere in title or text, by prefix, with user input never parsed as a query", async () => {
  const db = await openDatabase(":memory:");
  const entries = createEntryStore(db);
  await recordRead(entries, "blog", [
    { ...entry("a", "Stream management explained"), summaryHtml: "<p>How XEP-0198 &amp; resumption work</p>", published: new Date(1000) },
    { ...entry("b", "Café MUC news"), summaryHtml: "<p>Rooms</p>", published: new Date(2000) },
  ], [], true, 1);
  expect((await entries.search(["resump"], 5)).map((e) => e.key)).toEqual(["a"]);
  expect((await entries.search(["cafe"], 5)).map((e) => e.key)).toEqual(["b"]); // diacritics folded
  expect((await entries.search(["stream", "xep"], 5)).map((e) => e.key)).toEqual(["a"]);
  expect(await entries.search(['"', "NEAR(", "title:x", "*"], 5)).toEqual([]);
  expect((await entries.latest(5)).map((e) => e.key)).toEqual(["b", "a"]);
  expect(await entries.latest(5, "other")).toEqual([]);
});

test("flood limits: posts older than max age are recorded silently; the rest are capped with a footer", async () => {
  const db = await openDatabase(":memory:");
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  const now = Date.parse("2026-06-01T00:00:00Z");
  const day = 86_400_000;
  await recordRead(entries, "blog", [], [room("r@muc")], true, now);
  const posts = [
    ...Array.from({ length: 7 }, (_, i) => ({ ...entry(`new${i}`), published: new Date(now - i * 60_000) })), // newest first
    { ...entry("archive"), published: new Date(now - 30 * day) },
  ];
  const policy = { maxAgeMs: 7 * day, maxPerRead: 5, footer: (n: number) => `…and ${n} more from blog` };
  const result = await recordRead(entries, "blog", posts, [room("r@muc")], false, now, policy);
  expect(result).toMatchObject({ queued: 5, tooOld: 1, folded: 2 });
  const pending = await outbox.pending({ kind: "room", address: "r@muc" }, 10);
  // The five newest, oldest first; the last carries the footer.
  expect(pending.map((a) => a.entry?.key)).toEqual(["new4", "new3", "new2", "new1", "new0"]);
  expect(pending.map((a) => a.footer ?? null)).toEqual([null, null, null, null, "…and 2 more from blog"]);
});

test("migration 3 keeps pending announcements made under migration 2", async () => {
  const path = dbPath();
  // A database as Herald left it at schema version 2.
  mkdirSync(join(path, ".."), { recursive: true });
  const raw = await openSqlite(path);
  for (const step of migrations.slice(0, 2)) typeof step === "string" ? raw.exec(step) : step(raw);
  raw.pragma("user_version = 2");
  raw.prepare("INSERT INTO entries (feed, entry_key, title, summary_html, first_seen_at) VALUES ('blog', 'x', 'X', '', 1)").run();
  raw.prepare("INSERT INTO announcements (room, feed, entry_key, created_at) VALUES ('r@muc', 'blog', 'x', 1)").run();
  raw.close();
  const db = await openDatabase(path);
  expect(db.pragma("user_version")).toBe(migrations.length);
  expect((await createOutbox(db).pending({ kind: "room", address: "r@muc" }, 5)).map((a) => [a.entry?.key, a.entry?.title])).toEqual([["x", "X"]]);
  db.close();
});

test("a removed feed's state is forgotten, so the same name added again starts with a baseline", async () => {
  const db = await openDatabase(":memory:");
  const state = createFeedStateStore(db);
  await state.open("blog", "http://a/feed");
  await state.recordFetched("blog", "A", { etag: '"1"', lastModified: undefined }, 10);
  await state.forget("blog");
  expect((await state.open("blog", "http://b/feed")).baselineAt).toBeUndefined();
});

test("pending announcements of a room Herald no longer serves can be dropped; users' stay", async () => {
  const db = await openDatabase(":memory:");
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  await recordRead(entries, "blog", [], [], true, 1);
  await recordRead(entries, "blog", [entry("x")], [room("gone@muc"), { kind: "user", address: "u@x" }], false, 2);
  expect(await outbox.targetsWithPending()).toEqual(expect.arrayContaining([{ address: "gone@muc", kind: "room" }, { address: "u@x", kind: "user" }]));
  expect(await outbox.dropPending({ kind: "room", address: "gone@muc" })).toBe(1);
  expect(await outbox.dropPending({ kind: "room", address: "u@x" })).toBe(0);
  expect(await outbox.targetsWithPending()).toEqual([{ address: "u@x", kind: "user" }]);
});

describe("a post's identity survives a blog's move (README: how Herald knows a post)", () => {
  const post = (key: string, slug: string, published: number, extra: Partial<Entry> = {}): Entry => ({
    ...entry(key, `Post ${slug}`),
    link: `http://blog.example.org/${slug}/`,
    published: new Date(published),
    ...extra,
  });
  const feedOf = (posts: Entry[], remap: (e: Entry) => Partial<Entry>) => posts.map((e) => ({ ...e, ...remap(e) }));

  test("new ids with the same links (http → https, www., tracking) are posts already seen", async () => {
    const db = await openDatabase(":memory:");
    const entries = createEntryStore(db);
    const before = [post("1", "a", 1000), post("2", "b", 2000)];
    await recordRead(entries, "blog", before, [room("r@muc")], true, 1);
    const moved = feedOf(before, (e) => ({ key: `tag:blog.example.org,2026:${e.key}`, link: `${e.link!.replace("http://", "https://www.")}?utm_source=rss` }));
    expect(await recordRead(entries, "blog", moved, [room("r@muc")], false, 2)).toMatchObject({ added: [], queued: 0 });
  });

  test("when a read changes many ids and links at once, title and date decide; a genuinely new post still counts", async () => {
    const db = await openDatabase(":memory:");
    const entries = createEntryStore(db);
    const before = [post("1", "a", 1000), post("2", "b", 2000), post("3", "c", 3000), post("4", "d", 4000)];
    await recordRead(entries, "blog", before, [room("r@muc")], true, 1);
    const moved = feedOf(before, (e) => ({ key: `new-${e.key}`, link: `https://new.example.net/p/${e.key}` }));
    const fresh = post("5", "e", 5000, { link: "https://new.example.net/p/5" });
    const result = await recordRead(entries, "blog", [fresh, ...moved], [room("r@muc")], false, 2);
    expect(result.added.map((e) => e.key)).toEqual(["5"]);
    expect(result.queued).toBe(1);
  });

  test("a link every post shares (the blog's home page) names no post", async () => {
    const db = await openDatabase(":memory:");
    const entries = createEntryStore(db);
    const home = { link: "https://blog.example.org/" };
    await recordRead(entries, "blog", [post("1", "a", 1000, home)], [room("r@muc")], true, 1);
    const result = await recordRead(entries, "blog", [post("2", "b", 2000, home), post("1", "a", 1000, home)], [room("r@muc")], false, 2);
    expect(result.added.map((e) => e.key)).toEqual(["2"]);
  });

  test("posts recognised after a move stay known by their new ids, however many new posts follow", async () => {
    const db = await openDatabase(":memory:");
    const entries = createEntryStore(db);
    const before = [post("1", "a", 1000), post("2", "b", 2000), post("3", "c", 3000), post("4", "d", 4000)];
    await recordRead(entries, "blog", before, [room("r@muc")], true, 1);
    const moved = feedOf(before, (e) => ({ key: `new-${e.key}`, link: `https://new.example.net/p/${e.key}` }));
    expect((await recordRead(entries, "blog", moved, [room("r@muc")], false, 2)).added).toEqual([]);
    // Later reads: a few new posts on top, so the old ones are no longer a mass change by ratio.
    const fresh = Array.from({ length: 6 }, (_, i) => post(`n${i}`, `n${i}`, 10_000 + i, { link: `https://new.example.net/p/n${i}` }));
    const later = await recordRead(entries, "blog", [...fresh, ...moved], [room("r@muc")], false, 3);
    expect(later.added.map((e) => e.key).sort()).toEqual(fresh.map((e) => e.key).sort());
  });

  test("a feed whose one item always links to its home page: each new item is new", async () => {
    const db = await openDatabase(":memory:");
    const entries = createEntryStore(db);
    const home = { link: "https://status.example.org/" };
    await recordRead(entries, "status", [post("i1", "incident-1", 1000, home)], [room("r@muc")], true, 1);
    const next = await recordRead(entries, "status", [post("i2", "incident-2", 2000, home)], [room("r@muc")], false, 2);
    expect(next.added.map((e) => e.key)).toEqual(["i2"]);
  });

  test("one changed id alone is a new post, even with the title and date of an old one", async () => {
    const db = await openDatabase(":memory:");
    const entries = createEntryStore(db);
    await recordRead(entries, "blog", [post("1", "a", 1000)], [room("r@muc")], true, 1);
    const result = await recordRead(entries, "blog", [post("1b", "a", 1000, { link: "https://blog.example.org/a-again/" })], [room("r@muc")], false, 2);
    expect(result.added.map((e) => e.key)).toEqual(["1b"]);
  });
});

describe("corrections of announced posts (XEP-0308)", () => {
  const DAY = 86_400_000;
  async function announcedOnce() {
    const db = await openDatabase(":memory:");
    const entries = createEntryStore(db);
    const outbox = createOutbox(db);
    await recordRead(entries, "blog", [], [room("r@muc")], true, 0);
    await recordRead(entries, "blog", [entry("x", "First title")], [room("r@muc")], false, 1_000, undefined, DAY);
    const [row] = await outbox.pending(room("r@muc"), 5);
    await outbox.markSent(row!.id, 2_000, "room-copy-id");
    return { entries, outbox, original: row! };
  }

  test("a retitled post is corrected where it was announced, naming the message as the room delivered it", async () => {
    const { entries, outbox, original } = await announcedOnce();
    const result = await recordRead(entries, "blog", [entry("x", "Better title")], [room("r@muc")], false, 3_000, undefined, DAY);
    expect(result).toMatchObject({ added: [], changed: 1, corrections: 1, queued: 1 });
    const [correction] = await outbox.pending(room("r@muc"), 5);
    expect(correction).toMatchObject({ entry: { key: "x", title: "Better title" }, corrects: { id: original.id, stanzaId: "room-copy-id" } });
    expect((await entries.latest(1))[0]!.title).toBe("Better title");
  });

  test("whitespace, markup and dates are no correction; the same new text is corrected once", async () => {
    const { entries, outbox } = await announcedOnce();
    const cosmetic = { ...entry("x", "  First   title "), summaryHtml: "<div><b>hi</b></div>", published: new Date("2026-02-02T00:00:00Z") };
    expect(await recordRead(entries, "blog", [cosmetic], [room("r@muc")], false, 3_000, undefined, DAY)).toMatchObject({ changed: 0, queued: 0 });
    await recordRead(entries, "blog", [entry("x", "Second")], [room("r@muc")], false, 4_000, undefined, DAY);
    expect(await recordRead(entries, "blog", [entry("x", "Second")], [room("r@muc")], false, 5_000, undefined, DAY)).toMatchObject({ changed: 0, queued: 0 });
    expect(await outbox.depth()).toBe(1);
  });

  test("a change after the window, or with corrections off, is stored but not corrected", async () => {
    const late = await announcedOnce();
    expect(await recordRead(late.entries, "blog", [entry("x", "Too late")], [room("r@muc")], false, 2_000 + DAY + 1, undefined, DAY)).toMatchObject({ changed: 1, corrections: 0, queued: 0 });
    expect((await late.entries.latest(1))[0]!.title).toBe("Too late");
    const off = await announcedOnce();
    expect(await recordRead(off.entries, "blog", [entry("x", "Off")], [room("r@muc")], false, 3_000, undefined, 0)).toMatchObject({ changed: 1, corrections: 0 });
  });

  test("a post whose text keeps changing is corrected three times at most", async () => {
    const { entries, outbox } = await announcedOnce();
    for (let i = 0; i < 6; i++) await recordRead(entries, "blog", [entry("x", `Version ${i}`)], [room("r@muc")], false, 3_000 + i, undefined, DAY);
    expect(await outbox.depth()).toBe(3);
  });

  test("a post not yet sent needs no correction: it goes out with the new text", async () => {
    const db = await openDatabase(":memory:");
    const entries = createEntryStore(db);
    const outbox = createOutbox(db);
    await recordRead(entries, "blog", [], [room("r@muc")], true, 0);
    await recordRead(entries, "blog", [entry("x", "Draft title")], [room("r@muc")], false, 1_000, undefined, DAY);
    expect(await recordRead(entries, "blog", [entry("x", "Final title")], [room("r@muc")], false, 2_000, undefined, DAY)).toMatchObject({ changed: 1, corrections: 0 });
    expect((await outbox.pending(room("r@muc"), 5)).map((a) => a.entry?.title)).toEqual(["Final title"]);
  });
});

test("search gives the newest matches first whether few or many posts match (two query plans)", async () => {
  const db = await openDatabase(":memory:");
  const entries = createEntryStore(db);
  // 1,200 posts say "common"; every hundredth also says "rare". Dates are shuffled against the
  // insertion order, and some share a date, so the order is by date, then newest stored first.
  const posts = Array.from({ length: 1200 }, (_, i) => ({
    ...entry(`p${i}`, `Post ${i} common${i % 100 === 0 ? " rare" : ""}`),
    published: new Date(((i * 7919) % 1200) * 60_000 - (i % 3 === 0 ? 0 : 1)),
  }));
  await recordRead(entries, "blog", posts, [], true, 1);
  const expected = (word: string) =>
    posts
      .map((p, rowid) => ({ key: p.key, at: p.published.getTime(), rowid, title: p.title }))
      .filter((p) => p.title.includes(word))
      .sort((a, b) => b.at - a.at || b.rowid - a.rowid)
      .slice(0, 5)
      .map((p) => p.key);
  expect((await entries.search(["common"], 5)).map((e) => e.key)).toEqual(expected("common"));
  expect((await entries.search(["rare"], 5)).map((e) => e.key)).toEqual(expected("rare"));
  expect((await entries.search(["rare", "common"], 5)).map((e) => e.key)).toEqual(expected("rare"));
});

test("search answered from the newest posts matches exactly as the index does: prefixes, folding, phrases, every word", async () => {
  const db = await openDatabase(":memory:");
  const entries = createEntryStore(db);
  // Words in most posts, so the newest posts answer (search-probe.ts); "ế" needs the index's
  // remove_diacritics 2 to fold to "e", so a probe with another tokenizer would miss it.
  const posts = Array.from({ length: 200 }, (_, i) => ({
    ...entry(`p${i}`, `Post ${i} ${i % 2 === 0 ? "Café streaming" : "cafeteria"}${i % 3 === 0 ? " XEP-0198" : ""}`),
    summaryHtml: i % 4 === 0 ? "<p>Tiếng Việt</p>" : "<p>other</p>",
    published: new Date(((i * 7919) % 200) * 60_000 - (i % 3 === 0 ? 0 : 1)),
  }));
  await recordRead(entries, "blog", posts, [], true, 1);
  const expected = (match: (i: number) => boolean) =>
    posts
      .map((p, i) => ({ key: p.key, at: p.published.getTime(), i }))
      .filter((p) => match(p.i))
      .sort((a, b) => b.at - a.at || b.i - a.i)
      .slice(0, 5)
      .map((p) => p.key);
  const keys = async (...words: string[]) => (await entries.search(words, 5)).map((e) => e.key);
  expect(await keys("cafe")).toEqual(expected(() => true));
  expect(await keys("café", "stream")).toEqual(expected((i) => i % 2 === 0));
  expect(await keys("xep-01")).toEqual(expected((i) => i % 3 === 0));
  expect(await keys("CAFÉ", "xep-0198")).toEqual(expected((i) => i % 3 === 0)); // "cafeteria" too
  expect(await keys("STREAM", "xep-0198")).toEqual(expected((i) => i % 6 === 0));
  expect(await keys("tieng", "viet")).toEqual(expected((i) => i % 4 === 0));
  expect(await keys("cafeteria", "stream")).toEqual([]);
  // Fewer posts than the newest looked at: the probe's answer is complete even when short.
  const small = createEntryStore(await openDatabase(":memory:"));
  await recordRead(small, "blog", posts.slice(0, 3), [], true, 1);
  expect((await small.search(["tieng"], 5)).map((e) => e.key)).toEqual(["p0"]);
  expect(await small.search(["nothing"], 5)).toEqual([]);
});

test("unchanged polls of one turn are written together, and every read sees them", async () => {
  const db = await openDatabase(":memory:");
  const state = createFeedStateStore(db);
  for (const feed of ["a", "b", "c"]) await state.open(feed, `http://x/${feed}`);
  let commits = 0;
  const original = db.transaction.bind(db);
  // Count the transactions the batch opens from here on.
  (db as { transaction: typeof db.transaction }).transaction = ((fn: never) => {
    const run = original(fn);
    return (...args: never[]) => (commits++, run(...args));
  }) as typeof db.transaction;
  const state2 = createFeedStateStore(db);
  const written = ["a", "b", "c"].map((feed, i) => state2.recordNotModified(feed, 1000 + i));
  // Read before the turn ends: the batch is written first.
  expect((await state2.get("b"))?.lastPolledAt).toBe(1001);
  await Promise.all(written);
  expect(commits).toBe(1);
  expect((await state2.get("c"))?.lastOkAt).toBe(1002);
  db.close();
});

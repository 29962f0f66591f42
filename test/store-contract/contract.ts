// What every store engine must do, as tests that take a way to open a fresh, empty store. One test
// file per engine calls `storeContract` (test/unit/store/store-contract-sqlite.test.ts,
// test/integration/store-postgres.test.ts), so both engines answer the same questions alike.
import type { Entry } from "../../src/sources/entry.js";
import type { ChangedEntry, QueuedAnnouncement, Store, Target, TargetKind } from "../../src/store/store.js";

export type OpenStore = (now: () => number) => Promise<Store>;

const room = (address: string): Target => ({ kind: "room", address });

export const entry = (key: string, title = key, extra: Partial<Entry> = {}): Entry => ({
  key,
  title,
  link: `https://example.org/${key}`,
  author: undefined,
  published: new Date("2026-01-01T00:00:00Z"),
  summaryHtml: "<p>hi</p>",
  categories: ["a"],
  ...extra,
});

/** The callback `record` takes: the added posts, oldest first (a feed lists newest first), to each target. */
export const announceTo =
  (...targets: Target[]) =>
  (added: readonly Entry[]): QueuedAnnouncement[] =>
    [...added].reverse().flatMap((e) => targets.map((target) => ({ target, entryKey: e.key, footer: undefined })));

/** Whatever `fn` does, as a promise: a synchronous throw becomes a rejection. */
const attempt = <T>(fn: () => Promise<T>): Promise<T> => Promise.resolve().then(fn);

export function storeContract(open: OpenStore): void {
  let store: Store;
  let clock = 1_000;
  const opened: Store[] = [];
  beforeEach(async () => {
    clock = 1_000;
    store = await open(() => clock);
    opened.push(store);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  describe("entries and the outbox", () => {
    test("a baseline records posts without announcements; a later read queues one per target, oldest first", async () => {
      const base = await store.entries.record("blog", [entry("b"), entry("a")], 1);
      expect(base).toEqual({ added: [entry("b"), entry("a")], changed: [], queued: 0 });
      expect(await store.outbox.depth()).toBe(0);
      const next = await store.entries.record("blog", [entry("d"), entry("c"), entry("b"), entry("a")], 2, announceTo(room("r1@muc"), room("r2@muc")));
      expect(next.added.map((e) => e.key)).toEqual(["d", "c"]);
      expect(next.queued).toBe(4);
      expect(await store.outbox.depth()).toBe(4);
      for (const r of ["r1@muc", "r2@muc"]) expect((await store.outbox.pending(room(r), 10)).map((a) => a.entry?.key)).toEqual(["c", "d"]);
      expect((await store.outbox.pending(room("r1@muc"), 1)).map((a) => a.entry?.key)).toEqual(["c"]);
    });

    test("a post seen before is never added again; a guid repeated within one read counts once, the first wins", async () => {
      await store.entries.record("blog", [], 1);
      const first = await store.entries.record("blog", [entry("x", "first"), entry("x", "dupe")], 2, announceTo(room("r@muc")));
      expect(first.added.map((e) => e.title)).toEqual(["first"]);
      expect(first.queued).toBe(1);
      const again = await store.entries.record("blog", [entry("x", "first")], 3, announceTo(room("r@muc")));
      expect(again).toEqual({ added: [], changed: [], queued: 0 });
      // The same post in another feed is another post.
      expect((await store.entries.record("other", [entry("x")], 4)).added).toHaveLength(1);
    });

    test("an announcement already queued for the same target and post is not queued twice", async () => {
      const queue = (): QueuedAnnouncement[] => [
        { target: room("r@muc"), entryKey: "x", footer: undefined },
        { target: room("r@muc"), entryKey: "x", footer: "again" },
        { target: { kind: "user", address: "r@muc" }, entryKey: "x", footer: undefined },
      ];
      expect((await store.entries.record("blog", [entry("x")], 1, queue)).queued).toBe(2);
      expect((await store.entries.record("blog", [entry("y")], 2, queue)).queued).toBe(0);
      expect(await store.outbox.depth()).toBe(2);
    });

    test("the announce callback sees the added and changed posts inside the transaction; if it throws, nothing is recorded", async () => {
      await store.entries.record("blog", [entry("a")], 1);
      const seen: string[] = [];
      const failing = (added: readonly Entry[]): QueuedAnnouncement[] => {
        seen.push(...added.map((e) => e.key));
        throw new Error("announce failed");
      };
      // (An engine may throw before returning a promise, so the call goes through `attempt`.)
      await expect(attempt(() => store.entries.record("blog", [entry("b"), entry("a", "A changed")], 2, failing))).rejects.toThrow("announce failed");
      expect(seen).toEqual(["b"]);
      expect((await store.entries.latest(10)).map((e) => [e.key, e.title])).toEqual([["a", "a"]]);
      // Retried, it is all new again: nothing of the failed read was kept.
      const retry = await store.entries.record("blog", [entry("b"), entry("a", "A changed")], 3, announceTo(room("r@muc")));
      expect(retry.added.map((e) => e.key)).toEqual(["b"]);
      expect(retry.changed.map((c) => c.entry.title)).toEqual(["A changed"]);
      expect(await store.outbox.depth()).toBe(1);
    });

    test("a pending post round-trips every field; a sent one leaves the pending list", async () => {
      const full = entry("x", "Title <b>x</b>", {
        author: "Ann",
        categories: ["x", "y"],
        media: [{ url: "https://example.org/a.mp3", type: "audio/mpeg", length: 123, role: "enclosure" }],
      });
      const bare = entry("y", "Y", { link: undefined, published: undefined, categories: [] });
      await store.entries.record("blog", [bare, full], 5, announceTo(room("r@muc")));
      const pending = await store.outbox.pending(room("r@muc"), 5);
      expect(pending).toHaveLength(2);
      expect(pending[0]).toMatchObject({ target: room("r@muc"), feed: "blog", createdAt: 5, footer: undefined, corrects: undefined });
      expect(pending[0]!.entry).toEqual(full);
      expect(pending[1]!.entry).toEqual(bare);
      expect(typeof pending[0]!.id).toBe("number");
      await store.outbox.markSent(pending[0]!.id, 6, "stanza-1");
      await store.outbox.markSent(pending[0]!.id, 7, "stanza-2"); // a second confirmation changes nothing
      expect((await store.outbox.pending(room("r@muc"), 5)).map((a) => a.id)).toEqual([pending[1]!.id]);
      expect(await store.outbox.depth()).toBe(1);
      const latest = await store.entries.latest(5);
      expect(latest.find((e) => e.key === "x")).toEqual({ ...full, feed: "blog", firstSeen: new Date(5) });
    });

    test("footers, ready texts, targets with pending rows, and dropping a target's rows", async () => {
      const footer = (added: readonly Entry[]): QueuedAnnouncement[] => added.map((e) => ({ target: room("r@muc"), entryKey: e.key, footer: "…and 2 more" }));
      await store.entries.record("blog", [entry("x")], 1, footer);
      await store.outbox.queueText(room("r@muc"), "digest text", 2);
      await store.entries.record("blog", [entry("y")], 3, announceTo({ kind: "user", address: "u@x" }, { kind: "future" as TargetKind, address: "f" }));
      const pending = await store.outbox.pending(room("r@muc"), 5);
      expect(pending.map((a) => a.footer ?? a.body)).toEqual(["…and 2 more", "digest text"]);
      expect(pending[1]).toEqual({ id: pending[1]!.id, createdAt: 2, target: room("r@muc"), body: "digest text" });
      // A kind this Herald does not know waits for the Herald that does.
      expect(await store.outbox.targetsWithPending()).toEqual(expect.arrayContaining([room("r@muc"), { kind: "user", address: "u@x" }]));
      expect(await store.outbox.targetsWithPending()).toHaveLength(2);
      expect(await store.outbox.depth()).toBe(4);
      expect(await store.outbox.dropPending(room("r@muc"))).toBe(2);
      expect(await store.outbox.dropPending(room("u@x"))).toBe(0);
      expect(await store.outbox.targetsWithPending()).toEqual([{ kind: "user", address: "u@x" }]);
    });
    test("a NUL character in a post's id, title or text is recorded and known again (PostgreSQL text cannot hold it)", async () => {
      const nul = entry("id\u0000x", "Bell\u0007 and\u0000 null", { summaryHtml: "<p>a\u0000b</p>" });
      await store.entries.record("blog", [], 1);
      const first = await store.entries.record("blog", [nul], 2, announceTo(room("r@muc")));
      expect(first.added).toHaveLength(1);
      const [pending] = await store.outbox.pending(room("r@muc"), 10);
      // SQLite keeps the NUL, PostgreSQL drops it; the formatter drops control characters either way.
      expect(pending!.entry?.title.replace(/\u0000/g, "")).toBe("Bell\u0007 and null");
      expect(await store.entries.record("blog", [nul], 3, announceTo(room("r@muc")))).toEqual({ added: [], changed: [], queued: 0 });
    });
  });

  describe("corrections and identity", () => {
    const correctAll = (added: readonly Entry[], changed: readonly ChangedEntry[]): QueuedAnnouncement[] =>
      changed.flatMap((c) => c.announced.map((copy) => ({ target: copy.target, entryKey: c.entry.key, footer: undefined, correction: { of: copy.id, contentHash: c.contentHash } })));

    async function announcedOnce() {
      await store.entries.record("blog", [], 0);
      const footer = (added: readonly Entry[]) => added.map((e) => ({ target: room("r@muc"), entryKey: e.key, footer: "the footer" }));
      await store.entries.record("blog", [entry("x", "First title")], 1_000, footer);
      const [row] = await store.outbox.pending(room("r@muc"), 5);
      await store.outbox.markSent(row!.id, 2_000, "room-copy-id");
      return row!;
    }

    test("a changed post is reported with where it was announced; its correction names the original", async () => {
      const original = await announcedOnce();
      const result = await store.entries.record("blog", [entry("x", "Better title")], 3_000, correctAll);
      expect(result.added).toEqual([]);
      expect(result.changed).toHaveLength(1);
      expect(result.changed[0]!.entry).toEqual(entry("x", "Better title"));
      expect(result.changed[0]!.announced).toEqual([{ id: original.id, target: room("r@muc"), sentAt: 2_000, corrections: 0 }]);
      expect(result.queued).toBe(1);
      const [correction] = await store.outbox.pending(room("r@muc"), 5);
      expect(correction).toMatchObject({
        entry: { key: "x", title: "Better title" },
        footer: "the footer", // a correction keeps the original's footer
        corrects: { id: original.id, createdAt: 1_000, stanzaId: "room-copy-id" },
      });
      expect((await store.entries.latest(1))[0]!.title).toBe("Better title");
      // The next change counts the corrections made so far.
      const next = await store.entries.record("blog", [entry("x", "Best title")], 4_000);
      expect(next.changed[0]!.announced[0]!.corrections).toBe(1);
    });

    test("a cosmetic change is no change; the same correction is queued once", async () => {
      await announcedOnce();
      const cosmetic = { ...entry("x", "  First   title "), summaryHtml: "<div><b>hi</b></div>", published: new Date("2026-02-02T00:00:00Z") };
      expect(await store.entries.record("blog", [cosmetic], 3_000, correctAll)).toEqual({ added: [], changed: [], queued: 0 });
      const changed = await store.entries.record("blog", [entry("x", "Second")], 4_000, correctAll);
      // Queued again for the same content: ignored.
      const again = correctAll([], changed.changed);
      expect((await store.entries.record("blog", [], 5_000, () => again)).queued).toBe(0);
      expect(await store.outbox.depth()).toBe(1);
    });

    test("a post not yet sent, or sent without a known message id, has no announced copies", async () => {
      await store.entries.record("blog", [], 0);
      await store.entries.record("blog", [entry("x", "Draft"), entry("y", "Y")], 1, announceTo(room("r@muc")));
      const y = (await store.outbox.pending(room("r@muc"), 5)).find((a) => a.entry?.key === "y");
      await store.outbox.markSent(y!.id, 2, undefined);
      const result = await store.entries.record("blog", [entry("x", "Final"), entry("y", "Y2")], 3);
      expect(result.changed.map((c) => [c.entry.key, c.announced])).toEqual([["x", []], ["y", []]]);
      expect((await store.outbox.pending(room("r@muc"), 5)).map((a) => a.entry?.title)).toEqual(["Final"]);
    });

    const post = (key: string, slug: string, published: number, extra: Partial<Entry> = {}): Entry =>
      entry(key, `Post ${slug}`, { link: `http://blog.example.org/${slug}/`, published: new Date(published), ...extra });

    test("new ids with the same links are posts already seen, and stay known by the new ids", async () => {
      const before = [post("1", "a", 1000), post("2", "b", 2000)];
      await store.entries.record("blog", before, 1);
      const moved = before.map((e) => ({ ...e, key: `tag:${e.key}`, link: `${e.link!.replace("http://", "https://www.")}?utm_source=rss` }));
      expect(await store.entries.record("blog", moved, 2, announceTo(room("r@muc")))).toMatchObject({ added: [], queued: 0 });
      // Known by alias now, even with yet another link; and a change is reported under the stored id.
      const later = await store.entries.record("blog", [{ ...moved[0]!, link: "https://elsewhere.example/", title: "Renamed" }], 3);
      expect(later.added).toEqual([]);
      expect(later.changed.map((c) => c.entry.key)).toEqual(["1"]);
    });

    test("a post named twice in one read, by its id and by its alias, changes once for the same new words", async () => {
      const before = [post("1", "a", 1000)];
      await store.entries.record("blog", before, 1);
      await store.entries.record("blog", [{ ...before[0]!, key: "tag:1", link: "https://blog.example.org/a/" }], 2);
      const both = await store.entries.record("blog", [post("1", "a", 1000, { title: "New" }), post("tag:1", "a", 1000, { title: "New" })], 3);
      expect(both.added).toEqual([]);
      expect(both.changed.map((c) => c.entry.key)).toEqual(["1"]);
      const differ = await store.entries.record("blog", [post("1", "a", 1000, { title: "Newer" }), post("tag:1", "a", 1000, { title: "Newest" })], 4);
      expect(differ.changed.map((c) => [c.entry.key, c.entry.title])).toEqual([["1", "Newer"], ["1", "Newest"]]);
      expect((await store.entries.latest(5)).map((e) => e.title)).toEqual(["Newest"]);
    });

    test("a mass change of ids and links is matched by title and date; a genuinely new post still counts", async () => {
      const before = [post("1", "a", 1000), post("2", "b", 2000), post("3", "c", 3000), post("4", "d", 4000)];
      await store.entries.record("blog", before, 1);
      const moved = before.map((e) => ({ ...e, key: `new-${e.key}`, link: `https://new.example.net/p/${e.key}` }));
      const fresh = post("5", "e", 5000, { link: "https://new.example.net/p/5" });
      const result = await store.entries.record("blog", [fresh, ...moved], 2, announceTo(room("r@muc")));
      expect(result.added.map((e) => e.key)).toEqual(["5"]);
      expect(result.queued).toBe(1);
    });

    test("a link several posts share names no post; one changed id alone is a new post", async () => {
      const home = { link: "https://blog.example.org/" };
      await store.entries.record("blog", [post("1", "a", 1000, home)], 1);
      const shared = await store.entries.record("blog", [post("2", "b", 2000, home), post("1", "a", 1000, home)], 2);
      expect(shared.added.map((e) => e.key)).toEqual(["2"]);
      const single = await store.entries.record("blog", [post("1b", "a", 1000, { link: "https://blog.example.org/a-again/" })], 3);
      expect(single.added.map((e) => e.key)).toEqual(["1b"]);
    });
  });

  describe("latest, newest by feed, search", () => {
    test("latest is newest first by the post's date (else first seen), ties newest stored first, per feed or all", async () => {
      await store.entries.record("a", [entry("old", "old", { published: new Date(100) }), entry("undated", "undated", { published: undefined })], 50);
      await store.entries.record("b", [entry("t1", "t1", { published: new Date(200) }), entry("t2", "t2", { published: new Date(200) })], 60);
      await store.entries.record("b", [entry("t3", "t3", { published: new Date(200) })], 70);
      expect((await store.entries.latest(10)).map((e) => e.key)).toEqual(["t3", "t2", "t1", "old", "undated"]);
      expect((await store.entries.latest(2)).map((e) => e.key)).toEqual(["t3", "t2"]);
      expect((await store.entries.latest(10, "a")).map((e) => e.key)).toEqual(["old", "undated"]);
      expect(await store.entries.latest(5, "none")).toEqual([]);
      expect(await store.entries.newestByFeed()).toEqual(new Map([["a", 100], ["b", 200]]));
    });

    test("search matches every word by prefix in title or text, folding case and diacritics; input is never query syntax", async () => {
      await store.entries.record("blog", [
        entry("a", "Stream management explained", { summaryHtml: "<p>How XEP-0198 &amp; resumption work</p>", published: new Date(1000) }),
        entry("b", "Café MUC news", { summaryHtml: "<p>Rooms İstanbul</p>", published: new Date(2000) }),
        entry("c", "Title end", { summaryHtml: "start of text", published: new Date(3000) }),
      ], 1);
      const keys = async (...words: string[]) => (await store.entries.search(words, 5)).map((e) => e.key);
      expect(await keys("resump")).toEqual(["a"]);
      expect(await keys("cafe")).toEqual(["b"]);
      expect(await keys("CAFÉ")).toEqual(["b"]);
      expect(await keys("istanbul")).toEqual(["b"]);
      expect(await keys("stream", "xep")).toEqual(["a"]);
      expect(await keys("xep-0198")).toEqual(["a"]); // a phrase of two tokens
      expect(await keys("xep-01")).toEqual(["a"]);
      expect(await keys("0198-xep")).toEqual([]);
      expect(await keys("end-start")).toEqual([]); // a phrase never runs from the title into the text
      expect(await keys("title", "start")).toEqual(["c"]); // but words may be in either
      expect(await keys("stream", "*")).toEqual(["a"]); // a word of no token is left out
      expect(await keys('"', "NEAR(", "title:x", "*")).toEqual([]);
      expect(await keys("*")).toEqual([]);
      expect(await keys()).toEqual([]);
      expect(await keys("o'brien", "back\\slash")).toEqual([]);
      expect(await keys("e")).toEqual(["c", "a"]); // newest first: "end", "explained"
      expect((await store.entries.search(["e"], 1)).map((e) => e.key)).toEqual(["c"]);
      // A changed post is found by its new words only.
      await store.entries.record("blog", [entry("a", "Renamed post", { summaryHtml: "nothing", published: new Date(1000) })], 2);
      expect(await keys("stream")).toEqual([]);
      expect(await keys("renamed")).toEqual(["a"]);
    });

    test("search orders many matches by date, ties newest stored first", async () => {
      const posts = Array.from({ length: 300 }, (_, i) => entry(`p${i}`, `Post ${i} common${i % 50 === 0 ? " rare" : ""}`, {
        published: new Date(((i * 7919) % 300) * 60_000 - (i % 3 === 0 ? 0 : 1)),
      }));
      await store.entries.record("blog", posts, 1);
      const expected = (word: string) =>
        posts
          .map((p, stored) => ({ key: p.key, at: p.published!.getTime(), stored, title: p.title }))
          .filter((p) => p.title.includes(word))
          .sort((a, b) => b.at - a.at || b.stored - a.stored)
          .slice(0, 7)
          .map((p) => p.key);
      expect((await store.entries.search(["common"], 7)).map((e) => e.key)).toEqual(expected("common"));
      expect((await store.entries.search(["rare", "comm"], 7)).map((e) => e.key)).toEqual(expected("rare"));
    });
  });

  describe("feed state", () => {
    test("validators per URL, baseline once, errors since when, not modified, reported, gone, forgotten", async () => {
      expect(await store.feedState.get("blog")).toBeUndefined();
      expect(await store.feedState.open("blog", "http://a/feed")).toEqual({
        feed: "blog", url: "http://a/feed", title: undefined, validators: { etag: undefined, lastModified: undefined }, baselineAt: undefined,
        lastPolledAt: undefined, lastOkAt: undefined, lastError: undefined, errorSince: undefined, failureReportedAt: undefined, goneAt: undefined,
      });
      await store.feedState.recordFetched("blog", "A blog", { etag: '"1"', lastModified: "x" }, 10);
      await store.feedState.recordFetched("blog", undefined, { etag: '"2"', lastModified: undefined }, 15);
      expect(await store.feedState.open("blog", "http://a/feed")).toMatchObject({ baselineAt: 10, lastOkAt: 15, title: "A blog", validators: { etag: '"2"', lastModified: undefined } });
      await store.feedState.recordError("blog", "HTTP 500", 20);
      await store.feedState.recordError("blog", "HTTP 502", 30);
      await store.feedState.recordFailureReported("blog", 31);
      expect(await store.feedState.get("blog")).toMatchObject({ lastError: "HTTP 502", errorSince: 20, lastPolledAt: 30, lastOkAt: 15, failureReportedAt: 31 });
      await store.feedState.recordNotModified("blog", 40);
      await store.feedState.recordFailureReported("blog", undefined);
      expect(await store.feedState.get("blog")).toMatchObject({ lastError: undefined, errorSince: undefined, lastPolledAt: 40, lastOkAt: 40, failureReportedAt: undefined });
      await store.feedState.recordGone("blog", 50);
      expect((await store.feedState.get("blog"))!.goneAt).toBe(50);
      // A new URL starts afresh: its own validators, and not gone; the baseline stays.
      expect(await store.feedState.open("blog", "http://b/feed")).toMatchObject({ url: "http://b/feed", validators: { etag: undefined, lastModified: undefined }, goneAt: undefined, baselineAt: 10 });
      await store.feedState.forget("blog");
      expect(await store.feedState.get("blog")).toBeUndefined();
      expect((await store.feedState.open("blog", "http://b/feed")).baselineAt).toBeUndefined();
    });
  });

  describe("digests", () => {
    const HOUR = 3_600_000;
    const period = (due: number, extra: Partial<Parameters<Store["digests"]["close"]>[0]> = {}) => ({ room: "r@muc", feeds: ["blog", "news"], due, maxAgeMs: 24 * HOUR, ...extra });

    test("the first close starts a period; the next lists the posts first seen since, oldest first, never a baseline", async () => {
      await store.feedState.open("blog", "http://a/feed");
      await store.feedState.recordFetched("blog", "Blog", { etag: undefined, lastModified: undefined }, 10);
      await store.entries.record("blog", [entry("base")], 10); // the baseline read
      const compose = jest.fn((posts: readonly { title: string }[], since: number) => `${since}: ${posts.map((p) => p.title).join(", ")}`);
      expect(await store.digests.close(period(HOUR), 20, compose)).toBeUndefined();
      expect(compose).not.toHaveBeenCalled();
      await store.entries.record("blog", [entry("n2", "Second", { published: new Date(HOUR + 50) }), entry("n1", "First", { published: new Date(HOUR + 40) })], HOUR + 100);
      await store.entries.record("blog", [entry("undated", "Undated", { published: undefined })], HOUR + 100);
      await store.entries.record("blog", [entry("old", "Old", { published: new Date(HOUR + 200 - 25 * HOUR) })], HOUR + 200); // older than max age when first seen
      await store.entries.record("blog", [entry("late", "Late")], 2 * HOUR + 1); // after the due time
      expect(await store.digests.close(period(2 * HOUR), 2 * HOUR + 5, compose)).toBe(3);
      expect(compose).toHaveBeenCalledWith(
        [{ feed: "blog", title: "Undated", link: "https://example.org/undated" }, { feed: "blog", title: "First", link: "https://example.org/n1" }, { feed: "blog", title: "Second", link: "https://example.org/n2" }],
        HOUR,
      );
      expect(await store.outbox.pending(room("r@muc"), 5)).toEqual([
        { id: expect.any(Number), createdAt: 2 * HOUR + 5, target: room("r@muc"), body: `${HOUR}: Undated, First, Second` },
      ]);
      // The same due time again: nothing; an empty period is recorded but queues nothing.
      expect(await store.digests.close(period(2 * HOUR), 2 * HOUR + 6, compose)).toBeUndefined();
      expect(await store.digests.close(period(3 * HOUR, { accepts: (_feed, post) => post.title !== "Late" }), 3 * HOUR, compose)).toBe(0);
      expect(await store.outbox.depth()).toBe(1);
    });

    test("if compose throws, the period is not closed", async () => {
      await store.feedState.open("blog", "http://a/feed");
      await store.feedState.recordFetched("blog", "Blog", { etag: undefined, lastModified: undefined }, 10);
      await store.digests.close(period(HOUR), 20, () => "");
      await store.entries.record("blog", [entry("x")], HOUR + 5);
      await expect(attempt(() => store.digests.close(period(2 * HOUR), 2 * HOUR, () => { throw new Error("compose failed"); }))).rejects.toThrow("compose failed");
      expect(await store.digests.close(period(2 * HOUR), 2 * HOUR, () => "text")).toBe(1);
      expect((await store.outbox.pending(room("r@muc"), 5)).map((a) => a.body)).toEqual(["text"]);
    });
  });

  describe("subscriptions", () => {
    test("subscribe, change words, list in byte order, unsubscribe, forget a feed", async () => {
      clock = 77;
      expect(await store.subscriptions.subscribe("u@x", "blog")).toBe(true);
      expect(await store.subscriptions.subscribe("u@x", "blog")).toBe(false);
      expect(await store.subscriptions.subscribe("u@x", "blog", ["xmpp", "muc"])).toBe(true);
      expect(await store.subscriptions.subscribe("u@x", "blog", ["xmpp", "muc"])).toBe(false);
      expect(await store.subscriptions.subscribe("u@x", "News")).toBe(true);
      expect(await store.subscriptions.subscribe("u@x", "alpha")).toBe(true);
      expect(await store.subscriptions.subscribe("B@x", "blog")).toBe(true);
      expect(await store.subscriptions.feedsOf("u@x")).toEqual(["News", "alpha", "blog"]);
      expect(await store.subscriptions.subscriptionsOf("u@x")).toEqual([
        { feed: "News", terms: [] },
        { feed: "alpha", terms: [] },
        { feed: "blog", terms: ["xmpp", "muc"] },
      ]);
      expect(await store.subscriptions.subscribersOf("blog")).toEqual(["B@x", "u@x"]);
      expect(await store.subscriptions.termsOf("u@x", "blog")).toEqual(["xmpp", "muc"]);
      expect(await store.subscriptions.termsOf("nobody@x", "blog")).toEqual([]);
      expect(await store.subscriptions.unsubscribe("u@x", "alpha")).toBe(true);
      expect(await store.subscriptions.unsubscribe("u@x", "alpha")).toBe(false);
      await store.subscriptions.forgetFeed("blog");
      expect(await store.subscriptions.subscribersOf("blog")).toEqual([]);
      expect(await store.subscriptions.feedsOf("u@x")).toEqual(["News"]);
    });
  });

  describe("refusals", () => {
    test("a refusal keeps its first since and its latest reason; told; cleared once", async () => {
      await store.refusals.record(room("b@muc"), "forbidden", 20);
      await store.refusals.record(room("a@muc"), "no voice", 10);
      await store.refusals.record(room("a@muc"), "still no voice", 30);
      await store.refusals.markTold(room("a@muc"), 40);
      expect(await store.refusals.all()).toEqual([
        { target: room("a@muc"), reason: "still no voice", since: 10, toldAt: 40 },
        { target: room("b@muc"), reason: "forbidden", since: 20, toldAt: undefined },
      ]);
      expect(await store.refusals.clear(room("a@muc"))).toEqual({ target: room("a@muc"), reason: "still no voice", since: 10, toldAt: 40 });
      expect(await store.refusals.clear(room("a@muc"))).toBeUndefined();
      expect(await store.refusals.clear({ kind: "user", address: "b@muc" })).toBeUndefined();
      expect((await store.refusals.all()).map((r) => r.target)).toEqual([room("b@muc")]);
    });
  });

  describe("live configuration", () => {
    test("each table keeps its rows by key, in byte order, with their spec, origin, file hash and removal", async () => {
      const feeds = store.liveTable<{ url: string; n?: number }>("feeds");
      await feeds.put({ key: "b", spec: { url: "http://b", n: 1 }, origin: "file", fileHash: "h1", removed: false });
      await feeds.put({ key: "B", spec: { url: "http://B" }, origin: "admin", fileHash: undefined, removed: true });
      await feeds.put({ key: "b", spec: { url: "http://b2" }, origin: "admin", fileHash: "h2", removed: false });
      await store.liveTable("rooms").put({ key: "r@muc", spec: { nick: "H" }, origin: "file", fileHash: undefined, removed: false });
      expect(await feeds.all()).toEqual([
        { key: "B", spec: { url: "http://B" }, origin: "admin", fileHash: undefined, removed: true },
        { key: "b", spec: { url: "http://b2" }, origin: "admin", fileHash: "h2", removed: false },
      ]);
      expect((await store.liveTable("rooms").all()).map((r) => r.key)).toEqual(["r@muc"]);
      expect(await store.liveTable("pubsub_nodes").all()).toEqual([]);
      await feeds.delete("B");
      await feeds.delete("missing");
      expect((await feeds.all()).map((r) => r.key)).toEqual(["b"]);
    });

    test("applyLive writes in order, all or nothing", async () => {
      const row = (key: string, spec: unknown = { key }) => ({ key, spec, origin: "admin" as const, fileHash: undefined, removed: false });
      await store.applyLive([
        { table: "feeds", put: row("f1") },
        { table: "rooms", put: row("r@muc") },
        { table: "feeds", put: row("f2") },
        { table: "feeds", delete: "f1" },
        { table: "pubsub_nodes", put: row("xmpp:ps?;node=n") },
      ]);
      expect((await store.liveTable("feeds").all()).map((r) => r.key)).toEqual(["f2"]);
      expect((await store.liveTable("rooms").all()).map((r) => r.key)).toEqual(["r@muc"]);
      expect((await store.liveTable("pubsub_nodes").all()).map((r) => r.key)).toEqual(["xmpp:ps?;node=n"]);
      // A write the database refuses (an origin that is neither file nor admin) undoes the whole batch.
      // (Not rejects.toThrow(): better-sqlite3's native part keeps the error class of the first
      // test file that loaded it, which is no Error of a later file's realm to Jest.)
      const refused = await store
        .applyLive([
          { table: "feeds", delete: "f2" },
          { table: "rooms", put: row("s@muc") },
          { table: "feeds", put: { ...row("f3"), origin: "bogus" as "admin" } },
        ])
        .then(() => undefined, (err: unknown) => err);
      expect(String((refused as { message?: unknown } | undefined)?.message)).toMatch(/check constraint/i);
      expect((await store.liveTable("feeds").all()).map((r) => r.key)).toEqual(["f2"]);
      expect((await store.liveTable("rooms").all()).map((r) => r.key)).toEqual(["r@muc"]);
      await store.applyLive([]);
    });
  });
}

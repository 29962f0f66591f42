import { openDatabase } from "../../../src/store/sqlite/database.js";
import { createFeedStateStore } from "../../../src/store/sqlite/feed-state.js";
import { createEntryStore } from "../../../src/store/sqlite/entries.js";
import { createOutbox } from "../../../src/store/sqlite/outbox.js";
import { createPoller } from "../../../src/polling/poller.js";
import { httpFeedSource } from "../../../src/sources/http/feed-source.js";
import { FetchError, type FetchResult } from "../../../src/sources/http/fetch.js";
import { pino } from "pino";

const rss = (...ids: string[]) =>
  `<rss version="2.0"><channel><title>T</title>${ids.map((id) => `<item><guid>${id}</guid><title>${id}</title></item>`).join("")}</channel></rss>`;

async function setup(responses: (FetchResult | Error)[], hooks: { onMoved?: (feed: string, url: string) => void } = {}) {
  const db = await openDatabase(":memory:");
  const outbox = createOutbox(db);
  const queued: string[] = [];
  const calls: unknown[] = [];
  const fetchFeed = async (_url: string, validators: unknown) => {
    calls.push(validators);
    const next = responses.shift();
    if (!next) throw new Error("no more responses");
    if (next instanceof Error) throw next;
    return next;
  };
  const poller = createPoller({
    feedState: createFeedStateStore(db),
    entries: createEntryStore(db),
    targetsFor: async () => [{ kind: "room", address: "room@muc" }],
    onQueued: (feed) => queued.push(feed),
    log: pino({ level: "silent" }),
    now: () => 1000,
    ...hooks,
  });
  poller.setFeeds([{ name: "blog", location: "http://x/feed", intervalMs: 60_000, read: httpFeedSource("http://x/feed", fetchFeed) }]);
  return { poller, outbox, queued, calls };
}

const fetched = (text: string, etag?: string): FetchResult => ({
  kind: "fetched",
  text,
  url: "http://x/feed",
  bytes: text.length,
  validators: { etag, lastModified: undefined },
});

test("baseline first, then only new entries are queued; validators are sent back", async () => {
  const { poller, outbox, queued, calls } = await setup([fetched(rss("a", "b"), '"1"'), { kind: "not-modified" }, fetched(rss("c", "a", "b"), '"2"')]);
  expect(await poller.pollNow("blog")).toEqual({ result: "baseline", entries: 2 });
  expect(await poller.pollNow("blog")).toEqual({ result: "not-modified" });
  expect(await poller.pollNow("blog")).toEqual({ result: "new", added: 1, queued: 1, tooOld: 0, folded: 0 });
  expect(calls[1]).toEqual({ etag: '"1"', lastModified: undefined });
  expect(queued).toEqual(["blog"]);
  expect((await outbox.pending({ kind: "room", address: "room@muc" }, 10)).map((a) => a.entry?.key)).toEqual(["id:c"]);
  await poller.stop();
});

test("a fetch error is recorded as temporary or not, and the next good fetch is still a baseline", async () => {
  const { poller, outbox } = await setup([new FetchError("HTTP 503", true, 503), fetched("<html>nope</html>"), fetched(rss("a"))]);
  expect(await poller.pollNow("blog")).toEqual({ result: "error", error: "HTTP 503", temporary: true });
  expect(await poller.pollNow("blog")).toMatchObject({ result: "error", temporary: false });
  expect(await poller.pollNow("blog")).toEqual({ result: "baseline", entries: 1 });
  expect(await outbox.depth()).toBe(0);
  await poller.stop();
});

test("an unknown feed name polls nothing", async () => {
  const { poller } = await setup([]);
  expect(poller.pollNow("nope")).toBeUndefined();
});

afterEach(() => jest.useRealTimers());

test("410 Gone: the feed is not polled again", async () => {
  jest.useFakeTimers();
  const { poller, calls } = await setup([new FetchError("HTTP 410 Gone", false, 410, { gone: true })]);
  await poller.start();
  await jest.advanceTimersByTimeAsync(24 * 3_600_000);
  expect(calls).toHaveLength(1);
  await poller.stop();
});

test("Retry-After is honoured: no poll before the server's time", async () => {
  jest.useFakeTimers();
  const { poller, calls } = await setup([new FetchError("HTTP 429", true, 429, { retryAfterMs: 30 * 60_000 }), fetched(rss("a"))]);
  await poller.start();
  await jest.advanceTimersByTimeAsync(29 * 60_000);
  expect(calls).toHaveLength(1);
  await jest.advanceTimersByTimeAsync(90_000);
  expect(calls).toHaveLength(2);
  await poller.stop();
});

test("a permanent redirect is reported so the new URL can be remembered", async () => {
  const moved: string[] = [];
  const { poller } = await setup([{ ...fetched(rss("a")), permanentRedirect: "http://y/feed" } as FetchResult], { onMoved: (_f, url) => moved.push(url) });
  await poller.pollNow("blog");
  expect(moved).toEqual(["http://y/feed"]);
});

describe("interval auto", () => {
  const HOUR = 3_600_000;
  const now = Date.UTC(2026, 11, 3, 12);
  const dated = (...hoursAgo: number[]) =>
    `<rss version="2.0"><channel><title>T</title><ttl>20</ttl><atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="hub" href="https://hub.example/"/>${hoursAgo
      .map((h) => `<item><guid>p${h}</guid><title>p${h}</title><pubDate>${new Date(now - h * HOUR).toUTCString()}</pubDate></item>`)
      .join("")}</channel></rss>`;

  async function autoPoller(texts: string[], pushActive = () => false) {
    const db = await openDatabase(":memory:");
    const hints: unknown[] = [];
    const fetchFeed = async (): Promise<FetchResult> => fetched(texts.shift()!);
    const poller = createPoller({
      feedState: createFeedStateStore(db),
      entries: createEntryStore(db),
      targetsFor: async () => [{ kind: "room", address: "room@muc" }],
      onQueued: () => undefined,
      log: pino({ level: "silent" }),
      now: () => now,
      adaptive: { minMs: 2 * 60_000, maxMs: HOUR },
      pushActive,
      onHints: (feed, location, h) => hints.push({ feed, location, hub: h.hub }),
      random: () => 0.5,
    });
    poller.setFeeds([{ name: "blog", location: "http://x/feed", read: httpFeedSource("http://x/feed", fetchFeed) }]);
    return { poller, hints };
  }

  test("learns from the posts' dates, honours the feed's ttl, and reports the hub it names", async () => {
    const { poller, hints } = await autoPoller([dated(4, 8, 12), dated(0, 4, 8, 12)]);
    await poller.pollNow("blog");
    // Posts every 4 hours: a read every 40 minutes (six per gap); the ttl of 20 min is shorter.
    expect(poller.scheduleOf("blog")).toMatchObject({ ms: 40 * 60_000, basis: "history", reason: "posts about every 4 h" });
    expect(hints).toEqual([{ feed: "blog", location: "http://x/feed", hub: "https://hub.example/" }]);
    await poller.pollNow("blog");
    // A new post halves the wait.
    expect(poller.scheduleOf("blog")).toMatchObject({ ms: 20 * 60_000, basis: "new-post" });
    await poller.stop();
  });

  test("a pushed body is read like a poll, and a pushed feed is polled only at the ceiling", async () => {
    const { poller, hints } = await autoPoller([dated(4, 8, 12)], () => true);
    await poller.pollNow("blog");
    expect(poller.scheduleOf("blog")).toMatchObject({ ms: HOUR, basis: "push" });
    const outcome = await poller.pushed("blog", async (validators) => ({ kind: "entries", title: "T", entries: [{ key: "id:pushed", title: "Pushed", link: "https://b/p", author: undefined, published: new Date(now), summaryHtml: "", categories: [], media: [] }], validators }));
    expect(outcome).toMatchObject({ result: "new", added: 1 });
    // A push says nothing of the feed's links: the hub seen by the poll stands.
    expect(hints).toHaveLength(1);
    await poller.stop();
  });
});

test("a restart reads at once only the feeds whose interval has run out since their last read", async () => {
  const db = await openDatabase(":memory:");
  const feedState = createFeedStateStore(db);
  const entries = createEntryStore(db);
  let clock = 1_000;
  const calls: string[] = [];
  const fetchFeed = (name: string) => async (): Promise<FetchResult> => (calls.push(name), fetched(rss("a")));
  const make = () =>
    createPoller({ feedState, entries, targetsFor: async () => [], onQueued: () => undefined, log: pino({ level: "silent" }), now: () => clock });
  const specs = [
    { name: "recent", location: "http://x/recent", intervalMs: 60_000, read: httpFeedSource("http://x/recent", fetchFeed("recent")) },
    { name: "overdue", location: "http://x/overdue", intervalMs: 10_000, read: httpFeedSource("http://x/overdue", fetchFeed("overdue")) },
    { name: "folder", location: "/srv/blog", intervalMs: 60_000, read: httpFeedSource("http://x/folder", fetchFeed("folder")) },
  ];
  const first = make();
  first.setFeeds(specs);
  for (const s of specs) await first.pollNow(s.name);
  await first.stop();
  calls.length = 0;

  clock += 30_000; // a restart half a minute later
  const second = make();
  second.setFeeds(specs);
  await second.start();
  await new Promise((resolve) => setImmediate(resolve));
  await second.stop();
  // "recent" waits its remaining 30 s; "overdue" (10 s interval) and the folder are read at once.
  expect(calls.sort()).toEqual(["folder", "overdue"]);
});

test("a feed's new location is read only after the read at the old one has recorded what it found", async () => {
  const db = await openDatabase(":memory:");
  const calls: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const source = (url: string, wait?: Promise<void>) =>
    httpFeedSource(url, async (): Promise<FetchResult> => {
      calls.push(url);
      await wait;
      return fetched(rss("a"));
    });
  const poller = createPoller({ feedState: createFeedStateStore(db), entries: createEntryStore(db), targetsFor: async () => [], onQueued: () => undefined, log: pino({ level: "silent" }), now: () => 1000 });
  poller.setFeeds([{ name: "blog", location: "http://old/feed", intervalMs: 60_000, read: source("http://old/feed", held) }]);
  const old = poller.pollNow("blog");
  // The location changes (an edit, a permanent redirect) while the old read is still on its way.
  poller.setFeeds([{ name: "blog", location: "http://new/feed", intervalMs: 60_000, read: source("http://new/feed") }]);
  const moved = poller.pollNow("blog");
  await new Promise((r) => setImmediate(r));
  expect(calls).toEqual(["http://old/feed"]);
  release();
  expect(await old).toEqual({ result: "baseline", entries: 1 });
  expect(await moved).toEqual({ result: "unchanged" });
  expect(calls).toEqual(["http://old/feed", "http://new/feed"]);
  await poller.stop();
});

/** A poller on the clock (faked by the test), with one-second ticks and nowhere to announce. */
function tickedPoller(db: Awaited<ReturnType<typeof openDatabase>>) {
  return createPoller({
    feedState: createFeedStateStore(db),
    entries: createEntryStore(db),
    targetsFor: async () => [],
    onQueued: () => undefined,
    log: pino({ level: "silent" }),
    now: () => Date.now(),
    tickMs: 1_000,
  });
}

test("feeds due within one tick are read in the same wake-up, at the tick's end", async () => {
  // setImmediate stays real: the feed-state store writes a turn's unchanged polls together on it.
  jest.useFakeTimers({ now: 0, doNotFake: ["setImmediate"] });
  const db = await openDatabase(":memory:");
  const reads: { feed: string; at: number }[] = [];
  const source = (feed: string) => async () => {
    reads.push({ feed, at: Date.now() });
    return { kind: "not-modified" as const };
  };
  const poller = tickedPoller(db);
  // Both read once at start; then 60.2 s and 60.7 s: due on the same tick, 61 s.
  poller.setFeeds([
    { name: "a", location: "folder-a", intervalMs: 60_200, read: source("a") },
    { name: "b", location: "folder-b", intervalMs: 60_700, read: source("b") },
  ]);
  await poller.start();
  // The first reads end once their unchanged-poll writes are stored (a real turn of the loop).
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  await jest.advanceTimersByTimeAsync(60_999);
  expect(reads.map((r) => r.feed)).toEqual(["a", "b"]);
  await jest.advanceTimersByTimeAsync(1);
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  expect(reads.slice(2)).toEqual([
    { feed: "a", at: 61_000 },
    { feed: "b", at: 61_000 },
  ]);
  // A feed removed while it waits for its tick is not read.
  poller.setFeeds([{ name: "a", location: "folder-a", intervalMs: 60_200, read: source("a") }]);
  await jest.advanceTimersByTimeAsync(61_000);
  expect(reads.slice(4).map((r) => r.feed)).toEqual(["a"]);
  await poller.stop();
});

test("a fixed interval is counted from the start of the last read, so a slow read adds no tick", async () => {
  jest.useFakeTimers({ now: 0, doNotFake: ["setImmediate"] });
  const db = await openDatabase(":memory:");
  const reads: number[] = [];
  const poller = tickedPoller(db);
  // Each read takes 300 ms; counted from its end, the next would wait for the tick after 60.3 s.
  const slow = async () => {
    reads.push(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { kind: "not-modified" as const };
  };
  poller.setFeeds([{ name: "a", location: "folder-a", intervalMs: 60_000, read: slow }]);
  await poller.start();
  for (let i = 0; i < 4; i++) {
    await jest.advanceTimersByTimeAsync(30_000);
    for (let j = 0; j < 5; j++) await new Promise((resolve) => setImmediate(resolve));
    await jest.advanceTimersByTimeAsync(30_000);
    for (let j = 0; j < 5; j++) await new Promise((resolve) => setImmediate(resolve));
  }
  expect(reads).toEqual([0, 60_000, 120_000, 180_000, 240_000]);
  await jest.advanceTimersByTimeAsync(1_000); // the last read ends
  await poller.stop();
});

test("a feed that leaves the poller while it is read records nothing (another instance holds it now)", async () => {
  const db = await openDatabase(":memory:");
  const feedState = createFeedStateStore(db);
  let finish: (result: FetchResult | Error) => void = () => undefined;
  let calls = 0;
  const fetchFeed = () => {
    calls++;
    return new Promise<FetchResult>((resolve, reject) => (finish = (r) => (r instanceof Error ? reject(r) : resolve(r))));
  };
  const polled: string[] = [];
  const poller = createPoller({
    feedState,
    entries: createEntryStore(db),
    targetsFor: async () => [],
    onQueued: () => undefined,
    onPolled: async (feed) => void polled.push(feed),
    log: pino({ level: "silent" }),
    now: () => 1000,
  });
  const spec = { name: "blog", location: "http://x/feed", intervalMs: 60_000, read: httpFeedSource("http://x/feed", fetchFeed) };
  poller.setFeeds([spec]);
  await poller.start();
  // The first read finds the baseline; the second is under way when the feed goes.
  const turns = async (until: () => boolean) => {
    for (let i = 0; i < 50 && !until(); i++) await new Promise((resolve) => setImmediate(resolve));
  };
  await turns(() => calls > 0);
  finish(fetched(rss("a"), '"v1"'));
  await turns(() => polled.length > 0);
  const second = poller.pollNow("blog")!;
  await turns(() => calls > 1);
  poller.setFeeds([]);
  finish(new FetchError("HTTP 500 Internal Server Error", true, 500));
  await second;
  const state = await feedState.get("blog");
  expect(state?.lastError).toBeUndefined();
  expect(state?.validators.etag).toBe('"v1"');
  expect(polled).toEqual(["blog"]);
  await poller.stop();
});

test("a feed whose lease this instance does not hold is not read, even while the poller still lists it", async () => {
  const db = await openDatabase(":memory:");
  let held = false;
  let reads = 0;
  const poller = createPoller({
    feedState: createFeedStateStore(db),
    entries: createEntryStore(db),
    targetsFor: async () => [],
    onQueued: () => undefined,
    mine: () => held,
    log: pino({ level: "silent" }),
    now: () => 1000,
  });
  poller.setFeeds([{ name: "blog", location: "folder-blog", intervalMs: 60_000, read: async () => (reads++, { kind: "not-modified" as const }) }]);
  await poller.pollNow("blog");
  expect(reads).toBe(0);
  expect(await createFeedStateStore(db).get("blog")).toBeUndefined();
  held = true;
  await poller.pollNow("blog");
  expect(reads).toBe(1);
  await poller.stop();
});

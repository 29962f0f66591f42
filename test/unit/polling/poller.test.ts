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
    targetsFor: () => [{ kind: "room", address: "room@muc" }],
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
  expect(outbox.pending({ kind: "room", address: "room@muc" }, 10).map((a) => a.entry?.key)).toEqual(["id:c"]);
  await poller.stop();
});

test("a fetch error is recorded as temporary or not, and the next good fetch is still a baseline", async () => {
  const { poller, outbox } = await setup([new FetchError("HTTP 503", true, 503), fetched("<html>nope</html>"), fetched(rss("a"))]);
  expect(await poller.pollNow("blog")).toEqual({ result: "error", error: "HTTP 503", temporary: true });
  expect(await poller.pollNow("blog")).toMatchObject({ result: "error", temporary: false });
  expect(await poller.pollNow("blog")).toEqual({ result: "baseline", entries: 1 });
  expect(outbox.depth()).toBe(0);
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
  poller.start();
  await jest.advanceTimersByTimeAsync(24 * 3_600_000);
  expect(calls).toHaveLength(1);
  await poller.stop();
});

test("Retry-After is honoured: no poll before the server's time", async () => {
  jest.useFakeTimers();
  const { poller, calls } = await setup([new FetchError("HTTP 429", true, 429, { retryAfterMs: 30 * 60_000 }), fetched(rss("a"))]);
  poller.start();
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

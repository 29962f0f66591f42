// When the admins hear about a feed's trouble, over a real SQLite store with a hand-driven clock.
import { openDatabase } from "../../../src/store/sqlite/database.js";
import { createFeedStateStore } from "../../../src/store/sqlite/feed-state.js";
import { createFailureReports } from "../../../src/polling/failure-reports.js";

async function setup() {
  let t = 0;
  const db = await openDatabase(":memory:");
  const state = createFeedStateStore(db);
  await state.open("blog", "https://b/feed");
  const told: string[] = [];
  let online = true;
  const reports = createFailureReports({ feedState: state, notifyAdmins: (s) => (online ? told.push(s) > 0 : false), reportAfterMs: 3_600_000, now: () => t });
  const fail = async (error: string, extra: object = {}) => {
    await state.recordError("blog", error, t);
    await reports.onPolled("blog", { result: "error", error, temporary: true, ...extra });
  };
  // As the poller does: the state the poll opened goes with its outcome.
  const ok = async () => {
    const before = await state.open("blog", "https://b/feed");
    await state.recordNotModified("blog", t);
    await reports.onPolled("blog", { result: "not-modified" }, before);
  };
  return { state, told, fail, ok, at: (ms: number) => (t = ms), setOnline: (v: boolean) => (online = v) };
}

test("short trouble stays quiet; an hour of failure is told once; the recovery once", async () => {
  const { told, fail, ok, at } = await setup();
  await fail("HTTP 503");
  at(30 * 60_000);
  await fail("HTTP 503");
  expect(told).toEqual([]);
  at(61 * 60_000);
  await fail("HTTP 502");
  at(90 * 60_000);
  await fail("HTTP 502");
  expect(told).toEqual(["Feed blog has been failing for 1h1m: HTTP 502. I keep trying and will tell you when it works again."]);
  await ok();
  await ok();
  expect(told.at(-1)).toBe("Feed blog works again.");
  expect(told).toHaveLength(2);
});

test("a failure that ends before the hour is never told", async () => {
  const { told, fail, ok, at } = await setup();
  await fail("timeout");
  at(59 * 60_000);
  await ok();
  at(200 * 60_000);
  await fail("timeout");
  expect(told).toEqual([]);
});

test("410 Gone is told at once, once, and the feed is marked gone", async () => {
  const { state, told, fail } = await setup();
  await fail("HTTP 410 Gone", { gone: true, temporary: false });
  await fail("HTTP 410 Gone", { gone: true, temporary: false });
  expect(told).toEqual([expect.stringMatching(/^Feed blog is gone \(HTTP 410 at https:\/\/b\/feed\); I stopped polling it/)]);
  expect((await state.get("blog"))?.goneAt).toBeDefined();
  // A new location starts afresh.
  expect((await state.open("blog", "https://b/new-feed")).goneAt).toBeUndefined();
});

test("a report that could not be sent (offline) is tried again at the next failure", async () => {
  const { told, fail, at, setOnline } = await setup();
  await fail("HTTP 500");
  at(2 * 3_600_000);
  setOnline(false);
  await fail("HTTP 500");
  expect(told).toEqual([]);
  setOnline(true);
  at(3 * 3_600_000);
  await fail("HTTP 500");
  expect(told).toEqual(["Feed blog has been failing for 3h: HTTP 500. I keep trying and will tell you when it works again."]);
});

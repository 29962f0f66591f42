// Digests over a real SQLite database with a hand-driven clock.
import { recordRead } from "../../../src/polling/record-read.js";
import { pino } from "pino";
import { openSqliteStore } from "../../../src/store/sqlite/index.js";
import { createRegistry, DEFAULT_ROOM_SETTINGS } from "../../../src/live/registry.js";
import { createDigests } from "../../../src/announce/digests.js";
import type { Entry } from "../../../src/sources/entry.js";

const post = (key: string): Entry => ({ key, title: `Post ${key}`, link: `https://b/${key}`, author: undefined, published: undefined, summaryHtml: "", categories: [] });

afterEach(() => jest.useRealTimers());

test("one digest per period with the period's posts; none when empty; no repeat after a restart", async () => {
  jest.useFakeTimers();
  let t = Date.parse("2026-03-10T08:00:00Z");
  const store = await openSqliteStore(":memory:", () => t);
  const { entries, outbox, feedState: state } = store;
  const registry = await createRegistry(store);
  await registry.reconcile([{ kind: "http", name: "blog", url: "https://b/feed", intervalMs: 60_000 }], [{ jid: "r@muc", feeds: ["blog"] }]);
  await registry.putRoom({ ...registry.room("r@muc")!, settings: { ...DEFAULT_ROOM_SETTINGS, digest: "daily 09:00", instant: false } });
  // Baseline: never in a digest.
  await state.open("blog", "https://b/feed");
  await recordRead(entries, "blog", [post("old")], [], true, t);
  await state.recordFetched("blog", "Blog", { etag: undefined, lastModified: undefined }, t);

  const queued: string[] = [];
  const make = () => createDigests({ digests: store.digests, registry, onQueued: (r) => queued.push(r), timeZone: "UTC", maxAgeMs: 7 * 86_400_000, now: () => t, log: pino({ level: "silent" }) });
  let digests = make();
  await digests.start(); // first sight: the digest starts now
  t += 60_000;
  await recordRead(entries, "blog", [post("a"), post("b")], [], false, t);
  t = Date.parse("2026-03-10T09:00:01Z");
  await digests.reschedule();
  const [digest] = await outbox.pending({ kind: "room", address: "r@muc" }, 10);
  // A feed lists newest first, so "b" is the older post and comes first.
  expect(digest?.body).toBe("*Digest: 2 new posts since 2026-03-09 09:00 UTC*\n• Post b https://b/b\n• Post a https://b/a");
  expect(queued).toEqual(["r@muc"]);
  await outbox.markSent(digest!.id, t, undefined);

  // A restart in the same period sends nothing again.
  digests.stop();
  digests = make();
  await digests.start();
  expect(await outbox.pending({ kind: "room", address: "r@muc" }, 10)).toEqual([]);
  // An empty period: no message.
  t = Date.parse("2026-03-11T09:00:01Z");
  await digests.reschedule();
  expect(await outbox.pending({ kind: "room", address: "r@muc" }, 10)).toEqual([]);
  digests.stop();
});

test("a room's filter applies to its digest", async () => {
  jest.useFakeTimers();
  let t = Date.parse("2026-03-10T08:00:00Z");
  const store = await openSqliteStore(":memory:", () => t);
  const { entries, outbox, feedState: state } = store;
  const registry = await createRegistry(store);
  await registry.reconcile([{ kind: "http", name: "blog", url: "https://b/feed", intervalMs: 60_000 }], [{ jid: "r@muc", feeds: ["blog"] }]);
  await registry.putRoom({ ...registry.room("r@muc")!, settings: { ...DEFAULT_ROOM_SETTINGS, digest: "daily 09:00", instant: false } });
  await state.open("blog", "https://b/feed");
  await recordRead(entries, "blog", [post("old")], [], true, t);
  await state.recordFetched("blog", "Blog", { etag: undefined, lastModified: undefined }, t);
  const digests = createDigests({
    digests: store.digests,
    registry,
    onQueued: () => undefined,
    timeZone: "UTC",
    maxAgeMs: 7 * 86_400_000,
    accepts: async () => (_target, entry) => entry.title.includes("omemo"),
    now: () => t,
    log: pino({ level: "silent" }),
  });
  await digests.start();
  t += 60_000;
  await recordRead(entries, "blog", [post("omemo news"), post("other news")], [], false, t);
  t = Date.parse("2026-03-10T09:00:01Z");
  await digests.reschedule();
  const [digest] = await outbox.pending({ kind: "room", address: "r@muc" }, 10);
  expect(digest?.body).toBe("*Digest: 1 new post since 2026-03-09 09:00 UTC*\n• Post omemo news https://b/omemo news");
  digests.stop();
});

// What one read of a feed queues for PubSub nodes: every new post (none folded into a footer),
// nothing from the first read unless the node asks for a backfill, and a backfill only once.
import { openDatabase } from "../../../src/store/sqlite/database.js";
import { createEntryStore } from "../../../src/store/sqlite/entries.js";
import { createOutbox } from "../../../src/store/sqlite/outbox.js";
import { recordRead } from "../../../src/polling/record-read.js";
import type { Entry } from "../../../src/sources/entry.js";
import type { Target } from "../../../src/store/store.js";

const NODE: Target = { kind: "pubsub", address: "xmpp:pubsub.example.org?;node=blog" };
const ROOM: Target = { kind: "room", address: "news@conference.example.org" };
const NOW = Date.parse("2026-12-01T00:00:00Z");
const post = (n: number): Entry => ({ key: `id:${n}`, title: `Post ${n}`, link: undefined, author: undefined, published: new Date(NOW - (100 - n) * 60_000), summaryHtml: "", categories: [] });
// Feeds list the newest first.
const posts = (...ns: number[]) => ns.sort((a, b) => b - a).map(post);
const policy = { maxAgeMs: 7 * 86_400_000, maxPerRead: 2, footer: (more: number) => `…and ${more} more` };

async function setup() {
  const db = await openDatabase(":memory:");
  return { entries: createEntryStore(db), outbox: createOutbox(db) };
}
const keys = async (outbox: ReturnType<typeof createOutbox>, target: Target) => (await outbox.pending(target, 100)).map((a) => a.entry?.key);

test("the first read queues nothing for a node without backfill; later reads queue every new post", async () => {
  const { entries, outbox } = await setup();
  await recordRead(entries, "blog", posts(1, 2), [ROOM, NODE], true, NOW, policy);
  expect(await outbox.depth()).toBe(0);
  await recordRead(entries, "blog", posts(1, 2, 3, 4, 5, 6), [ROOM, NODE], false, NOW, policy);
  // The room's cap folds the rest into a footer; the node, an archive, gets all four, oldest first.
  expect(await keys(outbox, ROOM)).toEqual(["id:5", "id:6"]);
  expect(await keys(outbox, NODE)).toEqual(["id:3", "id:4", "id:5", "id:6"]);
});

test("backfill gives the node the newest N posts of the first read, oldest first, and only once", async () => {
  const { entries, outbox } = await setup();
  const backfill = [{ target: NODE, count: 2 }];
  await recordRead(entries, "blog", posts(1, 2, 3), [ROOM, NODE], true, NOW, policy, 0, undefined, backfill);
  expect(await keys(outbox, NODE)).toEqual(["id:2", "id:3"]);
  expect(await keys(outbox, ROOM)).toEqual([]);
  // The next read, with one new post: that one is queued, the backfilled ones are not queued again.
  await recordRead(entries, "blog", posts(1, 2, 3, 4), [ROOM, NODE], false, NOW, policy, 0, undefined, backfill);
  expect(await keys(outbox, NODE)).toEqual(["id:2", "id:3", "id:4"]);
});

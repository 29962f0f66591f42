// PubSub nodes in the live configuration: the file's and the admins', across restarts.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../../src/store/sqlite/index.js";
import { createRegistry } from "../../../src/live/registry.js";
import type { FeedConfig, PubsubNodeConfig } from "../../../src/config/schema.js";
import { nodeUri } from "../../../src/xmpp/pubsub-stanzas.js";

const feed = (name: string): FeedConfig => ({ kind: "http", name, url: `https://x/${name}`, intervalMs: 600_000 });
const node = (name: string, feeds: string[]): PubsubNodeConfig => ({ service: "pubsub.x", node: name, feeds, accessModel: "open", backfill: 0 });

async function restart(path: string, nodes: PubsubNodeConfig[] | undefined) {
  const db = await openSqliteStore(path, () => 0);
  const registry = await createRegistry(db);
  const report = await registry.reconcile([feed("a"), feed("b")], [], nodes);
  return { db, registry, report };
}
const file = () => join(mkdtempSync(join(tmpdir(), "herald-nodes-")), "h.db");

test("the file's nodes apply; an admin's node and an admin's removal survive a restart", async () => {
  const path = file();
  const first = await restart(path, [node("blog", ["a"]), node("news", ["b"])]);
  expect(first.report.nodes?.added).toEqual([nodeUri(node("blog", [])), nodeUri(node("news", []))]);
  await first.registry.putNode(node("chat", ["a"]));
  expect(await first.registry.removeNode(nodeUri(node("news", [])))).toBe(true);
  await first.db.close();

  const second = await restart(path, [node("blog", ["a"]), node("news", ["b"])]);
  expect(second.registry.nodes().map((n) => n.node)).toEqual(["blog", "chat"]);
  await second.db.close();
  // A tool that reads only feeds and rooms (import-opml) leaves the nodes alone.
  const third = await restart(path, undefined);
  expect(third.registry.nodes().map((n) => n.node)).toEqual(["blog", "chat"]);
  await third.db.close();
});

test("a feed removed is taken out of every node's list", async () => {
  const { registry } = await restart(file(), [node("blog", ["a", "b"])]);
  await registry.removeFeed("b");
  expect(registry.node(nodeUri(node("blog", [])))?.feeds).toEqual(["a"]);
});

// PubSub nodes (XEP-0060) as targets, as a reader subscribed to the node sees them: the node is
// created with the first session, the feed's first read publishes nothing, a new post arrives as one
// item whose id is the post's identity and whose payload is an Atom entry, a correction and a
// restart republish the same id (the node never gets a second item for a post), and a node the bot
// may not publish to is reported to the admins, then served once it may.
import { mkdtempSync } from "node:fs";
import { xml } from "@xmpp/client";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member } from "./harness/member.js";
import { FeedServer, makePost, type Post } from "./harness/feed-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";
import { createNode, NS_ATOM, pubsubReader, setAffiliation, type NodeItem, type PubsubReader } from "./harness/pubsub-reader.js";
import { itemIdOf } from "../../src/targets/atom-entry.js";

const BOT = "herald@localhost";
const SERVICE = "pubsub.localhost";
const NODE = "blog";
// A second service where only the owner may create nodes (on Prosody she alone is its admin):
// she made the node, so the bot may not publish there until she makes it a publisher.
const LOCKED_SERVICE = "news.localhost";
const LOCKED = "locked";
let server: XmppServer;
let feeds: FeedServer;
let reader: Member;
let owner: Member; // the bot's admin
let readerNode: PubsubReader;
let ownerNode: PubsubReader;
let bot: BotProcess;
let dir: string;
const first = makePost("Already there");

const itemOf = (post: Post) => itemIdOf("blog", `id:${post.id}`);
const titleOf = (item: NodeItem) => item.entry?.getChildText("title", NS_ATOM);

function startBot(store: string, backfill = 0): BotProcess {
  const config = writeConfig(
    {
      xmpp: { jid: BOT, password: "bot-pw", service: server.service, resource: `pubsub-${process.pid}` },
      admins: ["owner@localhost"],
      store,
      feeds: [
        { name: "blog", url: feeds.url("/blog.atom"), interval: "1s" },
        { name: "locked", url: feeds.url("/locked.atom"), interval: "1s" },
      ],
      pubsub: [
        { service: SERVICE, node: NODE, feeds: ["blog"], title: "The test blog", backfill },
        { service: LOCKED_SERVICE, node: LOCKED, feeds: ["locked"] },
      ],
      announce: { corrections: "1h" },
    },
    mkdtempSync(join(dir, "cfg-")),
  );
  return BotProcess.run(config);
}

beforeAll(async () => {
  server = await startServer({
    users: { herald: "bot-pw", reader: "reader-pw", owner: "owner-pw" },
    pubsub: { [SERVICE]: [BOT], [LOCKED_SERVICE]: ["owner@localhost"] },
  });
  feeds = new FeedServer();
  await feeds.start();
  feeds.setFeed("/blog.atom", "atom", [first]);
  feeds.setFeed("/locked.atom", "atom", [makePost("Locked before")]);
  [reader, owner] = await Promise.all([
    connectMember({ server, username: "reader", password: "reader-pw" }),
    connectMember({ server, username: "owner", password: "owner-pw" }),
  ]);
  readerNode = pubsubReader(reader);
  ownerNode = pubsubReader(owner);
  await createNode(owner, LOCKED_SERVICE, LOCKED);
  await ownerNode.subscribe(LOCKED_SERVICE, LOCKED);
  dir = mkdtempSync(join(tmpdir(), "herald-pubsub-"));
  bot = startBot(join(dir, "herald.db"));
  await bot.waitForMsg("created PubSub node", { node: NODE });
  for (const feed of ["blog", "locked"]) await bot.waitForMsg("polled", { feed, result: "baseline" });
  await readerNode.subscribe(SERVICE, NODE);
});

afterAll(async () => {
  await bot?.kill();
  readerNode?.stop();
  ownerNode?.stop();
  await Promise.all([reader?.stop(), owner?.stop()]);
  await feeds?.stop();
  await server?.cleanup();
});

test("the first read publishes nothing; a new post arrives as one item: the post's id, an Atom entry", async () => {
  expect(await readerNode.items(SERVICE, NODE)).toEqual([]);
  const post = makePost("Nodes are here", { author: "Ada" });
  feeds.publish("/blog.atom", post);

  const item = await readerNode.waitForEvent((i) => i.node === NODE && i.id === itemOf(post));
  expect(item.service).toBe(SERVICE);
  // RFC 4287 §4.1.2, as XEP-0277 reads it.
  expect(titleOf(item)).toBe("Nodes are here");
  expect(item.entry?.getChildText("id", NS_ATOM)).toBe(post.id);
  expect(item.entry?.getChild("link", NS_ATOM)?.attrs).toMatchObject({ rel: "alternate", href: post.link });
  expect(item.entry?.getChild("author", NS_ATOM)?.getChildText("name", NS_ATOM)).toBe("Ada");
  expect(item.entry?.getChildText("published", NS_ATOM)).toBe(post.published.toISOString());
  expect(item.entry?.getChildText("summary", NS_ATOM)).toContain("Nodes are here is here.");
  await bot.waitForLog((l) => l.msg === "announced" && l.kind === "pubsub" && l.title === "Nodes are here");
  expect((await readerNode.items(SERVICE, NODE)).map((i) => i.id)).toEqual([itemOf(post)]);
});

test("a corrected post is republished under the same id: the item is replaced, not added", async () => {
  const post = makePost("Node corection");
  feeds.publish("/blog.atom", post);
  await readerNode.waitForEvent((i) => i.id === itemOf(post));
  await bot.waitForLog((l) => l.msg === "announced" && l.kind === "pubsub" && l.title === "Node corection");

  feeds.rewrite("/blog.atom", (p) => (p.id === post.id ? { ...p, title: "Node correction" } : p));
  const fixed = await readerNode.waitForEvent((i) => i.id === itemOf(post) && titleOf(i) === "Node correction");
  // The new version says it is newer than the post.
  expect(Date.parse(fixed.entry!.getChildText("updated", NS_ATOM)!)).toBeGreaterThan(post.published.getTime());
  const items = await readerNode.items(SERVICE, NODE);
  expect(items.filter((i) => i.id === itemOf(post)).map(titleOf)).toEqual(["Node correction"]);
  expect(items).toHaveLength(2);
});

test("a restart, even one that lost its database, republishes the same ids: one item per post", async () => {
  await bot.stop();
  const before = (await readerNode.items(SERVICE, NODE)).map((i) => i.id).sort();
  const events = readerNode.events.length;
  // A fresh database asking for the newest 10 posts: all three go out again, under their ids.
  bot = startBot(join(dir, "fresh.db"), 10);
  await bot.waitForMsg("polled", { feed: "blog", result: "baseline" });
  await readerNode.waitForEvent((i) => readerNode.events.indexOf(i) >= events && i.id === itemOf(first));
  for (const title of ["Already there", "Nodes are here", "Node correction"]) await bot.waitForLog((l) => l.msg === "announced" && l.kind === "pubsub" && l.title === title);
  const after = await readerNode.items(SERVICE, NODE);
  expect(after.map((i) => i.id).sort()).toEqual([...before, itemOf(first)].sort());
  expect(after).toHaveLength(3);
});

test("a node the bot may not publish to is reported to the admins; made a publisher, the post goes", async () => {
  const post = makePost("Locked news");
  feeds.publish("/locked.atom", post);
  const told = await owner.waitForMessage((m) => m.type === "chat" && m.body.startsWith(`I cannot publish to node ${LOCKED} at ${LOCKED_SERVICE}`));
  expect(told.body).toContain("forbidden");
  expect(told.body).toContain("Make me a publisher");
  expect(await ownerNode.items(LOCKED_SERVICE, LOCKED)).toEqual([]);

  // XEP-0060 §8.9.2: the owner makes the bot a publisher; the bot's next try goes through.
  await setAffiliation(owner, LOCKED_SERVICE, LOCKED, BOT, "publisher");
  const item = await ownerNode.waitForEvent((i) => i.node === LOCKED && i.id === itemIdOf("locked", `id:${post.id}`), 60_000);
  expect(titleOf(item)).toBe("Locked news");
  await owner.waitForMessage((m) => m.type === "chat" && m.body === `I can publish to node ${LOCKED} at ${LOCKED_SERVICE} again.`);
  // Told once, however often it was tried meanwhile.
  expect(owner.messages.filter((m) => m.body.startsWith("I cannot publish to"))).toHaveLength(1);
}, 90_000);

test("an admin adds a node from chat: the next post is published there; forgotten (by the command form), it gets no more", async () => {
  const ask = async (text: string, reply: RegExp) => {
    const before = owner.messages.length;
    await owner.sendChat(BOT, text);
    return (await owner.waitForMessage((m) => owner.messages.indexOf(m) >= before && m.type === "chat" && m.from.startsWith(`${BOT}/`) && reply.test(m.body))).body;
  };
  expect(await ask(`node ${SERVICE} chat-made add blog`, /^chat-made at/)).toBe(`chat-made at ${SERVICE} now gets each new post of blog as an item (from now on).`);
  expect(await ask("nodes", /: feeds /)).toContain(`chat-made at ${SERVICE}: feeds blog; access open`);

  const post = makePost("Also in the chat-made node");
  feeds.publish("/blog.atom", post);
  // The bot creates the node with its first post; the original node gets the post too.
  await bot.waitForLog((l) => l.msg === "announced" && l.target === `xmpp:${SERVICE}?;node=chat-made`);
  expect((await readerNode.items(SERVICE, "chat-made")).map((i) => i.id)).toEqual([itemOf(post)]);
  await readerNode.waitForEvent((i) => i.node === NODE && i.id === itemOf(post));

  // Forgotten through the command form (XEP-0050) instead of the chat.
  const botFull = await bot.fullJid();
  const execute = (extra: Record<string, string>, ...children: ReturnType<typeof xml>[]) =>
    owner.client.iqCaller.request(xml("iq", { type: "set", to: botFull }, xml("command", { xmlns: "http://jabber.org/protocol/commands", node: "node-forget", ...extra }, ...children)));
  const form = (await execute({})).getChild("command")!;
  const choices = form.getChild("x", "jabber:x:data")!.getChildren("field")[0]!.getChildren("option").map((o) => o.getChildText("value"));
  expect(choices).toContain(`xmpp:${SERVICE}?;node=chat-made`);
  const submitted = xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "node" }, xml("value", {}, `xmpp:${SERVICE}?;node=chat-made`)));
  const done = (await execute({ sessionid: String(form.attrs.sessionid), action: "complete" }, submitted)).getChild("command")!;
  expect(done.getChildText("note")).toBe(`I no longer publish to chat-made at ${SERVICE}; the node and its items stay at the service.`);
  const later = makePost("Not in the forgotten node");
  feeds.publish("/blog.atom", later);
  await readerNode.waitForEvent((i) => i.node === NODE && i.id === itemOf(later));
  expect((await readerNode.items(SERVICE, "chat-made")).map((i) => i.id)).toEqual([itemOf(post)]);
});

import { xml, type Element } from "@xmpp/client";
import { createPubsubNodeTarget } from "../../../src/targets/pubsub-node.js";
import { nodeUri } from "../../../src/xmpp/pubsub-stanzas.js";
import type { Entry } from "../../../src/sources/entry.js";

const ADDRESS = nodeUri({ service: "pubsub.example.org", node: "blog" });
const entry: Entry = { key: "id:urn:post:1", title: "A post", link: "https://example.org/1", author: undefined, published: new Date(0), summaryHtml: "<p>Hello.</p>", categories: [] };
const message = { text: "*A post*", post: { feed: "blog", entry } };

/** What a service answers: an iq result, or an error made as xmpp.js makes it (a StanzaError with the <error/>). */
type Answer = "ok" | { type: string; condition: string; pubsub?: string };

/** A PubSub service that answers each request from a script and records what it was asked. */
function fakeService(script: { create?: Answer[]; publish?: Answer[] }) {
  const asked: Element[] = [];
  const answer = (a: Answer | undefined, iq: Element) => {
    if (a === undefined || a === "ok") return Promise.resolve(xml("iq", { type: "result", id: iq.attrs.id }));
    const error = xml(
      "error",
      { type: a.type },
      xml(a.condition, { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }),
      a.pubsub ? xml(a.pubsub, { xmlns: "http://jabber.org/protocol/pubsub#errors" }) : null,
    );
    return Promise.reject(Object.assign(new Error(a.condition), { name: "StanzaError", element: error }));
  };
  return {
    asked,
    request: (iq: Element) => {
      asked.push(iq);
      const pubsub = iq.getChild("pubsub")!;
      return answer(pubsub.getChild("create") ? script.create?.shift() : script.publish?.shift(), iq);
    },
  };
}

function target(service: ReturnType<typeof fakeService>) {
  const told: string[] = [];
  const channel = createPubsubNodeTarget({
    request: service.request,
    online: () => true,
    node: (address) => (address === ADDRESS ? { title: undefined, accessModel: "open" } : undefined),
    nodes: () => [ADDRESS],
    feedTitle: async () => "The blog",
    firstFeed: () => "blog",
    notifyAdmins: (text) => void told.push(text),
    now: () => 5_000,
    retryMs: { first: 1_000, max: 8_000 },
  });
  return { channel, told };
}

const published = (asked: Element[]) => asked.filter((iq) => iq.getChild("pubsub")!.getChild("publish"));

test("the node is created with the feed's title, then the post is published; the item id is the proof", async () => {
  const service = fakeService({});
  const { channel } = target(service);
  const outcome = await channel.deliver(ADDRESS, message, "herald-1-x");
  expect(outcome).toMatchObject({ kind: "delivered", stanzaId: expect.stringMatching(/^[0-9a-f]{40}$/) });
  expect(service.asked[0]!.toString()).toContain("The blog");
  // Created once per session: the second post goes straight to publish.
  await channel.deliver(ADDRESS, message, "herald-2-x");
  expect(service.asked.map((iq) => iq.getChild("pubsub")!.children.map((c) => (c as Element).name)[0])).toEqual(["create", "publish", "publish"]);
  // Both publishes name the same item: the post's.
  const ids = published(service.asked).map((iq) => iq.getChild("pubsub")!.getChild("publish")!.getChild("item")!.attrs.id);
  expect(new Set(ids).size).toBe(1);
});

test("forbidden is told to the admins once and tried again, more slowly; the first success says so", async () => {
  const forbidden = { type: "auth", condition: "forbidden" };
  const service = fakeService({ create: [{ type: "cancel", condition: "conflict" }], publish: [forbidden, forbidden, "ok"] });
  const { channel, told } = target(service);
  const first = await channel.deliver(ADDRESS, message, "id");
  const second = await channel.deliver(ADDRESS, message, "id");
  expect(first).toMatchObject({ kind: "retry", reason: expect.stringContaining("forbidden") });
  expect(second.kind === "retry" && first.kind === "retry" && second.afterMs > first.afterMs).toBe(true);
  expect(told).toEqual([expect.stringMatching(/^I cannot publish to node blog at pubsub\.example\.org: it does not let me publish there \(forbidden\)\. Make me a publisher/)]);
  expect(await channel.deliver(ADDRESS, message, "id")).toMatchObject({ kind: "delivered" });
  expect(told[1]).toBe("I can publish to node blog at pubsub.example.org again.");
});

test("an item too big is published again without its content", async () => {
  const service = fakeService({ publish: [{ type: "modify", condition: "not-acceptable", pubsub: "payload-too-big" }, "ok"] });
  const { channel } = target(service);
  const long = { ...message, post: { feed: "blog", entry: { ...entry, summaryHtml: "Many words here. ".repeat(100) } } };
  expect(await channel.deliver(ADDRESS, long, "id")).toMatchObject({ kind: "delivered" });
  const [big, small] = published(service.asked);
  expect(big!.toString()).toContain("<content");
  expect(small!.toString()).not.toContain("<content");
});

test("a node deleted meanwhile is created again before the next try", async () => {
  const service = fakeService({ publish: ["ok", { type: "cancel", condition: "item-not-found" }, "ok"] });
  const { channel } = target(service);
  await channel.deliver(ADDRESS, message, "id");
  expect(await channel.deliver(ADDRESS, message, "id")).toMatchObject({ kind: "retry", afterMs: 0 });
  expect(await channel.deliver(ADDRESS, message, "id")).toMatchObject({ kind: "delivered" });
  expect(service.asked.filter((iq) => iq.getChild("pubsub")!.getChild("create"))).toHaveLength(2);
});

test("a node that may not be created and does not exist is reported as such", async () => {
  const service = fakeService({ create: [{ type: "auth", condition: "forbidden" }], publish: [{ type: "cancel", condition: "item-not-found" }] });
  const { channel, told } = target(service);
  expect(await channel.deliver(ADDRESS, message, "id")).toMatchObject({ kind: "retry", reason: expect.stringContaining("does not let me create the node") });
  expect(told).toHaveLength(1);
});

test("no answer in time leaves the item unconfirmed; a node no longer configured is not served", async () => {
  const { channel } = target({ asked: [], request: () => Promise.reject(Object.assign(new Error("timeout"), { name: "TimeoutError" })) });
  expect(await channel.deliver(ADDRESS, message, "id")).toEqual({ kind: "unconfirmed" });
  expect(channel.serves(ADDRESS)).toBe(true);
  expect(channel.serves(nodeUri({ service: "pubsub.example.org", node: "gone" }))).toBe(false);
});

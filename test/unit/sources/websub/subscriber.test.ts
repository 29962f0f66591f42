// The subscriber's bookkeeping (W3C WebSub §5–§8) against a scripted hub. The protocol itself is
// shown against a real HTTP hub in test/integration/websub.test.ts.
import { pino } from "pino";
import { createSubscriber, type CallbackRequest } from "../../../../src/sources/websub/subscriber.js";
import { signBody } from "../../../../src/sources/websub/signature.js";

function setup(answer = 202) {
  const posts: URLSearchParams[] = [];
  const content: string[] = [];
  const changes: string[] = [];
  const deliveries: string[] = [];
  const sub = createSubscriber({
    publicUrl: "https://herald.example/base",
    post: async (_hub, form) => (posts.push(form), { status: answer, text: answer === 202 ? "" : "nope" }),
    onContent: (_feed, body) => content.push(Buffer.from(body).toString()),
    onChange: (feed) => changes.push(feed),
    onDelivery: (result) => deliveries.push(result),
    log: pino({ level: "silent" }),
    now: () => 1_000,
  });
  const idOf = (form: URLSearchParams) => form.get("hub.callback")!.split("/").at(-1)!;
  const request = (over: Partial<CallbackRequest>): CallbackRequest => ({ method: "GET", id: "x", query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0), ...over });
  const verify = (id: string, params: Record<string, string>) => sub.handle(request({ id, query: new URLSearchParams(params) }));
  return { sub, posts, content, changes, deliveries, idOf, request, verify };
}

afterEach(() => jest.useRealTimers());

test("subscribes with a callback under the public URL, a secret and a lease; verifies only what it asked", async () => {
  const { sub, posts, idOf, verify, changes } = setup();
  sub.want("blog", "https://b.example/feed", "https://hub.example/");
  await Promise.resolve();
  const form = posts[0]!;
  expect(form.get("hub.mode")).toBe("subscribe");
  expect(form.get("hub.topic")).toBe("https://b.example/feed");
  expect(form.get("hub.callback")).toMatch(/^https:\/\/herald\.example\/base\/websub\/[A-Za-z0-9_-]{16}$/);
  expect(form.get("hub.secret")).toMatch(/^[0-9a-f]{64}$/);
  expect(form.get("hub.lease_seconds")).toBe("864000");
  const id = idOf(form);
  // Another callback, another topic, no challenge: refused.
  expect(verify("nobody", { "hub.mode": "subscribe", "hub.topic": "https://b.example/feed", "hub.challenge": "c" }).status).toBe(404);
  expect(verify(id, { "hub.mode": "subscribe", "hub.topic": "https://evil.example/", "hub.challenge": "c" }).status).toBe(404);
  expect(verify(id, { "hub.mode": "subscribe", "hub.topic": "https://b.example/feed" }).status).toBe(404);
  expect(verify(id, { "hub.mode": "unsubscribe", "hub.topic": "https://b.example/feed", "hub.challenge": "c" }).status).toBe(404);
  expect(sub.active("blog")).toBe(false);
  expect(verify(id, { "hub.mode": "subscribe", "hub.topic": "https://b.example/feed", "hub.challenge": "c-42", "hub.lease_seconds": "3600" })).toEqual({ status: 200, body: "c-42" });
  expect(sub.active("blog")).toBe(true);
  expect(sub.status("blog")).toMatchObject({ state: "active", leaseEndsAt: 1_000 + 3_600_000 });
  expect(changes).toEqual(["blog"]);
  sub.stop();
});

test("a delivery is read only when its signature checks; an unknown callback is told 410 Gone", async () => {
  const { sub, posts, idOf, verify, request, content, deliveries } = setup();
  sub.want("blog", "https://b.example/feed", "https://hub.example/");
  await Promise.resolve();
  const id = idOf(posts[0]!);
  verify(id, { "hub.mode": "subscribe", "hub.topic": "https://b.example/feed", "hub.challenge": "c" });
  const secret = posts[0]!.get("hub.secret")!;
  const good = Buffer.from("<feed>good</feed>");
  expect(sub.handle(request({ method: "POST", id, body: good, headers: { "x-hub-signature": signBody("sha256", secret, good) } })).status).toBe(202);
  const forged = Buffer.from("<feed>forged</feed>");
  // §8: still 2xx, but the content is ignored.
  expect(sub.handle(request({ method: "POST", id, body: forged, headers: { "x-hub-signature": signBody("sha256", "guess", forged) } })).status).toBe(202);
  expect(sub.handle(request({ method: "POST", id, body: forged })).status).toBe(202);
  expect(sub.handle(request({ method: "POST", id: "old-callback", body: good })).status).toBe(410);
  expect(content).toEqual(["<feed>good</feed>"]);
  expect(deliveries).toEqual(["accepted", "rejected", "rejected", "unknown"]);
  sub.stop();
});

test("a removed feed is unsubscribed, and only that unsubscription is verified", async () => {
  const { sub, posts, idOf, verify, changes } = setup();
  sub.want("blog", "https://b.example/feed", "https://hub.example/");
  await Promise.resolve();
  const id = idOf(posts[0]!);
  verify(id, { "hub.mode": "subscribe", "hub.topic": "https://b.example/feed", "hub.challenge": "c" });
  sub.retain(new Set(["other"]));
  await Promise.resolve();
  expect(posts[1]!.get("hub.mode")).toBe("unsubscribe");
  expect(posts[1]!.get("hub.callback")).toBe(posts[0]!.get("hub.callback"));
  expect(sub.active("blog")).toBe(false);
  expect(changes).toEqual(["blog", "blog"]);
  expect(verify(id, { "hub.mode": "unsubscribe", "hub.topic": "https://b.example/feed", "hub.challenge": "bye" })).toEqual({ status: 200, body: "bye" });
  // Once: a second verification of the same unsubscription is not ours any more.
  expect(verify(id, { "hub.mode": "unsubscribe", "hub.topic": "https://b.example/feed", "hub.challenge": "bye" }).status).toBe(404);
  sub.stop();
});

test("a hub that refuses or denies leaves the feed polled, with the reason shown", async () => {
  const refused = setup(400);
  refused.sub.want("blog", "https://b.example/feed", "https://hub.example/");
  await new Promise((resolve) => setImmediate(resolve));
  expect(refused.sub.status("blog")).toMatchObject({ state: "failed", lastError: "hub answered HTTP 400: nope" });
  refused.sub.stop();

  const denied = setup();
  denied.sub.want("blog", "https://b.example/feed", "https://hub.example/");
  await Promise.resolve();
  const id = denied.idOf(denied.posts[0]!);
  expect(denied.verify(id, { "hub.mode": "denied", "hub.topic": "https://b.example/feed", "hub.reason": "not allowed" }).status).toBe(200);
  expect(denied.sub.status("blog")).toMatchObject({ state: "denied", lastError: "the hub denied the subscription: not allowed" });
  denied.sub.stop();
});

test("the lease is renewed when nine tenths of it have passed", async () => {
  jest.useFakeTimers();
  const { sub, posts, idOf, verify } = setup();
  sub.want("blog", "https://b.example/feed", "https://hub.example/");
  await Promise.resolve();
  verify(idOf(posts[0]!), { "hub.mode": "subscribe", "hub.topic": "https://b.example/feed", "hub.challenge": "c", "hub.lease_seconds": "100" });
  jest.advanceTimersByTime(89_000);
  expect(posts).toHaveLength(1);
  jest.advanceTimersByTime(1_000);
  await Promise.resolve();
  expect(posts).toHaveLength(2);
  expect(posts[1]!.get("hub.mode")).toBe("subscribe");
  expect(posts[1]!.get("hub.callback")).toBe(posts[0]!.get("hub.callback"));
  sub.stop();
});

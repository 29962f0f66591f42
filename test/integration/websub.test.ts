// Sources that adapt, against a real XMPP server, a real feed server and a real WebSub hub:
// a feed that advertises a hub is subscribed to and its pushes reach the room; a forged push is
// dropped and counted; verification is answered only for subscriptions Herald asked for; the lease
// is renewed; a removed feed is unsubscribed. Alongside, `interval: auto` shows its wait and why.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";
import { freePorts } from "./harness/xmpp-server.js";
import { WebSubHub } from "./harness/websub-hub.js";

const BOT = "herald@localhost";
const ROOM = "push@conference.localhost";
// A short lease, so that the renewal happens while the test runs.
const LEASE_S = 4;
let server: XmppServer;
let feeds: FeedServer;
let hub: WebSubHub;
let admin: Member;
let bot: BotProcess;
let port: number;

const inRoom = (title: string) => (m: { type: string; from: string; body: string; delayed?: boolean }) =>
  m.type === "groupchat" && m.from === `${ROOM}/Herald` && !m.delayed && m.body.startsWith(`*${title}*`);

async function ask(text: string): Promise<string> {
  const before = admin.messages.length;
  await admin.sendChat(BOT, text);
  const reply = await admin.waitForMessage((m) => admin.messages.indexOf(m) >= before && m.type === "chat" && m.from.startsWith(`${BOT}/`));
  return reply.body;
}

beforeAll(async () => {
  server = await startServer({ users: { herald: "bot-pw", admin: "admin-pw" } });
  feeds = new FeedServer();
  await feeds.start();
  hub = new WebSubHub(LEASE_S);
  await hub.start();
  feeds.setFeed("/pushed.atom", "atom", [makePost("Pushed baseline")]);
  // W3C WebSub §4: the hub is advertised in the HTTP Link header (the topic is the feed's self link).
  feeds.setHeaders("/pushed.atom", { link: `<${hub.url}>; rel="hub"` });
  feeds.setFeed("/cached.atom", "atom", [makePost("Cached baseline")]);
  feeds.setHeaders("/cached.atom", { "cache-control": "public, max-age=1800" });
  port = (await freePorts(1))[0]!;
  const dir = mkdtempSync(join(tmpdir(), "herald-websub-"));
  admin = await connectMember({ server, username: "admin", password: "admin-pw" });
  await admin.joinRoom(ROOM, "admin");
  bot = BotProcess.run(
    writeConfig(
      {
        xmpp: { jid: BOT, password: "bot-pw", service: server.service, resource: `websub-${process.pid}` },
        admins: ["admin@localhost"],
        store: join(dir, "herald.db"),
        http: { listen: `127.0.0.1:${port}`, public_url: `http://127.0.0.1:${port}/` },
        // interval left out: auto, the default. The safety-net poll (max_interval) never comes in a test.
        fetch: { min_interval: "2m", max_interval: "6h" },
        feeds: [
          { name: "pushed", url: feeds.url("/pushed.atom") },
          { name: "cached", url: feeds.url("/cached.atom") },
        ],
        rooms: [{ jid: ROOM, feeds: ["pushed", "cached"] }],
      },
      dir,
    ),
  );
  await bot.waitForMsg("polled", { feed: "pushed", result: "baseline" });
  await bot.waitForMsg("polled", { feed: "cached", result: "baseline" });
  await admin.waitForOccupant(ROOM, "Herald");
});

afterAll(async () => {
  await bot?.kill();
  await admin?.stop();
  await hub?.stop();
  await feeds?.stop();
  await server?.cleanup();
});

test("the hub verifies Herald's subscription, and a push reaches the room without a poll", async () => {
  const topic = feeds.url("/pushed.atom");
  const subscribed = await hub.waitFor((e) => e.mode === "subscribe" && e.topic === topic);
  expect(subscribed.verified).toBe(true);
  expect(subscribed.callback).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/websub/[A-Za-z0-9_-]+$`));
  const polls = feeds.requests.filter((r) => r.path === "/pushed.atom").length;
  const post = makePost("Pushed within seconds");
  feeds.publish("/pushed.atom", post);
  expect(await hub.publish(topic, feeds.document("/pushed.atom"))).toEqual([202]);
  await admin.waitForMessage(inRoom("Pushed within seconds"));
  // The push was the read: Herald did not fetch the feed for it.
  expect(feeds.requests.filter((r) => r.path === "/pushed.atom")).toHaveLength(polls);
  expect(await ask("feeds")).toContain(`pushed by ${hub.url}`);
});

test("a forged push is dropped and counted; a real one after it is announced alone", async () => {
  const topic = feeds.url("/pushed.atom");
  const forged = makePost("Forged post");
  expect(await hub.publish(topic, feeds.document("/pushed.atom", [forged]), { forge: true })).toEqual([202]);
  const genuine = makePost("Genuine post");
  await hub.publish(topic, feeds.document("/pushed.atom", [genuine]));
  const seen = await admin.waitForMessage(inRoom("Genuine post"));
  const earlier = admin.messages.slice(0, admin.messages.indexOf(seen));
  expect(earlier.some(inRoom("Forged post"))).toBe(false);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  expect(metrics).toMatch(/^herald_websub_deliveries_total\{result="rejected"\} 1$/m);
  expect(metrics).toMatch(/^herald_websub_deliveries_total\{result="accepted"\} 2$/m);
  expect(metrics).toMatch(/^herald_websub_subscriptions\{state="active"\} 1$/m);
});

test("verification is answered only for what Herald asked; an unknown callback gets 410 Gone", async () => {
  const callback = [...hub.subscriptions.values()][0]!.callback;
  const foreign = await hub.askCallback(callback, { "hub.mode": "subscribe", "hub.topic": "http://elsewhere.example/feed", "hub.challenge": "evil", "hub.lease_seconds": "60" });
  expect(foreign.status).toBe(404);
  expect(foreign.body).not.toContain("evil");
  const stranger = await hub.askCallback(`http://127.0.0.1:${port}/websub/notacallback`, { "hub.mode": "subscribe", "hub.topic": feeds.url("/pushed.atom"), "hub.challenge": "evil" });
  expect(stranger.status).toBe(404);
  const push = await fetch(`http://127.0.0.1:${port}/websub/notacallback`, { method: "POST", body: "<feed/>" });
  expect(push.status).toBe(410);
});

test("the lease is renewed before it ends, on the same callback", async () => {
  const topic = feeds.url("/pushed.atom");
  const first = hub.events.findIndex((e) => e.mode === "subscribe" && e.topic === topic);
  const renewal = await hub.waitFor((e) => e.mode === "subscribe" && e.topic === topic, first + 1);
  expect(renewal).toMatchObject({ verified: true, callback: hub.events[first]!.callback });
});

test("interval auto: the server's cache lifetime sets the wait, shown in feeds and /metrics", async () => {
  const listing = await ask("feeds");
  expect(listing).toContain("read every 30m (auto: the server's cache lifetime is 30 min)");
  // The pushed feed is polled only as a safety net, at max_interval.
  expect(listing).toContain("read every 6h (auto: a WebSub hub pushes new posts; polling only as a safety net)");
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  expect(metrics).toMatch(/^herald_feed_interval_seconds\{feed="cached",basis="freshness"\} 1800$/m);
  expect(metrics).toMatch(/^herald_feed_interval_seconds\{feed="pushed",basis="push"\} 21600$/m);
});

test("a feed removed by an admin is unsubscribed at the hub, and Herald confirms it", async () => {
  const topic = feeds.url("/pushed.atom");
  expect(await ask("feed remove pushed")).toContain("pushed");
  const gone = await hub.waitFor((e) => e.mode === "unsubscribe" && e.topic === topic);
  expect(gone.verified).toBe(true);
  expect([...hub.subscriptions.values()].filter((s) => s.topic === topic)).toEqual([]);
});

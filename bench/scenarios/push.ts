// Scenario: WebSub push (issue 14). A real hub (the tests' WebSubHub) pushes a feed's new post to
// Herald's callback; the figure is the time from the hub's push to the reader's copy in the room.
// The floor in the same run: a room message from another member to the same reader.
import type { Element } from "@xmpp/client";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Bot, writeBotConfig } from "../bot.js";
import { say, type BenchEnv, type ScenarioResult } from "../env.js";
import { FeedServer, makePost } from "../../test/integration/harness/feed-server.js";
import { freePorts } from "../../test/integration/harness/xmpp-server.js";
import { WebSubHub } from "../../test/integration/harness/websub-hub.js";
import { median, percentile, round as r, sleep } from "../stats.js";

const ROOM = "push@conference.localhost";
const TIMEOUT_MS = 30_000;

export async function push(env: BenchEnv): Promise<ScenarioResult> {
  const repeats = env.quick ? 5 : 20;
  const dir = join(env.dir, "push");
  mkdirSync(dir);
  const feeds = new FeedServer();
  await feeds.start();
  const hub = new WebSubHub();
  await hub.start();
  feeds.setFeed("/push.atom", "atom", [makePost("Push baseline")]);
  feeds.setHeaders("/push.atom", { link: `<${hub.url}>; rel="hub"` });
  const topic = feeds.url("/push.atom");
  const port = (await freePorts(1))[0]!;

  const reader = await env.member("reader");
  const speaker = await env.member("user1");
  await reader.joinRoom(ROOM, "reader");
  await speaker.joinRoom(ROOM, "speaker");
  // Each probe resolves when the reader sees a room message whose body contains its marker.
  const waiting = new Map<string, (at: number) => void>();
  const onStanza = (stanza: Element) => {
    if (stanza.name !== "message" || stanza.attrs.type !== "groupchat") return;
    const body = stanza.getChildText("body") ?? "";
    for (const [marker, done] of waiting) if (body.includes(marker)) (waiting.delete(marker), done(performance.now()));
  };
  reader.client.on("stanza", onStanza);
  const seen = (marker: string) =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`"${marker}" never reached the room`)), TIMEOUT_MS);
      waiting.set(marker, (at) => (clearTimeout(timer), resolve(at)));
    });

  const bot = Bot.start(
    writeBotConfig(
      {
        xmpp: env.xmpp(),
        store: join(dir, "herald.db"),
        http: { listen: `127.0.0.1:${port}`, public_url: `http://127.0.0.1:${port}/` },
        fetch: { max_interval: "6h" },
        feeds: [{ name: "pushed", url: topic }],
        rooms: [{ jid: ROOM, feeds: ["pushed"] }],
      },
      dir,
    ),
    "info",
  );
  const pushMs: number[] = [];
  const floorMs: number[] = [];
  try {
    await bot.waitFor((l) => l.msg === "joined room", TIMEOUT_MS, "the room join");
    await hub.waitFor((e) => e.mode === "subscribe" && e.topic === topic && e.verified, 0, TIMEOUT_MS);
    for (let k = -1; k < repeats; k++) {
      await sleep(2_500); // the room's default rate (5 at once, then one per 2 s) never holds a probe back
      const title = `Push probe ${k}`;
      feeds.publish("/push.atom", makePost(title));
      const arrived = seen(title);
      const t0 = performance.now();
      await hub.publish(topic, feeds.document("/push.atom"));
      const pushed = (await arrived) - t0;
      const marker = `floor probe ${k}`;
      const echoed = seen(marker);
      const t1 = performance.now();
      await speaker.sendGroupchat(ROOM, marker);
      const floor = (await echoed) - t1;
      if (k < 0) continue;
      pushMs.push(pushed);
      floorMs.push(floor);
      say(`  probe ${k + 1}/${repeats}: push → room ${r(pushed, 1)} ms; room message floor ${r(floor, 1)} ms`);
    }
  } finally {
    reader.client.removeListener("stanza", onStanza);
    await bot.stop();
    await hub.stop();
    await feeds.stop();
  }
  return {
    scenario: "push",
    title: "WebSub: from a hub's push to the room's copy",
    figures: [
      { key: "push_to_room_p50_ms", label: "push: hub push → room copy, p50", value: r(median(pushMs), 1), unit: "ms" },
      { key: "push_to_room_p90_ms", label: "push: hub push → room copy, p90", value: r(percentile(pushMs, 90), 1), unit: "ms" },
      { key: "room_floor_p50_ms", label: "push: a member's room message → reader (the floor), p50", value: r(median(floorMs), 1), unit: "ms" },
      { key: "push_over_floor", label: "push: p50 / floor p50", value: r(median(pushMs) / median(floorMs), 1), unit: "x" },
    ],
    settings: { repeats, intervalAuto: true, maxInterval: "6h", signature: "sha256" },
    notes: [
      "The tests' WebSubHub (a real HTTP hub on loopback) verified Herald's subscription, then for each probe pushed the whole feed document, signed, to Herald's callback. Timed from the start of the hub's POST to the reader's copy; it includes the signature check, parsing, the outbox write, the room's reflection wait for the previous message, and Prosody.",
      "No poll takes part: the feed's safety-net interval is 6 h. The floor is a plain groupchat message from another member through the same Prosody to the same reader, measured right after each push.",
    ],
    samples: { push_to_room_ms: pushMs, room_floor_ms: floorMs },
  };
}

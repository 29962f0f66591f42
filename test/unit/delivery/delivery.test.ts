// Delivery order and pacing over a real outbox and the real target channels; the XMPP side is a
// recording function here (what the server does with the messages is covered by the integration tests).
import { EventEmitter } from "node:events";
import type { Element } from "@xmpp/client";
import { pino } from "pino";
import { recordRead } from "../../../src/polling/record-read.js";
import { openDatabase } from "../../../src/store/sqlite/database.js";
import { createEntryStore } from "../../../src/store/sqlite/entries.js";
import { createOutbox } from "../../../src/store/sqlite/outbox.js";
import { createRefusalStore } from "../../../src/store/sqlite/refusals.js";
import { createDelivery } from "../../../src/delivery/delivery.js";
import { createRoomTarget } from "../../../src/targets/room.js";
import { createPersonTarget } from "../../../src/targets/person.js";
import type { RoomEvents } from "../../../src/rooms/room-manager.js";
import type { Entry } from "../../../src/sources/entry.js";

const post = (key: string): Entry => ({ key, title: key, link: undefined, author: undefined, published: undefined, summaryHtml: "", categories: [] });

afterEach(() => jest.useRealTimers());

test("oldest first, and a room gets its burst at once, then one message per interval", async () => {
  jest.useFakeTimers({ now: 0 });
  const db = await openDatabase(":memory:");
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  await recordRead(entries, "blog", [], [], true, 0);
  await recordRead(entries, "blog", [post("c"), post("b"), post("a")], [{ kind: "room", address: "r@muc" }], false, 0);
  const sent: string[] = [];
  // A room that reflects every message at once, as XEP-0045 §7.2.14 says it must.
  const rooms = { isJoined: () => true, roleIn: () => "participant", refusalIn: () => undefined, rejoin: () => undefined, events: new EventEmitter<RoomEvents>() };
  const room = createRoomTarget({
    rooms,
    configured: () => true,
    rate: { burst: 2, intervalMs: 1000 },
    now: () => Date.now(),
    send: async (stanza: Element) => {
      sent.push(stanza.getChildText("body")!);
      rooms.events.emit("reflected", "r@muc", stanza.getChild("origin-id")!.attrs.id as string);
    },
  });
  const delivery = createDelivery({
    outbox,
    refusals: createRefusalStore(db),
    channels: [room],
    render: (a) => ({ text: a.entry!.key }),
    log: pino({ level: "silent" }),
    now: () => Date.now(),
  });
  const done = delivery.kick({ kind: "room", address: "r@muc" });
  await jest.advanceTimersByTimeAsync(0);
  expect(sent).toEqual(["a", "b"]);
  await jest.advanceTimersByTimeAsync(999);
  expect(sent).toEqual(["a", "b"]);
  await jest.advanceTimersByTimeAsync(1);
  expect(sent).toEqual(["a", "b", "c"]);
  await done;
  expect(await outbox.depth()).toBe(0);
});

test("a send that fails leaves the announcement pending for the next try", async () => {
  const db = await openDatabase(":memory:");
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  await recordRead(entries, "blog", [], [], true, 0);
  await recordRead(entries, "blog", [post("x")], [{ kind: "user", address: "u@x" }], false, 0);
  let fail = true;
  const person = createPersonTarget({
    online: () => true,
    sendAcknowledged: async () => {
      if (fail) throw new Error("not connected");
      return "acknowledged";
    },
  });
  const delivery = createDelivery({
    outbox,
    refusals: createRefusalStore(db),
    channels: [person],
    render: (a) => ({ text: a.entry!.key }),
    log: pino({ level: "silent" }),
    now: () => Date.now(),
  });
  await delivery.kick({ kind: "user", address: "u@x" });
  expect(await outbox.depth()).toBe(1);
  fail = false;
  await delivery.kick({ kind: "user", address: "u@x" });
  expect(await outbox.depth()).toBe(0);
});

describe("a room that refuses", () => {
  async function setup(answer: (body: string, id: string) => void, role = { now: "participant" }) {
    const db = await openDatabase(":memory:");
    const entries = createEntryStore(db);
    const outbox = createOutbox(db);
    const refusals = createRefusalStore(db);
    await recordRead(entries, "blog", [], [], true, 0);
    await recordRead(entries, "blog", [post("c"), post("b"), post("a")], [{ kind: "room", address: "r@muc" }], false, 0);
    const rooms = { isJoined: () => true, roleIn: () => role.now, refusalIn: () => undefined, rejoin: () => undefined, events: new EventEmitter<RoomEvents>() };
    const room = createRoomTarget({
      rooms,
      configured: () => true,
      rate: { burst: 10, intervalMs: 1 },
      now: () => Date.now(),
      retryMs: { first: 1000, max: 1000 },
      send: async (stanza: Element) => answer(stanza.getChildText("body")!, stanza.attrs.id as string),
    });
    const delivery = createDelivery({ outbox, refusals, channels: [room], render: (a) => ({ text: a.entry!.key }), log: pino({ level: "silent" }), now: () => Date.now() });
    return { rooms, outbox, refusals, delivery };
  }

  test("a wait error is tried again after the backoff, and the room still reads the posts in order", async () => {
    jest.useFakeTimers({ now: 0 });
    const delivered: string[] = [];
    let waits = 1;
    const { rooms, outbox, refusals, delivery } = await setup((body, id) => {
      // RFC 6120 §8.3.2: type="wait" means try again later.
      if (body === "b" && waits-- > 0) rooms.events.emit("bounced", "r@muc", id, { type: "wait", condition: "resource-constraint", text: undefined });
      else {
        delivered.push(body);
        rooms.events.emit("reflected", "r@muc", id);
      }
    });
    await delivery.kick({ kind: "room", address: "r@muc" });
    expect(delivered).toEqual(["a"]);
    expect((await refusals.all()).map((r) => r.reason)).toEqual(["the room asks me to wait (resource-constraint)"]);
    await jest.advanceTimersByTimeAsync(1200);
    expect(delivered).toEqual(["a", "b", "c"]);
    expect(await outbox.depth()).toBe(0);
    expect(await refusals.all()).toEqual([]);
  });

  test("without voice the room is parked; the posts go out, in order, when the room gives voice", async () => {
    const role = { now: "visitor" };
    const delivered: string[] = [];
    const { rooms, outbox, refusals, delivery } = await setup((body, id) => {
      delivered.push(body);
      rooms.events.emit("reflected", "r@muc", id);
    }, role);
    rooms.events.emit("self", "r@muc", "visitor", "none");
    await delivery.kick({ kind: "room", address: "r@muc" });
    expect(delivered).toEqual([]);
    expect(delivery.waitingReason({ kind: "room", address: "r@muc" })).toMatch(/no voice/);
    expect((await refusals.all()).map((r) => r.reason)).toEqual([expect.stringMatching(/no voice/)]);
    // XEP-0045 §8.4: a moderator grants voice; the room sends our new presence.
    role.now = "participant";
    rooms.events.emit("self", "r@muc", "participant", "none");
    await new Promise((r) => setImmediate(r));
    await delivery.kick({ kind: "room", address: "r@muc" });
    expect(delivered).toEqual(["a", "b", "c"]);
    expect(await outbox.depth()).toBe(0);
    expect(await refusals.all()).toEqual([]);
  });
});

test("a direct message lost with its session stays pending and goes out again in the next one, with the same origin-id", async () => {
  const db = await openDatabase(":memory:");
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  await recordRead(entries, "blog", [], [], true, 0);
  await recordRead(entries, "blog", [post("x")], [{ kind: "user", address: "u@x" }], false, 0);
  const origins: string[] = [];
  const outcomes = ["lost", "acknowledged"] as const;
  const person = createPersonTarget({
    online: () => true,
    sendAcknowledged: async (stanza) => {
      origins.push(stanza.getChild("origin-id", "urn:xmpp:sid:0")!.attrs.id!);
      return outcomes[origins.length - 1]!;
    },
  });
  const delivery = createDelivery({ outbox, refusals: createRefusalStore(db), channels: [person], render: (a) => ({ text: a.entry!.key }), log: pino({ level: "silent" }), now: () => Date.now() });
  await delivery.kick({ kind: "user", address: "u@x" });
  expect(await outbox.depth()).toBe(1);
  // Not again in the same session: the loss is only known once that session ended.
  delivery.newSession();
  await delivery.kick({ kind: "user", address: "u@x" });
  expect(await outbox.depth()).toBe(0);
  expect(origins).toHaveLength(2);
  expect(origins[1]).toBe(origins[0]);
  expect(origins[0]).toMatch(/^herald-\d+-[0-9a-z]+$/);
});

test("a reflection that comes after the wait ended still counts: the row is sent and the line moves on", async () => {
  jest.useFakeTimers({ now: 0 });
  const db = await openDatabase(":memory:");
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  await recordRead(entries, "blog", [], [], true, 0);
  await recordRead(entries, "blog", [post("b"), post("a")], [{ kind: "room", address: "r@muc" }], false, 0);
  const rooms = { isJoined: () => true, roleIn: () => "participant", refusalIn: () => undefined, rejoin: () => undefined, events: new EventEmitter<RoomEvents>() };
  const sent: { body: string; id: string }[] = [];
  const room = createRoomTarget({ rooms, configured: () => true, rate: { burst: 10, intervalMs: 1 }, now: () => Date.now(), reflectTimeoutMs: 1000, send: async (stanza: Element) => void sent.push({ body: stanza.getChildText("body")!, id: stanza.attrs.id as string }) });
  const delivery = createDelivery({ outbox, refusals: createRefusalStore(db), channels: [room], render: (a) => ({ text: a.entry!.key }), log: pino({ level: "silent" }), now: () => Date.now() });
  const first = delivery.kick({ kind: "room", address: "r@muc" });
  await jest.advanceTimersByTimeAsync(1001);
  await first;
  expect(sent.map((s) => s.body)).toEqual(["a"]);
  // The room's copy arrives late (a long cut that XEP-0198 resumed).
  rooms.events.emit("reflected", "r@muc", sent[0]!.id);
  await jest.advanceTimersByTimeAsync(0);
  expect(sent.map((s) => s.body)).toEqual(["a", "b"]);
  rooms.events.emit("reflected", "r@muc", sent[1]!.id);
  await jest.advanceTimersByTimeAsync(0);
  expect(await outbox.depth()).toBe(0);
});

// Delivery order and pacing over a real outbox and the real target channels; the XMPP side is a
// recording function here (what the server does with the messages is covered by the integration tests).
import { EventEmitter } from "node:events";
import type { Element } from "@xmpp/client";
import { pino } from "pino";
import { recordRead } from "../../../src/polling/record-read.js";
import { openDatabase } from "../../../src/store/sqlite/database.js";
import { createEntryStore } from "../../../src/store/sqlite/entries.js";
import { createOutbox } from "../../../src/store/sqlite/outbox.js";
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
  recordRead(entries, "blog", [], [], true, 0);
  recordRead(entries, "blog", [post("c"), post("b"), post("a")], [{ kind: "room", address: "r@muc" }], false, 0);
  const sent: string[] = [];
  // A room that reflects every message at once, as XEP-0045 §7.2.14 says it must.
  const rooms = { isJoined: () => true, events: new EventEmitter<RoomEvents>() };
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
    channels: [room],
    render: (a) => a.entry!.key,
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
  expect(outbox.depth()).toBe(0);
});

test("a send that fails leaves the announcement pending for the next try", async () => {
  const db = await openDatabase(":memory:");
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  recordRead(entries, "blog", [], [], true, 0);
  recordRead(entries, "blog", [post("x")], [{ kind: "user", address: "u@x" }], false, 0);
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
    channels: [person],
    render: (a) => a.entry!.key,
    log: pino({ level: "silent" }),
    now: () => Date.now(),
  });
  await delivery.kick({ kind: "user", address: "u@x" });
  expect(outbox.depth()).toBe(1);
  fail = false;
  await delivery.kick({ kind: "user", address: "u@x" });
  expect(outbox.depth()).toBe(0);
});

test("a direct message lost with its session stays pending and goes out again in the next one, with the same origin-id", async () => {
  const db = await openDatabase(":memory:");
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  recordRead(entries, "blog", [], [], true, 0);
  recordRead(entries, "blog", [post("x")], [{ kind: "user", address: "u@x" }], false, 0);
  const origins: string[] = [];
  const outcomes = ["lost", "acknowledged"] as const;
  const person = createPersonTarget({
    online: () => true,
    sendAcknowledged: async (stanza) => {
      origins.push(stanza.getChild("origin-id", "urn:xmpp:sid:0")!.attrs.id!);
      return outcomes[origins.length - 1]!;
    },
  });
  const delivery = createDelivery({ outbox, channels: [person], render: (a) => a.entry!.key, log: pino({ level: "silent" }), now: () => Date.now() });
  await delivery.kick({ kind: "user", address: "u@x" });
  expect(outbox.depth()).toBe(1);
  // Not again in the same session: the loss is only known once that session ended.
  delivery.newSession();
  await delivery.kick({ kind: "user", address: "u@x" });
  expect(outbox.depth()).toBe(0);
  expect(origins).toHaveLength(2);
  expect(origins[1]).toBe(origins[0]);
  expect(origins[0]).toMatch(/^herald-\d+-[0-9a-z]+$/);
});

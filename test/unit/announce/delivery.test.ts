// Delivery order and pacing over a real outbox; the XMPP side is a recording function here
// (what the server does with the messages is covered by the integration tests).
import { pino } from "pino";
import { openDatabase } from "../../../src/store/db.js";
import { createEntryStore } from "../../../src/store/entries.js";
import { createOutbox } from "../../../src/store/outbox.js";
import { createDelivery } from "../../../src/announce/delivery.js";
import type { Entry } from "../../../src/sources/entry.js";

const post = (key: string): Entry => ({ key, title: key, link: undefined, author: undefined, published: undefined, summaryHtml: "", categories: [] });

afterEach(() => jest.useRealTimers());

test("oldest first, and a room gets its burst at once, then one message per interval", async () => {
  jest.useFakeTimers({ now: 0 });
  const db = await openDatabase(":memory:");
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  entries.record("blog", [], [], true, 0);
  entries.record("blog", [post("c"), post("b"), post("a")], [{ kind: "room", jid: "r@muc" }], false, 0);
  const sent: string[] = [];
  const delivery = createDelivery({
    outbox,
    isReady: () => true,
    isRoom: () => true,
    roomRate: { burst: 2, intervalMs: 1000 },
    send: async (_t, body) => {
      sent.push(body);
      return "confirmed";
    },
    render: (a) => a.entry!.key,
    log: pino({ level: "silent" }),
    now: () => Date.now(),
  });
  const done = delivery.kick("r@muc");
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
  entries.record("blog", [], [], true, 0);
  entries.record("blog", [post("x")], [{ kind: "user", jid: "u@x" }], false, 0);
  let fail = true;
  const delivery = createDelivery({
    outbox,
    isReady: () => true,
    send: async () => {
      if (fail) throw new Error("not connected");
      return "confirmed";
    },
    render: (a) => a.entry!.key,
    log: pino({ level: "silent" }),
    now: () => Date.now(),
  });
  await delivery.kick("u@x");
  expect(outbox.depth()).toBe(1);
  fail = false;
  await delivery.kick("u@x");
  expect(outbox.depth()).toBe(0);
});

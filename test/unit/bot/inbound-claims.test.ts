// Several instances receive what is sent to the bot's bare JID (and a MIX channel's lines): the
// first to claim a message answers it (bot/inbound.ts). Two inbound handlers share one claim set
// here, as two instances share the database's.
import { xml, type Element } from "@xmpp/client";
import pino from "pino";
import { createInbound } from "../../../src/bot/inbound.js";
import type { Dispatcher } from "../../../src/commands/dispatcher.js";
import type { Registry } from "../../../src/live/registry.js";

function instances(now: { t: number }) {
  const claims = new Set<string>();
  const sent: Element[] = [];
  const make = () =>
    createInbound({
      dispatcher: { handle: async (line: string) => `answer to ${line}` } as unknown as Dispatcher,
      registry: { room: () => undefined } as unknown as Registry,
      isAdmin: () => false,
      nickIn: () => "Herald",
      isRoom: (jid) => jid === "news@mix.localhost",
      ownDomain: "localhost",
      send: async (stanza) => void sent.push(stanza),
      notifyAdmins: () => undefined,
      log: pino({ level: "silent" }),
      now: () => now.t,
      claim: async (key) => (claims.has(key) ? false : (claims.add(key), true)),
    });
  return { a: make(), b: make(), sent };
}

const dm = (attrs: Record<string, string>, body: string) => xml("message", { type: "chat", from: "alice@localhost/phone", ...attrs }, xml("body", {}, body));

test("a message to the bare JID is answered once, by whichever instance claims it", async () => {
  const { a, b, sent } = instances({ t: 0 });
  const message = dm({ to: "herald@localhost", id: "m1" }, "latest");
  await Promise.all([a.handleStanza(message), b.handleStanza(message)]);
  expect(sent).toHaveLength(1);
  // A new message (a new id) is a new claim.
  await Promise.all([a.handleStanza(dm({ to: "herald@localhost", id: "m2" }, "latest")), b.handleStanza(dm({ to: "herald@localhost", id: "m2" }, "latest"))]);
  expect(sent).toHaveLength(2);
});

test("a message to one instance's full JID is that instance's alone: not claimed", async () => {
  const { a, sent } = instances({ t: 0 });
  await a.handleStanza(dm({ to: "herald@localhost/herald-a-1", id: "m1" }, "latest"));
  await a.handleStanza(dm({ to: "herald@localhost/herald-a-1", id: "m1" }, "latest"));
  expect(sent).toHaveLength(2);
});

test("without an id, the same text is one message within ten seconds, and a new one after", async () => {
  const now = { t: 1_000 };
  const { a, b, sent } = instances(now);
  await Promise.all([a.handleStanza(dm({ to: "herald@localhost" }, "latest")), b.handleStanza(dm({ to: "herald@localhost" }, "latest"))]);
  expect(sent).toHaveLength(1);
  now.t += 10_000;
  await a.handleStanza(dm({ to: "herald@localhost" }, "latest"));
  expect(sent).toHaveLength(2);
});

test("a MIX channel's addressed line reaches every instance and is answered once", async () => {
  const { a, b, sent } = instances({ t: 0 });
  const line = { room: "news@mix.localhost", nick: "alice", body: "Herald: latest", id: "s1", originId: "o1", delayed: false, isError: false, error: undefined };
  await Promise.all([a.onRoomMessage(line, undefined), b.onRoomMessage(line, undefined)]);
  expect(sent).toHaveLength(1);
});

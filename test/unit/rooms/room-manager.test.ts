// Routing of room stanzas, with stanzas built as the server sends them (XEP-0045 examples).
// What the server does with our stanzas is covered by the integration tests.
import { xml, type Element } from "@xmpp/client";
import { pino } from "pino";
import { createRoomManager } from "../../../src/rooms/room-manager.js";

const ROOM = "news@conference.localhost";

function setup() {
  const sent: Element[] = [];
  const rooms = createRoomManager({ send: async (s) => void sent.push(s), defaultNick: "Herald", log: pino({ level: "silent" }) });
  const seen: string[] = [];
  rooms.events.on("joined", (r) => seen.push(`joined ${r}`));
  rooms.events.on("left", (r) => seen.push(`left ${r}`));
  rooms.events.on("reflected", (_r, id) => seen.push(`reflected ${id}`));
  rooms.events.on("message", (m) => seen.push(`message ${m.nick}: ${m.body}`));
  rooms.setRooms([{ jid: ROOM }]);
  rooms.onOnline();
  return { rooms, sent, seen };
}

const selfPresence = (nick: string, ...codes: string[]) =>
  xml("presence", { from: `${ROOM}/${nick}` }, xml("x", { xmlns: "http://jabber.org/protocol/muc#user" }, xml("item", { affiliation: "none", role: "participant" }), ...codes.map((code) => xml("status", { code }))));

const groupchat = (nick: string, body: string, extra: Element[] = []) =>
  xml("message", { from: `${ROOM}/${nick}`, type: "groupchat", id: "m1" }, xml("body", {}, body), ...extra);

afterEach(() => jest.useRealTimers());

test("joins without history and becomes joined on the self-presence (status 110)", () => {
  const { rooms, sent, seen } = setup();
  expect(sent[0]!.toString()).toBe(
    `<presence to="${ROOM}/Herald"><x xmlns="http://jabber.org/protocol/muc"><history maxchars="0"/></x></presence>`,
  );
  rooms.handleStanza(selfPresence("Herald", "110"));
  expect(rooms.isJoined(ROOM)).toBe(true);
  expect(seen).toEqual([`joined ${ROOM}`]);
  rooms.stop();
});

test("a room we created (201) is unlocked with the instant-room form (XEP-0045 §10.1.2)", () => {
  const { rooms, sent } = setup();
  rooms.handleStanza(selfPresence("Herald", "110", "201"));
  const form = sent[1]!;
  expect(form.attrs).toMatchObject({ to: ROOM, type: "set" });
  expect(form.getChild("query", "http://jabber.org/protocol/muc#owner")?.getChild("x", "jabber:x:data")?.attrs.type).toBe("submit");
  rooms.stop();
});

test("a nick conflict falls back to Herald_ and then Herald_2", () => {
  const { rooms, sent } = setup();
  const conflict = (nick: string) =>
    xml("presence", { from: `${ROOM}/${nick}`, type: "error" }, xml("error", { type: "cancel" }, xml("conflict", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" })));
  rooms.handleStanza(conflict("Herald"));
  rooms.handleStanza(conflict("Herald_"));
  expect(sent.map((s) => s.attrs.to)).toEqual([`${ROOM}/Herald`, `${ROOM}/Herald_`, `${ROOM}/Herald_2`]);
  rooms.handleStanza(selfPresence("Herald_2", "110"));
  expect(rooms.isJoined(ROOM)).toBe(true);
  rooms.stop();
});

test("own reflected messages confirm delivery; delayed history and own messages are never treated as input", () => {
  const { rooms, seen } = setup();
  rooms.handleStanza(selfPresence("Herald", "110"));
  rooms.handleStanza(groupchat("Herald", "our announcement", [xml("origin-id", { xmlns: "urn:xmpp:sid:0", id: "herald-1" })]));
  rooms.handleStanza(groupchat("alice", "old news", [xml("delay", { xmlns: "urn:xmpp:delay", stamp: "2020-01-01T00:00:00Z" })]));
  rooms.handleStanza(groupchat("alice", "!latest"));
  expect(seen).toEqual([`joined ${ROOM}`, "reflected herald-1", "message alice: !latest"]);
  rooms.stop();
});

test("kicked (307): left, then joined again after a backoff; banned (301): not retried", () => {
  jest.useFakeTimers();
  const { rooms, sent, seen } = setup();
  rooms.handleStanza(selfPresence("Herald", "110"));
  const out = (code: string) =>
    xml("presence", { from: `${ROOM}/Herald`, type: "unavailable" }, xml("x", { xmlns: "http://jabber.org/protocol/muc#user" }, xml("item", { role: "none" }), xml("status", { code: "110" }), xml("status", { code })));
  rooms.handleStanza(out("307"));
  expect(rooms.isJoined(ROOM)).toBe(false);
  expect(seen).toContain(`left ${ROOM}`);
  jest.advanceTimersByTime(10_000);
  expect(sent.filter((s) => s.name === "presence")).toHaveLength(2);
  rooms.handleStanza(selfPresence("Herald", "110"));
  rooms.handleStanza(out("301"));
  jest.advanceTimersByTime(3_600_000);
  expect(sent.filter((s) => s.name === "presence")).toHaveLength(2);
  rooms.stop();
});

test("a lost session leaves every room; the next session joins them all again", () => {
  const { rooms, sent } = setup();
  rooms.handleStanza(selfPresence("Herald", "110"));
  rooms.onOffline();
  expect(rooms.joinedRooms()).toEqual([]);
  rooms.onOnline();
  expect(sent.filter((s) => s.name === "presence")).toHaveLength(2);
  rooms.stop();
});

test("stanzas from other rooms or users are not the room manager's", () => {
  const { rooms } = setup();
  expect(rooms.handleStanza(xml("message", { from: "alice@localhost/x", type: "chat" }, xml("body", {}, "hi")))).toBe(false);
  rooms.stop();
});

test("a room left while the link is down is left again when the session resumes (XEP-0198), not after a new one", async () => {
  const sent: Element[] = [];
  let linkUp = true;
  const rooms = createRoomManager({
    send: async (s) => {
      if (!linkUp) throw new Error("not connected");
      sent.push(s);
    },
    defaultNick: "Herald",
    log: pino({ level: "silent" }),
  });
  rooms.setRooms([{ jid: ROOM }]);
  rooms.onOnline();
  rooms.handleStanza(selfPresence("Herald", "110"));
  linkUp = false;
  rooms.setRooms([]); // e.g. another instance took the room's lease
  await new Promise((resolve) => setImmediate(resolve));
  linkUp = true;
  rooms.onResumed();
  await new Promise((resolve) => setImmediate(resolve));
  const leave = sent.at(-1)!;
  expect(leave.attrs).toMatchObject({ to: `${ROOM}/Herald`, type: "unavailable" });
  // Once only: a second resumption has nothing left to leave.
  rooms.onResumed();
  await new Promise((resolve) => setImmediate(resolve));
  expect(sent.filter((s) => s.attrs.type === "unavailable")).toHaveLength(1);
  rooms.stop();
});

import { Parser } from "@xmpp/xml";
import { xml, type Element } from "@xmpp/client";
import { createStreamManagement, type Effects } from "../../../src/xmpp/stream-management.js";

// Reads as the server wrote them (Prosody 0.12 mod_smacks and ejabberd 23.01 mod_stream_mgmt), each
// string one TCP read, parsed by the parser xmpp.js reads the socket with.
const HEADER = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='localhost' version='1.0'>";
const SM = "xmlns='urn:xmpp:sm:3'";

function reads(): (chunk: string) => Element[] {
  const parser = new Parser();
  let out: Element[] = [];
  parser.on("element", (el) => out.push(el));
  parser.write(HEADER);
  return (chunk) => {
    out = [];
    parser.write(chunk);
    return out;
  };
}

/** A client stream: elements in, stanzas out, the effects collected per token. */
function stream(counterOrigin = 0) {
  const sm = createStreamManagement<string>({ counterOrigin });
  const read = reads();
  const outcome = new Map<string, string>();
  const replies: string[] = [];
  let resent: string[] = [];
  const apply = (e: Effects<string>) => {
    e.acknowledged.forEach((t) => outcome.set(t, "acknowledged"));
    e.lost.forEach((t) => outcome.set(t, "lost"));
    e.written.forEach((t) => outcome.set(t, "written"));
    replies.push(...e.reply.map(String));
    if (e.event === "resumed") resent = e.resend.map((s) => s.attrs.id!);
    return e;
  };
  return {
    sm,
    outcome,
    replies,
    resent: () => resent,
    /** One TCP read: every element in it, in order. */
    receive: (chunk: string) => read(chunk).map((el) => apply(sm.incoming(el))),
    send: (id: string) => sm.outgoing(xml("message", { to: "user@localhost", type: "chat", id }, xml("body", {}, id)), id),
    lose: () => apply(sm.linkLost()),
  };
}

const message = (n: number) => `<message from='user@localhost/phone' to='herald@localhost/bot' type='chat' id='in-${n}'><body>${n}</body></message>`;

test("an <r/> in the same read as <enabled/> is answered with h=0, not the count of the stanzas before it", () => {
  const s = stream();
  expect(String(s.sm.enable())).toBe(`<enable xmlns="urn:xmpp:sm:3" resume="true"/>`);
  // Stanzas that arrived before <enabled/> are not counted (XEP-0198 §4).
  s.receive(`${message(1)}${message(2)}`);
  s.receive(`<enabled ${SM} id='abc' resume='true' max='600'/><r ${SM}/>${message(3)}<r ${SM}/>`);
  expect(s.replies).toEqual([`<a xmlns="urn:xmpp:sm:3" h="0"/>`, `<a xmlns="urn:xmpp:sm:3" h="1"/>`]);
  expect(s.sm.phase).toBe("enabled");
});

test("acks settle exactly the stanzas they cover, oldest first; a repeated h settles nothing new", () => {
  const s = stream();
  s.sm.enable();
  s.send("m1");
  s.receive(`<enabled ${SM} id='abc' resume='true'/>`);
  s.send("m2");
  s.send("m3");
  s.receive(`<a ${SM} h='2'/>`);
  expect([...s.outcome]).toEqual([["m1", "acknowledged"], ["m2", "acknowledged"]]);
  s.receive(`<a ${SM} h='2'/>`);
  expect(s.sm.unacknowledged).toBe(1);
  s.receive(`<a ${SM} h='3'/>`);
  expect(s.outcome.get("m3")).toBe("acknowledged");
});

test("counters wrap around at 2^32 in both directions (XEP-0198 §4)", () => {
  const s = stream(2 ** 32 - 2);
  s.sm.enable();
  s.receive(`<enabled ${SM} id='abc' resume='true'/>`);
  s.receive(`${message(1)}${message(2)}${message(3)}<r ${SM}/>`);
  // 2^32 - 2 + 3 stanzas handled: h is 1.
  expect(s.replies).toEqual([`<a xmlns="urn:xmpp:sm:3" h="1"/>`]);
  ["m1", "m2", "m3", "m4"].forEach(s.send);
  s.receive(`<a ${SM} h='4294967295'/>`);
  expect([...s.outcome.keys()]).toEqual(["m1"]);
  s.receive(`<a ${SM} h='1'/>`);
  expect([...s.outcome.keys()]).toEqual(["m1", "m2", "m3"]);
  s.receive(`<a ${SM} h='2'/>`);
  expect(s.outcome.get("m4")).toBe("acknowledged");
  expect(s.sm.unacknowledged).toBe(0);
});

test("an h beyond what was sent acknowledges no more than was sent and is reported", () => {
  const s = stream();
  s.sm.enable();
  s.receive(`<enabled ${SM} id='abc' resume='true'/>`);
  s.send("m1");
  const [effects] = s.receive(`<a ${SM} h='5'/>`);
  expect(effects?.violation).toMatch(/acknowledged 5 stanzas, 1 were unacknowledged/);
  expect(s.outcome.get("m1")).toBe("acknowledged");
});

test("a successful resumption resends exactly the unacknowledged stanzas, in order, and keeps the counts", () => {
  const s = stream();
  s.sm.enable();
  s.receive(`<enabled ${SM} id='sess-1' resume='true' max='300'/>`);
  ["m1", "m2", "m3", "m4"].forEach(s.send);
  s.receive(`${message(1)}${message(2)}<a ${SM} h='1'/>`);
  s.lose();
  expect(s.sm.canResume).toBe(true);
  expect(() => s.send("during-gap")).toThrow(/detached/);
  expect(String(s.sm.resume())).toBe(`<resume xmlns="urn:xmpp:sm:3" h="2" previd="sess-1"/>`);
  // The server had handled m2 before the link died; m3 and m4 never reached it.
  s.receive(`<resumed ${SM} h='2' previd='sess-1'/>`);
  expect(s.outcome.get("m2")).toBe("acknowledged");
  expect(s.resent()).toEqual(["m3", "m4"]);
  expect(s.sm.phase).toBe("enabled");
  // The resent ones keep their numbers (3 and 4): the next ack counts on from there.
  s.send("m5");
  s.receive(`${message(3)}<a ${SM} h='5'/><r ${SM}/>`);
  expect(["m3", "m4", "m5"].map((m) => s.outcome.get(m))).toEqual(["acknowledged", "acknowledged", "acknowledged"]);
  expect(s.replies.at(-1)).toBe(`<a xmlns="urn:xmpp:sm:3" h="3"/>`);
});

test("a failed resumption loses the unacknowledged stanzas and the new session counts from zero", () => {
  const s = stream();
  s.sm.enable();
  s.receive(`<enabled ${SM} id='sess-1' resume='true'/>`);
  ["m1", "m2", "m3"].forEach(s.send);
  s.receive(`${message(1)}${message(2)}${message(3)}<a ${SM} h='1'/>`);
  s.lose();
  s.sm.resume();
  // Prosody after a restart: the session is unknown. The 'h' (§5, optional) still settles m2.
  s.receive(`<failed ${SM} h='2'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>`);
  expect([...s.outcome]).toEqual([["m1", "acknowledged"], ["m2", "acknowledged"], ["m3", "lost"]]);
  expect(s.sm.phase).toBe("off");
  expect(s.sm.canResume).toBe(false);
  // The new session: counts start again at 0 in both directions (xmpp.js 0.14 kept the old ones).
  s.sm.enable();
  s.send("n1");
  s.receive(`<enabled ${SM} id='sess-2' resume='true'/><r ${SM}/>${message(4)}<a ${SM} h='1'/><r ${SM}/>`);
  expect(s.replies).toEqual([`<a xmlns="urn:xmpp:sm:3" h="0"/>`, `<a xmlns="urn:xmpp:sm:3" h="1"/>`]);
  expect(s.outcome.get("n1")).toBe("acknowledged");
});

test("a lost link without resumption loses everything unacknowledged at once", () => {
  const s = stream();
  s.sm.enable();
  s.receive(`<enabled ${SM} id='x'/>`);
  s.send("m1");
  s.lose();
  expect(s.outcome.get("m1")).toBe("lost");
  expect(s.sm.canResume).toBe(false);
});

test("a refused <enable/>: what went out meanwhile counts as written, and nothing more is counted", () => {
  const s = stream();
  s.sm.enable();
  expect(s.send("m1")).toBe(true);
  s.receive(`<failed ${SM}><unexpected-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>`);
  expect(s.outcome.get("m1")).toBe("written");
  expect(s.send("m2")).toBe(false);
  s.receive(`<r ${SM}/>`);
  expect(s.replies).toEqual([]);
});

test("without stream management nothing is counted or answered", () => {
  const s = stream();
  expect(s.send("m1")).toBe(false);
  s.receive(`${message(1)}<r ${SM}/><a ${SM} h='1'/>`);
  expect(s.replies).toEqual([]);
  expect(s.outcome.size).toBe(0);
});

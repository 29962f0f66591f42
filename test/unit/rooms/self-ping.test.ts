import { xml } from "@xmpp/client";
import { pino } from "pino";
import { createSelfPing, verdictOf } from "../../../src/rooms/self-ping.js";

const stanzaError = (condition: string) => Object.assign(new Error(condition), { name: "StanzaError", condition });

test("XEP-0410 §3.3: which answers mean we are still in the room", () => {
  expect(verdictOf(stanzaError("not-acceptable"))).toBe("not-joined");
  expect(verdictOf(stanzaError("item-not-found"))).toBe("not-joined");
  expect(verdictOf(stanzaError("service-unavailable"))).toBe("joined");
  expect(verdictOf(stanzaError("feature-not-implemented"))).toBe("joined");
  expect(verdictOf(stanzaError("remote-server-timeout"))).toBe("unknown");
  expect(verdictOf(Object.assign(new Error("t"), { name: "TimeoutError" }))).toBe("unknown");
});

test("a room that no longer knows us is joined again; the others are left alone", async () => {
  const asked: string[] = [];
  const rejoined: string[] = [];
  const ping = createSelfPing({
    joined: () => [
      { room: "a@muc", nick: "Herald" },
      { room: "b@muc", nick: "Herald_" },
      { room: "c@muc", nick: "Herald" },
    ],
    request: async (iq) => {
      asked.push(iq.attrs.to!);
      // xmpp.js assigns a unique id per request; one of our own would collide across rooms.
      expect(iq.attrs.id).toBeUndefined();
      expect(iq.getChild("ping", "urn:xmpp:ping")).toBeDefined();
      if (iq.attrs.to === "b@muc/Herald_") throw stanzaError("not-acceptable");
      if (iq.attrs.to === "c@muc/Herald") throw stanzaError("remote-server-timeout");
      return xml("iq", { type: "result" });
    },
    rejoin: (room) => rejoined.push(room),
    intervalMs: 60_000,
    log: pino({ level: "silent" }),
  });
  await ping.pingAll();
  expect(asked).toEqual(["a@muc/Herald", "b@muc/Herald_", "c@muc/Herald"]);
  expect(rejoined).toEqual(["b@muc"]);
});

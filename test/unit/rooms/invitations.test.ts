import { xml } from "@xmpp/client";
import { parseInvitation } from "../../../src/rooms/invitations.js";

test("a mediated invitation stays mediated even when the room adds a jabber:x:conference element", () => {
  // As Prosody and ejabberd forward it (XEP-0045 §7.8.2, plus an XEP-0249 hint).
  const stanza = xml(
    "message",
    { from: "inv@conference.localhost" },
    xml("x", { xmlns: "http://jabber.org/protocol/muc#user" }, xml("invite", { from: "alice@localhost/phone" }, xml("reason", {}, "join us")), xml("password", {}, "pw")),
    xml("x", { xmlns: "jabber:x:conference", jid: "inv@conference.localhost" }),
  );
  expect(parseInvitation(stanza)).toEqual({ room: "inv@conference.localhost", inviter: "alice@localhost/phone", password: "pw", reason: "join us", kind: "mediated" });
});

test("a direct invitation (XEP-0249) comes from the inviter", () => {
  const stanza = xml("message", { from: "alice@localhost/phone" }, xml("x", { xmlns: "jabber:x:conference", jid: "Room@Conference.localhost", reason: "hi" }));
  expect(parseInvitation(stanza)).toMatchObject({ room: "room@conference.localhost", inviter: "alice@localhost/phone", kind: "direct" });
});

test("errors and plain messages are not invitations", () => {
  expect(parseInvitation(xml("message", { from: "a@b", type: "error" }, xml("x", { xmlns: "jabber:x:conference", jid: "r@m" })))).toBeUndefined();
  expect(parseInvitation(xml("message", { from: "a@b" }, xml("body", {}, "hi")))).toBeUndefined();
});

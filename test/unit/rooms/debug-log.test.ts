import { xml } from "@xmpp/client";
import { redactSecrets } from "../../../src/xmpp/debug-log.js";
import { joinPresence } from "../../../src/xmpp/muc-stanzas.js";

test("room passwords and private form fields never reach the stanza log", () => {
  const join = joinPresence("r@muc", "Herald", "room-secret");
  redactSecrets(join);
  expect(join.toString()).not.toContain("room-secret");
  expect(join.toString()).toContain("<password>[redacted]</password>");

  const form = xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "password" }, xml("value", {}, "hunter2")), xml("field", { var: "room" }, xml("value", {}, "r@muc")));
  redactSecrets(form);
  expect(form.toString()).not.toContain("hunter2");
  expect(form.toString()).toContain("r@muc");
});

test("a room password typed into a join command is hidden in the message body", () => {
  const msg = xml("message", { to: "herald@x", type: "chat" }, xml("body", {}, "join r@muc Herald s3cret-pw"));
  redactSecrets(msg);
  expect(msg.getChildText("body")).toBe("join r@muc Herald [redacted]");
});

test("the password of a direct invitation (XEP-0249 attribute) is hidden", () => {
  const msg = xml("message", { to: "herald@x" }, xml("x", { xmlns: "jabber:x:conference", jid: "r@muc", password: "inv-secret" }));
  redactSecrets(msg);
  expect(msg.toString()).not.toContain("inv-secret");
});

import { xml } from "@xmpp/client";
import { channelMessage, clientJoinIq, parseChannelMessage } from "../../../src/xmpp/mix-stanzas.js";

const CHANNELS = new Set(["news@mix.example.org"]);

test("a join goes to our own server (XEP-0405 §5.1) and subscribes to the messages node only", () => {
  const iq = clientJoinIq("herald@example.org", "news@mix.example.org", "Herald");
  expect(iq.attrs).toMatchObject({ type: "set", to: "herald@example.org" });
  const join = iq.getChild("client-join", "urn:xmpp:mix:pam:2")!.getChild("join", "urn:xmpp:mix:core:1")!;
  expect(join.getChildren("subscribe").map((s) => s.attrs.node)).toEqual(["urn:xmpp:mix:nodes:messages"]);
  expect(join.getChildText("nick")).toBe("Herald");
  // XEP-0369 §7.1.4: a channel message needs an id.
  expect(channelMessage("news@mix.example.org", "hi", "herald-1-x").attrs).toMatchObject({ type: "groupchat", id: "herald-1-x" });
});

test("the sender's copy carries its submission id, in any MIX-CORE version; others' messages their nick and JID", () => {
  const own = xml(
    "message",
    { from: "news@mix.example.org/abc", type: "groupchat", id: "1234" },
    xml("mix", { xmlns: "urn:xmpp:mix:core:0" }, xml("nick", {}, "Herald"), xml("submission-id", {}, "herald-1-x"), xml("jid", {}, "Herald@Example.org")),
    xml("body", {}, "hi"),
  );
  expect(parseChannelMessage(own, CHANNELS)).toEqual({
    channel: "news@mix.example.org", body: "hi", id: "1234", nick: "Herald", jid: "herald@example.org", submissionId: "herald-1-x", delayed: false, error: undefined,
  });
  const bounce = xml("message", { from: "news@mix.example.org", type: "error", id: "herald-2-x" }, xml("error", { type: "auth" }, xml("forbidden", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" })));
  expect(parseChannelMessage(bounce, CHANNELS)).toMatchObject({ submissionId: "herald-2-x", error: { type: "auth", condition: "forbidden" } });
  expect(parseChannelMessage(xml("message", { from: "other@mix.example.org/x", type: "groupchat" }), CHANNELS)).toBeUndefined();
  expect(parseChannelMessage(xml("message", { from: "news@mix.example.org/x", type: "chat" }), CHANNELS)).toBeUndefined();
});

import { xml } from "@xmpp/client";
import { createNodeIq, describePubsubError, nodeUri, parseNodeUri, parsePubsubError, publishIq } from "../../../src/xmpp/pubsub-stanzas.js";

test("a node's address is its XEP-0060 §12.20 URI, and any node name survives the round trip", () => {
  expect(nodeUri({ service: "pubsub.example.org", node: "xsf-blog" })).toBe("xmpp:pubsub.example.org?;node=xsf-blog");
  for (const node of ["urn:xmpp:microblog:0", "a b;c=d/é", "?;node=x"]) {
    expect(parseNodeUri(nodeUri({ service: "alice@example.org", node }))).toEqual({ service: "alice@example.org", node });
  }
  for (const junk of ["news@conference.example.org", "xmpp:pubsub.example.org", "xmpp:x?;node=%E0%A4%A", "xmpp:a/b?;node=n"]) expect(parseNodeUri(junk)).toBeUndefined();
});

test("create asks for the title and access model in one request (§8.1.3); publish names the item (§7.1.1)", () => {
  const create = createNodeIq({ service: "pubsub.example.org", node: "blog" }, { title: "Blog", accessModel: "whitelist" });
  const fields = Object.fromEntries(
    create.getChild("pubsub")!.getChild("configure")!.getChild("x")!.getChildren("field").map((f) => [f.attrs.var, f.getChildText("value")]),
  );
  expect(create.getChild("pubsub")!.getChild("create")!.attrs.node).toBe("blog");
  expect(fields).toMatchObject({ "pubsub#title": "Blog", "pubsub#access_model": "whitelist" });
  const publish = publishIq({ service: "pubsub.example.org", node: "blog" }, "item-1", xml("entry", { xmlns: "http://www.w3.org/2005/Atom" }));
  expect(publish.attrs).toMatchObject({ type: "set", to: "pubsub.example.org" });
  expect(publish.getChild("pubsub")!.getChild("publish")!.getChild("item")!.attrs.id).toBe("item-1");
});

test("a publish error is read with its XEP-0060 condition (§7.1.3.5: payload-too-big)", () => {
  const error = xml(
    "error",
    { type: "modify" },
    xml("not-acceptable", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }),
    xml("payload-too-big", { xmlns: "http://jabber.org/protocol/pubsub#errors" }),
    xml("text", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }, "max 1 kB"),
  );
  const parsed = parsePubsubError(xml("iq", { type: "error" }, error))!;
  expect(parsed).toEqual({ type: "modify", condition: "not-acceptable", pubsubCondition: "payload-too-big", text: "max 1 kB" });
  expect(parsePubsubError(error)).toEqual(parsed);
  expect(describePubsubError(parsed)).toBe("not-acceptable (payload-too-big): max 1 kB");
  expect(parsePubsubError(xml("iq", { type: "result" }))).toBeUndefined();
});

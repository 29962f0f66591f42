// XEP-0050 session handling, with stanzas as a client sends them. The commands themselves are
// exercised through a real server in test/integration/conversations.test.ts.
import { xml, type Element } from "@xmpp/client";
import { createAdhoc, type AdhocCommand } from "../../../src/xmpp/adhoc.js";

const NS = "http://jabber.org/protocol/commands";
const admin = { jid: "admin@x/phone", bare: "admin@x", isAdmin: true };
const user = { jid: "user@x/laptop", bare: "user@x", isAdmin: false };

const echo: AdhocCommand = {
  node: "echo",
  name: "Echo",
  admin: true,
  start: () => ({ kind: "form", form: { title: "Echo", fields: [{ var: "text", type: "text-single" }] }, state: { n: 1 } }),
  submit: (_who, values, state) => ({ kind: "done", note: `${values.get("text")?.[0]} (state ${JSON.stringify(state)})` }),
};

const cmd = (node: string, attrs: Record<string, string> = {}, ...children: Element[]) => xml("command", { xmlns: NS, node, ...attrs }, ...children);
const submit = (text: string) => xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "text" }, xml("value", {}, text)));

test("execute returns a form in a session; submitting completes it with a note", async () => {
  const adhoc = createAdhoc([echo], () => 0);
  const first = await adhoc.execute(admin, cmd("echo"));
  expect(first.attrs).toMatchObject({ status: "executing", node: "echo" });
  expect(first.getChild("x", "jabber:x:data")?.attrs.type).toBe("form");
  const done = await adhoc.execute(admin, cmd("echo", { sessionid: first.attrs.sessionid!, action: "complete" }, submit("hi")));
  expect(done.attrs.status).toBe("completed");
  expect(done.getChildText("note")).toBe('hi (state {"n":1})');
  // The session is over.
  const again = await adhoc.execute(admin, cmd("echo", { sessionid: first.attrs.sessionid!, action: "complete" }, submit("hi")));
  expect(again.getChild("bad-sessionid", NS)).toBeDefined();
});

test("a session belongs to the full JID that started it", async () => {
  const adhoc = createAdhoc([echo], () => 0);
  const first = await adhoc.execute(admin, cmd("echo"));
  const other = { ...admin, jid: "admin@x/other" };
  const stolen = await adhoc.execute(other, cmd("echo", { sessionid: first.attrs.sessionid! }, submit("x")));
  expect(stolen.name).toBe("error");
  expect(stolen.getChild("bad-sessionid", NS)).toBeDefined();
});

test("non-admins neither see nor run admin commands", async () => {
  const adhoc = createAdhoc([echo], () => 0);
  expect(adhoc.items(user, "bot@x/r")).toEqual([]);
  expect(adhoc.items(admin, "bot@x/r").map((i) => i.attrs.node)).toEqual(["echo"]);
  const denied = await adhoc.execute(user, cmd("echo"));
  expect(denied.getChild("forbidden", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
});

test("cancel ends the session; unknown nodes and sessions expire", async () => {
  let t = 0;
  const adhoc = createAdhoc([echo], () => t);
  const first = await adhoc.execute(admin, cmd("echo"));
  expect((await adhoc.execute(admin, cmd("echo", { sessionid: first.attrs.sessionid!, action: "cancel" }))).attrs.status).toBe("canceled");
  expect((await adhoc.execute(admin, cmd("nope"))).getChild("item-not-found", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
  const second = await adhoc.execute(admin, cmd("echo"));
  t = 11 * 60_000;
  expect((await adhoc.execute(admin, cmd("echo", { sessionid: second.attrs.sessionid! }, submit("late")))).getChild("bad-sessionid", NS)).toBeDefined();
});

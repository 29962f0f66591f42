import { hideSensitive } from "@xmpp/debug";
import { xml, type Client, type Element } from "@xmpp/client";

/**
 * XMPP_DEBUG: every stanza in and out on stderr, like @xmpp/debug, whose SASL redaction this uses,
 * plus what @xmpp/debug does not hide: room passwords (XEP-0045 <password/>) and data-form fields
 * of type text-private (XEP-0004 §3.3), which carry passwords in ad-hoc commands. Returns the
 * inbound logger for elements that never reach the "element" event (XEP-0198 nonzas, which
 * acknowledgements.ts consumes).
 */
export function attachDebugLog(entity: Client, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): (element: Element) => void {
  const show = (direction: "IN" | "OUT") => (element: Element) => {
    const copy = hideSensitive(clone(element));
    redactSecrets(copy);
    write(`${direction} ${copy.toString()}`);
  };
  entity.on("element", show("IN"));
  entity.on("send", show("OUT"));
  entity.on("status", (status: string) => write(`status ${status}`));
  return show("IN");
}

const JOIN_WITH_PASSWORD = /^(\s*[!/]?join\s+\S+\s+\S+\s+)\S+/i;

export function redactSecrets(element: Element): void {
  const redact = (el: Element) => {
    el.children = ["[redacted]"];
  };
  const walk = (el: Element): void => {
    if (el.name === "password" && el.getNS()?.startsWith("http://jabber.org/protocol/muc")) redact(el);
    // XEP-0249: a direct invitation carries the room password as an attribute.
    if (el.name === "x" && el.attrs.xmlns === "jabber:x:conference" && el.attrs.password !== undefined) el.attrs.password = "[redacted]";
    // A submitted form may omit field types (XEP-0004 §3.2), so a field named like a password counts too.
    if (el.name === "field" && (el.attrs.type === "text-private" || /passw/i.test(el.attrs.var ?? ""))) for (const v of el.getChildren("value")) redact(v);
    // "join <room> <nick> <password>" typed to the bot: the body carries the room password.
    if (el.name === "body" && typeof el.children[0] === "string" && JOIN_WITH_PASSWORD.test(el.children[0])) {
      el.children = [el.children[0].replace(JOIN_WITH_PASSWORD, "$1[redacted]")];
    }
    for (const child of el.children) if (typeof child !== "string") walk(child);
  };
  walk(element);
}

/** A deep copy, so redaction never touches the stanza that is sent or handled. */
function clone(element: Element): Element {
  return xml(element.name, { ...element.attrs }, ...element.children.map((c) => (typeof c === "string" ? c : clone(c))));
}

import { xml, type Element } from "@xmpp/client";
import { outgoingText } from "./outgoing-text.js";
import { bareJid } from "../util/jid.js";

/** A direct message to the bot from a user (not from a room, not an error, not a chat state). */
export interface DirectMessage {
  /** Full JID as stamped by the user's server. */
  readonly from: string;
  readonly bare: string;
  readonly body: string;
  readonly type: "chat" | "normal";
}

export function parseDirectMessage(stanza: Element, isRoom: (bare: string) => boolean): DirectMessage | undefined {
  if (stanza.name !== "message") return undefined;
  const type = stanza.attrs.type ?? "normal";
  if (type !== "chat" && type !== "normal") return undefined;
  const from = stanza.attrs.from;
  const body = stanza.getChildText("body");
  if (!from || body === null || body.trim() === "") return undefined;
  const bare = bareJid(from);
  // A private message through a room (room@service/nick) has no verified sender: not a user's DM.
  if (isRoom(bare)) return undefined;
  // XEP-0249 invitations and XEP-0045 mediated invitations are handled elsewhere.
  if (stanza.getChild("x", "jabber:x:conference") || stanza.getChild("x", "http://jabber.org/protocol/muc#user")) return undefined;
  return { from, bare, body, type };
}

/**
 * A reply, as chat (RFC 6121 §5.2.2: answer a chat in kind; a normal message gets a chat too).
 * With an `id`, it is also the XEP-0359 origin-id: an announcement sent again after a lost session
 * carries the same one, so a client that got the first copy can drop the second.
 */
export function chatMessage(to: string, body: string, id?: string, replaces?: string): Element {
  return xml(
    "message",
    { to, type: "chat", id },
    xml("body", {}, outgoingText(body)),
    id === undefined ? null : xml("origin-id", { xmlns: "urn:xmpp:sid:0", id }),
    // XEP-0308: a correction names the message it replaces by the id the recipient got.
    replaces === undefined ? null : xml("replace", { xmlns: "urn:xmpp:message-correct:0", id: replaces }),
  );
}

import { xml, type Element } from "@xmpp/client";
import { outgoingText } from "./outgoing-text.js";

/** Namespaces of XEP-0045 (Multi-User Chat) and friends. */
export const NS = {
  muc: "http://jabber.org/protocol/muc",
  mucUser: "http://jabber.org/protocol/muc#user",
  mucOwner: "http://jabber.org/protocol/muc#owner",
  dataForms: "jabber:x:data",
  delay: "urn:xmpp:delay",
  stanzaErrors: "urn:ietf:params:xml:ns:xmpp-stanzas",
  sid: "urn:xmpp:sid:0",
} as const;

/** XEP-0045 §7.2: enter a room as room@service/nick; §7.2.6: maxchars='0' asks for no history. */
export function joinPresence(room: string, nick: string, password: string | undefined): Element {
  return xml(
    "presence",
    { to: `${room}/${nick}` },
    xml("x", { xmlns: NS.muc }, xml("history", { maxchars: "0" }), password ? xml("password", {}, password) : null),
  );
}

export function leavePresence(room: string, nick: string): Element {
  return xml("presence", { to: `${room}/${nick}`, type: "unavailable" });
}

/** XEP-0045 §10.1.2: accept the default configuration, unlocking a room we just created. */
export function instantRoomForm(room: string, id: string): Element {
  return xml(
    "iq",
    { to: room, type: "set", id },
    xml("query", { xmlns: NS.mucOwner }, xml("x", { xmlns: NS.dataForms, type: "submit" })),
  );
}

/**
 * A room message carrying an XEP-0359 origin-id, so we can recognise the room's reflection of it
 * (XEP-0045 §7.2.14 reflects every message to its sender) even if the room rewrites the id.
 */
export function groupchatMessage(room: string, body: string, id: string, replaces?: string): Element {
  return xml(
    "message",
    { to: room, type: "groupchat", id },
    xml("body", {}, outgoingText(body)),
    xml("origin-id", { xmlns: NS.sid, id }),
    replaces === undefined ? null : correction(replaces),
  );
}

/**
 * XEP-0066 Out of Band Data with the URL as the whole body: the form Conversations, Gajim and Dino
 * turn into a player or a picture (a body that is not the URL is shown as text, the data ignored).
 */
export function outOfBandMessage(room: string, url: string, description: string, id: string): Element {
  return xml(
    "message",
    { to: room, type: "groupchat", id },
    xml("body", {}, outgoingText(url)),
    xml("x", { xmlns: "jabber:x:oob" }, xml("url", {}, outgoingText(url)), description ? xml("desc", {}, outgoingText(description)) : null),
    xml("origin-id", { xmlns: NS.sid, id }),
  );
}

/**
 * XEP-0308 Last Message Correction: the message replaces the one with this id, as the receiving
 * client knows it (in a room, the id of the room's copy). The body carries the full new text.
 */
export function correction(replaces: string): Element {
  return xml("replace", { xmlns: "urn:xmpp:message-correct:0", id: replaces });
}

export interface MucPresence {
  readonly room: string;
  readonly nick: string;
  readonly type: "available" | "unavailable" | "error";
  /** XEP-0045 status codes: 110 self, 201 created, 307 kicked, 301 banned, 303 nick change… */
  readonly codes: ReadonlySet<string>;
  readonly errorCondition: string | undefined;
  readonly errorText: string | undefined;
  readonly destroyed: boolean;
  readonly realJid: string | undefined;
  readonly role: string | undefined;
  readonly affiliation: string | undefined;
}

/** Parses a presence from a room occupant, or undefined when it is not one. */
export function parseMucPresence(stanza: Element): MucPresence | undefined {
  if (stanza.name !== "presence") return undefined;
  const from = stanza.attrs.from as string | undefined;
  const slash = from?.indexOf("/") ?? -1;
  if (!from || slash < 0) return undefined;
  const x = stanza.getChild("x", NS.mucUser);
  const type = stanza.attrs.type === "unavailable" ? "unavailable" : stanza.attrs.type === "error" ? "error" : "available";
  if (!x && type !== "error") return undefined;
  const error = stanza.getChild("error");
  const condition = error?.children.find((c): c is Element => typeof c !== "string" && c.attrs.xmlns === NS.stanzaErrors && c.name !== "text");
  const item = x?.getChild("item");
  return {
    room: from.slice(0, slash).toLowerCase(),
    nick: from.slice(slash + 1),
    type,
    codes: new Set((x?.getChildren("status") ?? []).map((s) => String(s.attrs.code))),
    errorCondition: condition?.name,
    errorText: error?.getChildText("text", NS.stanzaErrors) ?? undefined,
    destroyed: !!x?.getChild("destroy"),
    realJid: item?.attrs.jid as string | undefined,
    role: item?.attrs.role as string | undefined,
    affiliation: item?.attrs.affiliation as string | undefined,
  };
}

/** A stanza error (RFC 6120 §8.3): its type says what to do about it, its condition why. */
export interface StanzaError {
  /** auth (change credentials or permissions first), cancel, continue, modify, wait (try again later). */
  readonly type: string;
  readonly condition: string;
  readonly text: string | undefined;
}

/** The <error/> child of a stanza, parsed; undefined when there is none. */
export function parseStanzaError(stanza: Element): StanzaError | undefined {
  const error = stanza.getChild("error");
  if (!error) return undefined;
  const condition = error.children.find((c): c is Element => typeof c !== "string" && c.attrs.xmlns === NS.stanzaErrors && c.name !== "text");
  return { type: String(error.attrs.type ?? "cancel"), condition: condition?.name ?? "undefined-condition", text: error.getChildText("text", NS.stanzaErrors) ?? undefined };
}

export interface RoomMessage {
  readonly room: string;
  readonly nick: string;
  readonly body: string | undefined;
  readonly id: string | undefined;
  readonly originId: string | undefined;
  /** XEP-0203: history the room replays on join; never a live message. */
  readonly delayed: boolean;
  readonly isError: boolean;
  /** What the room said was wrong, on a bounced message (type="error"). */
  readonly error: StanzaError | undefined;
}

export function parseRoomMessage(stanza: Element): RoomMessage | undefined {
  if (stanza.name !== "message") return undefined;
  const type = stanza.attrs.type as string | undefined;
  if (type !== "groupchat" && type !== "error") return undefined;
  const from = (stanza.attrs.from as string | undefined) ?? "";
  const slash = from.indexOf("/");
  return {
    room: (slash < 0 ? from : from.slice(0, slash)).toLowerCase(),
    nick: slash < 0 ? "" : from.slice(slash + 1),
    body: stanza.getChildText("body") ?? undefined,
    id: stanza.attrs.id as string | undefined,
    originId: stanza.getChild("origin-id", NS.sid)?.attrs.id as string | undefined,
    delayed: !!stanza.getChild("delay", NS.delay),
    isError: type === "error",
    error: type === "error" ? parseStanzaError(stanza) : undefined,
  };
}

import { xml, type Element } from "@xmpp/client";
import { groupchatMessage, parseStanzaError, type StanzaError } from "./muc-stanzas.js";

/** XEP-0369 §6 (MIX-CORE) and XEP-0405 §5 (MIX-PAM): the namespaces a server offers MIX with. */
export const NS_MIX_CORE = "urn:xmpp:mix:core:1";
export const NS_MIX_PAM = "urn:xmpp:mix:pam:2";
export const MIX_MESSAGES_NODE = "urn:xmpp:mix:nodes:messages";
const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info";
const NS_DELAY = "urn:xmpp:delay";

/**
 * XEP-0405 §5.1: a client joins a channel through its own server (the iq goes to its bare JID),
 * which adds the channel to the roster and routes the channel's messages to the client's sessions.
 * Only the messages node is subscribed (XEP-0369 §7.1.1): that is all a bot reads. Joining again
 * is harmless (the service keeps one participant per account).
 */
export function clientJoinIq(ownBareJid: string, channel: string, nick: string): Element {
  return xml(
    "iq",
    { type: "set", to: ownBareJid },
    xml("client-join", { xmlns: NS_MIX_PAM, channel }, xml("join", { xmlns: NS_MIX_CORE }, xml("subscribe", { node: MIX_MESSAGES_NODE }), xml("nick", {}, nick))),
  );
}

/**
 * XEP-0369 §7.1.4: a message to every participant is a groupchat message to the channel's bare JID,
 * with an id (the channel refuses one without). Built like a room's: cleaned text, an XEP-0359
 * origin-id, and an XEP-0308 correction naming the channel's id of the message it corrects.
 */
export function channelMessage(channel: string, text: string, id: string, replaces?: string): Element {
  return groupchatMessage(channel, text, id, replaces);
}

/** XEP-0030 §3.1: the features an entity offers. */
export function discoInfoIq(to: string): Element {
  return xml("iq", { type: "get", to }, xml("query", { xmlns: NS_DISCO_INFO }));
}

export function featuresOf(result: Element): Set<string> {
  const query = result.getChild("query", NS_DISCO_INFO);
  return new Set((query?.getChildren("feature") ?? []).map((f) => String(f.attrs.var ?? "")));
}

/** A message from a channel, parsed at the edge. */
export interface ChannelMessage {
  /** The channel's bare JID, lower case. */
  readonly channel: string;
  readonly body: string | undefined;
  /** The id the channel gave the message (its archive id): the id participants know it by. */
  readonly id: string | undefined;
  /** The sender's nick and bare JID, as the channel shows them (XEP-0369 §7.1.4). */
  readonly nick: string | undefined;
  readonly jid: string | undefined;
  /** On the copy the sender gets back: the id the sender gave it. */
  readonly submissionId: string | undefined;
  readonly delayed: boolean;
  readonly error: StanzaError | undefined;
}

/**
 * A message from one of `channels` (its bare JID, or a participant's JID in it); undefined for
 * anything else. The <mix/> element is read in any MIX-CORE version: ejabberd 23.01 answers a
 * core:1 join but marks messages with core:0.
 */
export function parseChannelMessage(stanza: Element, channels: ReadonlySet<string>): ChannelMessage | undefined {
  if (stanza.name !== "message") return undefined;
  const from = String(stanza.attrs.from ?? "");
  const channel = from.split("/")[0]!.toLowerCase();
  if (!channels.has(channel)) return undefined;
  const type = stanza.attrs.type as string | undefined;
  if (type !== "groupchat" && type !== "error") return undefined;
  const mix = stanza.children.find((c): c is Element => typeof c !== "string" && c.name === "mix" && String(c.attrs.xmlns ?? "").startsWith("urn:xmpp:mix:core:"));
  return {
    channel,
    body: stanza.getChildText("body") ?? undefined,
    id: stanza.attrs.id as string | undefined,
    nick: mix?.getChildText("nick") ?? undefined,
    jid: mix?.getChildText("jid")?.toLowerCase() ?? undefined,
    submissionId: type === "error" ? (stanza.attrs.id as string | undefined) : (mix?.getChildText("submission-id") ?? undefined),
    delayed: !!stanza.getChild("delay", NS_DELAY),
    error: type === "error" ? parseStanzaError(stanza) : undefined,
  };
}

import type { Element } from "@xmpp/client";
import { xml } from "@xmpp/client";
import { bareJid } from "../util/jid.js";

export interface Invitation {
  readonly room: string;
  /** Who invited, as a full or bare JID; for a mediated invitation, as the room reports it. */
  readonly inviter: string;
  readonly password: string | undefined;
  readonly reason: string | undefined;
  readonly kind: "direct" | "mediated";
}

/**
 * XEP-0249 direct invitations (from the inviter, <x xmlns='jabber:x:conference' jid=room/>) and
 * XEP-0045 §7.8.2 mediated invitations (from the room, <x muc#user><invite from=inviter/></x>).
 * For a mediated invitation the inviter's address is the room's word, checked by the room service.
 */
export function parseInvitation(stanza: Element): Invitation | undefined {
  if (stanza.name !== "message" || stanza.attrs.type === "error") return undefined;
  const from = stanza.attrs.from;
  if (!from) return undefined;
  // A mediated invitation first: rooms forwarding one add a jabber:x:conference element too
  // (both Prosody and ejabberd do), which must not make it look like a direct one from the room.
  const user = stanza.getChild("x", "http://jabber.org/protocol/muc#user");
  const invite = user?.getChild("invite");
  if (invite?.attrs.from) {
    return {
      room: bareJid(from),
      inviter: invite.attrs.from,
      password: user?.getChildText("password") ?? undefined,
      reason: invite.getChildText("reason") ?? undefined,
      kind: "mediated",
    };
  }
  const direct = stanza.getChild("x", "jabber:x:conference");
  if (direct?.attrs.jid) {
    return {
      room: direct.attrs.jid.toLowerCase(),
      inviter: from,
      password: direct.attrs.password,
      reason: direct.attrs.reason,
      kind: "direct",
    };
  }
  return undefined;
}

/** XEP-0045 §7.8.2: decline a mediated invitation through the room. */
export function declineInvitation(room: string, inviter: string, reason: string): Element {
  return xml(
    "message",
    { to: room },
    xml("x", { xmlns: "http://jabber.org/protocol/muc#user" }, xml("decline", { to: inviter }, xml("reason", {}, reason))),
  );
}

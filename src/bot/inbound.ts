import { createHash, randomUUID } from "node:crypto";
import { xml, type Element } from "@xmpp/client";
import type { Logger } from "../log.js";
import type { Dispatcher } from "../commands/dispatcher.js";
import type { Registry } from "../live/registry.js";
import { DEFAULT_ROOM_SETTINGS } from "../live/registry.js";
import type { RoomMessage } from "../xmpp/muc-stanzas.js";
import { chatMessage, parseDirectMessage } from "../xmpp/chat.js";
import { outgoingText } from "../xmpp/outgoing-text.js";
import { declineInvitation, parseInvitation } from "../rooms/invitations.js";
import { bareJid } from "../util/jid.js";
import { createInvitationGuard } from "./invitation-guard.js";

export interface InboundDeps {
  readonly dispatcher: Dispatcher;
  readonly registry: Registry;
  readonly isAdmin: (bareJid: string | undefined) => boolean;
  /** The bot's nick in a room (it may be a fallback nick). */
  readonly nickIn: (room: string) => string;
  readonly isRoom: (bareJid: string) => boolean;
  /** The bot's own domain: room services under it are trusted to name an inviter. */
  readonly ownDomain: string;
  readonly send: (stanza: Element) => Promise<void>;
  readonly notifyAdmins: (text: string) => void;
  readonly log: Logger;
  readonly now?: () => number;
  /**
   * With several instances (cluster/): a message to the bare JID reaches each of them; only the
   * one that claims it first answers. Absent: this instance answers everything it receives.
   */
  readonly claim?: (key: string) => Promise<boolean>;
}

export type Inbound = ReturnType<typeof createInbound>;

/**
 * What people say to the bot: direct messages (commands), addressed lines in rooms (read-only
 * commands), and invitations. Authority always comes from an address the server verified: the
 * `from` of a direct message, or the real JID a room shows; never from a nick.
 */
export function createInbound(deps: InboundDeps) {
  const { log } = deps;
  const invitations = createInvitationGuard(deps.now ?? Date.now);

  async function reply(stanza: Element, what: string): Promise<void> {
    await deps.send(stanza).catch((err: unknown) => log.warn({ err, what }, "reply not sent"));
  }

  async function onInvitation(stanza: Element): Promise<boolean> {
    const invitation = parseInvitation(stanza);
    if (!invitation) return false;
    const [inviterBare, inviterResource] = invitation.inviter.split("/");
    const inviter = bareJid(inviterBare!);
    // A room that hides real addresses names the inviter by occupant JID (room/nick): that is
    // nobody we can verify, so it is never an admin.
    const who =
      inviter === invitation.room ? `${inviterResource ? `“${inviterResource}”` : "someone"} in ${invitation.room} (the room hides their address)` : inviter;
    // A direct invitation's sender is stamped by the inviter's server. A mediated one names the
    // inviter on the room service's word, which we take only from a service of our own server's
    // domain (or the inviter's own): a remote service could claim anyone.
    const roomDomain = invitation.room.split("@")[1] ?? "";
    const inviterDomain = inviter.split("@")[1] ?? "";
    const vouched =
      invitation.kind === "direct" ||
      [deps.ownDomain, inviterDomain].some((d) => d !== "" && (roomDomain === d || roomDomain.endsWith(`.${d}`)));
    if (vouched && deps.isAdmin(inviter)) {
      const before = deps.registry.room(invitation.room);
      await deps.registry.putRoom({
        jid: invitation.room,
        nick: before?.nick,
        password: invitation.password ?? before?.password,
        feeds: before?.feeds ?? [],
        settings: before?.settings ?? DEFAULT_ROOM_SETTINGS,
      });
      log.info({ room: invitation.room, inviter, kind: invitation.kind }, "invited by an admin; joining");
      await reply(chatMessage(inviter, `Joining ${invitation.room} as you asked. “room ${invitation.room} add <feed>” makes it announce a feed.`), "invitation");
      return true;
    }
    // Keyed by the bare address: a new resource is the same stranger.
    const verdict = invitations.judge(bareJid(invitation.inviter));
    if (!verdict.answer) {
      log.debug({ room: invitation.room, inviter: who, kind: invitation.kind }, "dropped an invitation from a non-admin (rate limit)");
      return true;
    }
    log.warn({ room: invitation.room, inviter: who, kind: invitation.kind }, "declined an invitation from a non-admin");
    if (invitation.kind === "mediated") {
      await reply(declineInvitation(invitation.room, invitation.inviter, "Only Herald's admins can invite me into rooms."), "decline");
    } else {
      await reply(chatMessage(invitation.inviter, `Only Herald's admins can invite me into rooms; I told them you asked for ${invitation.room}.`), "decline");
    }
    if (verdict.notify) {
      const more = verdict.droppedBefore > 0 ? ` (Since my last note I also ignored ${verdict.droppedBefore} invitations from strangers sent too fast.)` : "";
      deps.notifyAdmins(`${who} invited me to ${invitation.room}; I declined. “join ${invitation.room}” if you want me there.${more}`);
    }
    return true;
  }

  /** Whether this instance answers a message (see `claim`): one sent to our full JID is ours alone. */
  async function claimed(stanza: Element): Promise<boolean> {
    const { to, from, id } = stanza.attrs as { to?: string; from?: string; id?: string };
    if (deps.claim === undefined || to?.includes("/") || from === undefined) return true;
    // Without an id, the text names it: a repeat within the claim's lifetime is taken as the same message.
    return claimedKey(`${from}\u0000${id ?? withoutId(stanza.toString())}`);
  }

  /**
   * A message without an id is named by its text and the ten seconds it came in: the copies every
   * instance got at once share the name, and the same command said again later does not.
   */
  function withoutId(text: string): string {
    return `${createHash("sha256").update(text).digest("base64")}@${Math.floor((deps.now ?? Date.now)() / 10_000)}`;
  }

  async function claimedKey(key: string): Promise<boolean> {
    if (deps.claim === undefined) return true;
    try {
      return await deps.claim(key);
    } catch (err) {
      // Without the database nobody can tell who answers: better twice than never.
      log.warn({ err }, "could not claim a message; answering it anyway");
      return true;
    }
  }

  return {
    /** A stanza the room manager did not take. */
    async handleStanza(stanza: Element): Promise<void> {
      if (stanza.name !== "message") return;
      // Only what we would act on is claimed (not chat states, receipts, errors).
      const actionable = parseInvitation(stanza) !== undefined || parseDirectMessage(stanza, deps.isRoom) !== undefined;
      if (deps.claim && actionable && !(await claimed(stanza))) return;
      if (await onInvitation(stanza)) return;
      const dm = parseDirectMessage(stanza, deps.isRoom);
      if (!dm) return;
      const answer = await deps.dispatcher.handle(stripPrefix(dm.body), { sender: dm.bare, isAdmin: deps.isAdmin(dm.bare), place: { kind: "dm" } });
      if (answer !== undefined) await reply(chatMessage(dm.from, answer), "command reply");
    },

    /** A live line in a room: answered only when addressed to the bot ("!cmd" or "Nick: cmd"). */
    async onRoomMessage(message: RoomMessage, realJid: string | undefined): Promise<void> {
      const line = addressedLine(message.body ?? "", deps.nickIn(message.room));
      if (line === undefined) return;
      // A MIX channel's message reaches every instance (each is the same participant), and a room's
      // reaches two during a handover: one answers.
      if (deps.claim && !(await claimedKey(`${message.room}\u0000${message.nick}\u0000${message.originId ?? message.id ?? withoutId(line)}`))) return;
      const answer = await deps.dispatcher.handle(line, {
        sender: realJid,
        // An admin is recognised in a room only by the real JID the room shows, never by nick.
        isAdmin: deps.isAdmin(realJid),
        place: { kind: "room", room: message.room, nick: message.nick },
      });
      if (answer === undefined) return;
      // An id, which XEP-0369 §7.1.4 requires of a message to a MIX channel (a room takes one too).
      const id = `herald-reply-${randomUUID()}`;
      await reply(xml("message", { to: message.room, type: "groupchat", id }, xml("body", {}, outgoingText(`${message.nick}: ${answer}`))), "room reply");
    },
  };
}

/** "!latest" or "Herald: latest" / "Herald, latest" → "latest"; anything else → undefined. */
export function addressedLine(body: string, nick: string): string | undefined {
  const text = body.trim();
  if (text.startsWith("!")) return text.slice(1);
  const lower = text.toLowerCase();
  const n = nick.toLowerCase();
  if (lower.startsWith(n) && /^[:,]\s*/.test(text.slice(n.length))) return text.slice(n.length).replace(/^[:,]\s*/, "");
  return undefined;
}

/** In a direct message "!latest" and "/latest" mean the same as "latest". */
function stripPrefix(body: string): string {
  return body.trim().replace(/^[!/]/, "");
}

import type { Logger } from "../log.js";
import type { Connection } from "../xmpp/connection.js";
import type { RoomManager } from "../rooms/room-manager.js";
import type { Delivery } from "../delivery/delivery.js";
import type { Admins } from "./admins.js";
import type { Inbound } from "./inbound.js";
import type { MixChannels } from "../targets/mix-channel.js";

export interface SessionDeps {
  readonly connection: Pick<Connection, "events">;
  readonly rooms: RoomManager;
  readonly delivery: Delivery;
  readonly inbound: Inbound;
  /** MIX channels: their messages go to them before the conversations. */
  readonly channels?: Pick<MixChannels, "handleStanza" | "events">;
  readonly admins: Admins;
  /** Told of every new session after the first (metrics). */
  readonly onReconnect: () => void;
  readonly log: Logger;
}

/**
 * What each XMPP session means for the bot. A new session (the first, or one after a lost
 * connection that could not be resumed) is in no room and may have lost whatever the old one had
 * not confirmed: rooms are joined again, unconfirmed announcements become sendable again, and
 * every target that can be reached now is served. Incoming stanzas go to the room manager first,
 * then to the conversations.
 */
export function wireSession(deps: SessionDeps): void {
  const { connection, rooms, delivery, inbound, admins, log } = deps;
  let sessions = 0;
  connection.events.on("online", () => {
    if (++sessions > 1) deps.onReconnect();
    delivery.newSession();
    rooms.onOnline();
    void delivery.kickReady().catch((err: unknown) => log.error({ err }, "could not list the targets waiting for announcements"));
  });
  connection.events.on("offline", () => rooms.onOffline());
  // XEP-0198 resumption: same session, rooms kept, nothing to forget; what waited while the link
  // was down (and what had to wait for an acknowledgement) goes out now.
  connection.events.on("resumed", () => {
    rooms.onResumed();
    void delivery.kickReady().catch((err: unknown) => log.error({ err }, "could not list the targets waiting for announcements"));
  });
  connection.events.on("stanza", (stanza) => {
    if (!rooms.handleStanza(stanza) && !deps.channels?.handleStanza(stanza)) void inbound.handleStanza(stanza).catch((err: unknown) => log.error({ err }, "inbound failed"));
  });
  rooms.events.on("message", (message, realJid) => void inbound.onRoomMessage(message, realJid).catch((err: unknown) => log.error({ err }, "room command failed")));
  // A channel answers the same reading commands a room does.
  deps.channels?.events.on("message", (message, realJid) => void inbound.onRoomMessage(message, realJid).catch((err: unknown) => log.error({ err }, "channel command failed")));
  rooms.events.on("failed", (room, reason) => admins.notify(`I stopped trying to join ${room}: ${reason}.`));
  rooms.events.on("refused", (room, reason, retryInMs) => {
    // Recorded as a refusal of the room's announcements (status shows it).
    void delivery.kick({ kind: "room", address: room });
    admins.notify(`I cannot join ${room}: ${reason}. Make me a member there; I ask again every ${Math.round(retryInMs / 60_000)} minutes, or at once when you invite me or say “join ${room}”. Its announcements wait.`);
  });
}

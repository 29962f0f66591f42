import type { Element } from "@xmpp/client";
import type { RoomManager } from "../rooms/room-manager.js";
import type { Logger } from "../log.js";
import { groupchatMessage, outOfBandMessage, type StanzaError } from "../xmpp/muc-stanzas.js";
import { createProofWaits } from "./proofs.js";
import { createRefusalBackoff } from "./backoff.js";
import type { DeliveryOutcome, TargetChannel } from "./target.js";

export interface RoomTargetDeps {
  readonly rooms: Pick<RoomManager, "isJoined" | "roleIn" | "refusalIn" | "rejoin" | "events">;
  readonly send: (stanza: Element) => Promise<void>;
  /** Whether a room is still in the live configuration. */
  readonly configured: (room: string) => boolean;
  /** Per-room send rate: `burst` messages at once, then one every `intervalMs`. */
  readonly rate: { readonly burst: number; readonly intervalMs: number };
  readonly now: () => number;
  /** How long to wait for the room to reflect a message before leaving it for the next session. */
  readonly reflectTimeoutMs?: number;
  /** Backoff for `wait` errors: first delay and the longest. */
  readonly retryMs?: { readonly first: number; readonly max: number };
  readonly log?: Logger;
}

/** XEP-0045 §5.1: a visitor has no voice; participants and moderators may speak. */
const VOICELESS = "I have no voice in this moderated room (my role is visitor); a moderator can grant it";

/**
 * Rooms as targets. The proof of delivery is the room's reflection: XEP-0045 §7.2.14 reflects
 * every message to its sender, and ours carries an XEP-0359 origin-id we recognise even if the
 * room rewrites the stanza id. A message written into a connection that was already dead is never
 * reflected, so it is never counted as delivered.
 *
 * A room that bounces a message says why in its stanza error (RFC 6120 §8.3.2): `wait` is tried
 * again with backoff and jitter; `auth` (no voice, not allowed) parks the room until our own
 * presence there shows a new role or affiliation; `not-acceptable` means the room lost us (we
 * rejoin); anything else is tried again later, more and more slowly.
 */
export function createRoomTarget(deps: RoomTargetDeps): TargetChannel {
  const backoffs = createRefusalBackoff(deps.retryMs);
  const proofs = createProofWaits(deps.reflectTimeoutMs ?? 15_000);
  /** Token buckets of the per-room rate: tokens left and when they were counted. */
  const buckets = new Map<string, { tokens: number; at: number }>();
  /** Rooms that refused until our role or affiliation changes, with the reason. */
  const parked = new Map<string, string>();
  const readyListeners: ((room: string) => void)[] = [];
  const ready = (room: string) => readyListeners.forEach((l) => l(room));

  // The room's copy may carry an id of its own: that is the id occupants know it by.
  const lateListeners: ((room: string, originId: string, stanzaId: string | undefined) => void)[] = [];
  const onReflected = (room: string, originId: string, stanzaId?: string) => {
    if (!proofs.settle(originId, { kind: "delivered", stanzaId: stanzaId ?? originId })) lateListeners.forEach((l) => l(room, originId, stanzaId ?? originId));
  };
  const onBounced = (room: string, id: string, error: StanzaError | undefined) => void proofs.settle(id, classify(room, error));
  const onSelf = (room: string, role: string | undefined) => {
    // A new role or affiliation is the room's word that things changed: try again now.
    const wasParked = parked.delete(room);
    if (role === "visitor") parked.set(room, VOICELESS);
    else if (wasParked) ready(room);
  };
  const onJoined = (room: string) => {
    if (!parked.has(room)) ready(room);
  };
  deps.rooms.events.on("reflected", onReflected);
  deps.rooms.events.on("bounced", onBounced);
  deps.rooms.events.on("self", onSelf);
  deps.rooms.events.on("joined", onJoined);

  function classify(room: string, error: StanzaError | undefined): DeliveryOutcome {
    const said = error ? `${error.condition}${error.text ? `: ${error.text}` : ""}` : "an error without a reason";
    if (error?.type === "wait") return { kind: "retry", afterMs: backoffs.next(room), reason: `the room asks me to wait (${said})` };
    if (error?.type === "auth") {
      const reason = deps.rooms.roleIn(room) === "visitor" ? VOICELESS : `the room does not let me post (${said}); it may after my role or affiliation changes`;
      parked.set(room, reason);
      return { kind: "parked", reason };
    }
    if (error?.condition === "not-acceptable") {
      // XEP-0045 §7.4: not an occupant (the room forgot us): join again, then send.
      deps.rooms.rejoin(room, "the room says I am not in it");
      return { kind: "retry", afterMs: 0, reason: `the room says I am not in it (${said})` };
    }
    return { kind: "retry", afterMs: backoffs.next(room), reason: `the room refused the message (${said})` };
  }

  async function pace(room: string): Promise<void> {
    const { burst, intervalMs } = deps.rate;
    if (intervalMs <= 0) return;
    const now = deps.now();
    const bucket = buckets.get(room) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) / intervalMs);
    bucket.at = now;
    buckets.set(room, bucket);
    if (bucket.tokens < 1) {
      const wait = (1 - bucket.tokens) * intervalMs;
      await new Promise((resolve) => setTimeout(resolve, wait));
      bucket.tokens = 1;
      bucket.at = deps.now();
    }
    bucket.tokens -= 1;
  }

  async function sendProven(room: string, stanza: Element, id: string): Promise<DeliveryOutcome> {
    if (!deps.rooms.isJoined(room)) throw new Error(`not in ${room}`);
    return proofs.proven(id, () => deps.send(stanza));
  }

  return {
    kind: "room",
    isReady: (room) => deps.rooms.isJoined(room) && !parked.has(room) && deps.rooms.roleIn(room) !== "visitor",
    notReadyReason: (room) => parked.get(room) ?? (deps.rooms.roleIn(room) === "visitor" ? VOICELESS : deps.rooms.refusalIn(room)),
    onReady: (listener) => void readyListeners.push(listener),
    onLateProof: (listener) => void lateListeners.push(listener),
    serves: (room) => deps.configured(room),
    pace,
    async deliver(room, { text, replaces, attachment }, id) {
      const outcome = await sendProven(room, groupchatMessage(room, text, id, replaces), id);
      if (outcome.kind !== "delivered") return outcome;
      backoffs.reset(room);
      if (attachment) {
        // The medium follows its announcement as a message of its own (see OutgoingMessage). It
        // is a nicety: the announcement is delivered already and is not held up by it, and a
        // bounce of it (an unknown id to the classification above) changes nothing.
        const mediaId = `${id}-oob`;
        void pace(room)
          .then(() => deps.send(outOfBandMessage(room, attachment.url, attachment.description, mediaId)))
          .catch((err: unknown) => deps.log?.warn({ room, url: attachment.url, err }, "media message not sent"));
      }
      return outcome;
    },
    newSession: proofs.failAll,
    stop() {
      deps.rooms.events.off("reflected", onReflected);
      deps.rooms.events.off("bounced", onBounced);
      deps.rooms.events.off("self", onSelf);
      deps.rooms.events.off("joined", onJoined);
      proofs.failAll();
    },
  };
}

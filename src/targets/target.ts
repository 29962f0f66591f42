import type { Entry } from "../sources/entry.js";
import type { TargetKind } from "../store/store.js";

/** One message for a target, as the announce layer rendered it. */
export interface OutgoingMessage {
  readonly text: string;
  /** XEP-0308: the id (as the target knows it) of the message this one corrects. */
  readonly replaces?: string | undefined;
  /**
   * XEP-0066: a medium to send along. Clients (Conversations, Gajim, Dino) show a player or a
   * picture only for a message whose body is exactly the out-of-band URL, so it goes as a message
   * of its own right after the text, never inside it.
   */
  readonly attachment?: Attachment | undefined;
  /** The post announced, for kinds that publish the post itself (a PubSub item); absent for a digest. */
  readonly post?: { readonly feed: string; readonly entry: Entry } | undefined;
}

export interface Attachment {
  readonly url: string;
  /** XEP-0066 <desc/>: what it is (the post's title). */
  readonly description: string;
}

/** What became of one message handed to a target. */
export type DeliveryOutcome =
  /** The kind's proof of delivery came: the row is sent, and the target knows it by `stanzaId`. */
  | { readonly kind: "delivered"; readonly stanzaId?: string | undefined }
  /** No proof came in time, and the message may or may not have arrived: sent again next session. */
  | { readonly kind: "unconfirmed" }
  /** Refused for now (a `wait` error, a room that lost us): the same row is tried again after `afterMs`, in order. */
  | { readonly kind: "retry"; readonly afterMs: number; readonly reason: string }
  /**
   * Refused until the target says otherwise (no voice, not a member): the target is not ready
   * until its channel calls the ready listener; its rows wait, pending, in order.
   */
  | { readonly kind: "parked"; readonly reason: string };

/**
 * One kind of place an announcement goes (a room, a person, a PubSub node).
 * Each kind owns how it sends, what proves delivery and when a target may get the next message;
 * the delivery loop (delivery/) owns the outbox and asks the kind of each row's target.
 */
export interface TargetChannel {
  readonly kind: TargetKind;
  /** Whether the target can be sent to now (a room we are in and may speak in; anyone while online). */
  isReady(address: string): boolean;
  /** Why a target refuses announcements now (no voice, not a member), or undefined (for `status` and the admins). */
  notReadyReason?(address: string): string | undefined;
  /** Called with a target's address whenever it became ready (joined, given voice, back online). */
  onReady(listener: (address: string) => void): void;
  /**
   * Called when proof of delivery arrives after `deliver` stopped waiting for it (a room's
   * reflection after a long cut that XEP-0198 resumed): the message did arrive.
   */
  onLateProof?(listener: (address: string, originId: string, stanzaId: string | undefined) => void): void;
  /** Waits until the target may get another message (a room's send rate). */
  pace(address: string): Promise<void>;
  /**
   * Sends one message, with `id` as its XEP-0359 origin-id, and resolves with what the kind knows
   * of its fate. Throws when the message could not be written at all.
   */
  deliver(address: string, message: OutgoingMessage, id: string): Promise<DeliveryOutcome>;
  /** Whether Herald still serves the target; what waited for one it no longer serves is dropped. */
  serves(address: string): boolean;
  /** A new XMPP session: proofs awaited from the old one will never come. */
  newSession(): void;
  stop(): void;
}

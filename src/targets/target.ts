import type { TargetKind } from "../store/store.js";

/**
 * One kind of place an announcement goes (a room, a person; later a PubSub node, a MIX channel).
 * Each kind owns how it sends, what proves delivery and when a target may get the next message;
 * the delivery loop (delivery/) owns the outbox and asks the kind of each row's target.
 */
export interface TargetChannel {
  readonly kind: TargetKind;
  /** Whether the target can be sent to now (a room we are in; anyone while we are online). */
  isReady(address: string): boolean;
  /** Waits until the target may get another message (a room's send rate). */
  pace(address: string): Promise<void>;
  /**
   * Sends one message, with `id` as its XEP-0359 origin-id, and resolves when the kind's proof
   * of delivery came (true) or did not come in time (false: the row stays pending and is sent
   * again in the next session). Throws when the message could not be written at all.
   */
  deliver(address: string, text: string, id: string): Promise<boolean>;
  /** Whether Herald still serves the target; what waited for one it no longer serves is dropped. */
  serves(address: string): boolean;
  /** A new XMPP session: proofs awaited from the old one will never come. */
  newSession(): void;
  stop(): void;
}

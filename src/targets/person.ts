import type { Element } from "@xmpp/client";
import { chatMessage } from "../xmpp/chat.js";
import type { SendOutcome } from "../xmpp/acknowledgements.js";
import type { DeliveryOutcome, TargetChannel } from "./target.js";

export interface PersonTargetDeps {
  /** Sends and resolves with the message's fate (Connection.sendAcknowledged). */
  readonly sendAcknowledged: (stanza: Element) => Promise<SendOutcome>;
  readonly online: () => boolean;
  /** How long to wait for the server's acknowledgement before leaving the message for the next session. */
  readonly ackTimeoutMs?: number;
}

/**
 * People with a personal subscription, by direct message. The proof of delivery is the server's
 * XEP-0198 acknowledgement; a message whose session ended unacknowledged stays pending and goes
 * out again, with the same origin-id, in the next session. On a server without XEP-0198 having
 * written the message is all that is known (the connection logs that once).
 */
export function createPersonTarget(deps: PersonTargetDeps): TargetChannel {
  return {
    kind: "user",
    isReady: () => deps.online(),
    // Every new session serves every reachable target (bot/session.ts): nothing more to tell.
    onReady: () => undefined,
    // Subscriptions are the person's own business; what waits for them is kept.
    serves: () => true,
    // A person's client has no send-rate limit of the kind a room has.
    pace: async () => undefined,
    // Media go to rooms that ask for them; a direct message carries the text alone.
    async deliver(jid, { text, replaces }, id): Promise<DeliveryOutcome> {
      // "written": the server has no XEP-0198, so nothing better than the write is known. An ack
      // that does not come in time (a link that went quiet) must not hold this person's line for
      // good: the message is unconfirmed and goes again in the next session, like a room's.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), deps.ackTimeoutMs ?? 15_000)));
      const outcome = await Promise.race([deps.sendAcknowledged(chatMessage(jid, text, id, replaces)), late]).finally(() => clearTimeout(timer));
      if (outcome === "late") return { kind: "unconfirmed" };
      // A direct message keeps the id we gave it: that is the one a correction names.
      return outcome === "lost" ? { kind: "unconfirmed" } : { kind: "delivered", stanzaId: id };
    },
    newSession: () => undefined,
    stop: () => undefined,
  };
}

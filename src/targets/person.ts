import type { Element } from "@xmpp/client";
import { chatMessage } from "../xmpp/chat.js";
import type { DeliveryOutcome, TargetChannel } from "./target.js";

export interface PersonTargetDeps {
  readonly send: (stanza: Element) => Promise<void>;
  readonly online: () => boolean;
}

/**
 * People with a personal subscription, by direct message. The proof of delivery is, for now, the
 * message having been written to the server's connection: without XEP-0198 acknowledgements
 * nothing better is known, so a message lost with a dying connection is not sent again.
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
    async deliver(jid, text, id): Promise<DeliveryOutcome> {
      await deps.send(chatMessage(jid, text, id));
      return { kind: "delivered" };
    },
    newSession: () => undefined,
    stop: () => undefined,
  };
}

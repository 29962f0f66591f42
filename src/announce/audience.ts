import type { Registry } from "../live/registry.js";
import type { SubscriptionStore, Target } from "../store/store.js";

/**
 * Who gets a feed's new posts as they appear: the rooms announcing it (not muted, not
 * digest-only) and the people subscribed to it.
 */
export function createAudience(deps: { readonly registry: Registry; readonly subscriptions: SubscriptionStore }) {
  return {
    targetsFor(feed: string): Target[] {
      return [
        ...deps.registry.roomsAnnouncing(feed).map((address) => ({ kind: "room" as const, address })),
        ...deps.subscriptions.subscribersOf(feed).map((address) => ({ kind: "user" as const, address })),
      ];
    },
  };
}

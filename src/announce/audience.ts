import type { Registry } from "../live/registry.js";
import type { SubscriptionStore, Target } from "../store/store.js";
import type { Entry } from "../sources/entry.js";
import { matchesFilters, parseFilterTerm, type FilterTerm, type Filters } from "../filters/filters.js";
import type { Accepts } from "./flood-policy.js";
import type { Backfill } from "./flood-policy.js";

/** Stands in for a term that no longer parses. */
const MATCHES_NOTHING: FilterTerm = { text: "(invalid term)", kind: "regex", pattern: /(?!)/ };

/**
 * Who gets a feed's new posts as they appear: the rooms announcing it (not muted, not
 * digest-only), the people subscribed to it and the PubSub nodes it fills; and which posts each
 * of them wants, by the room's filters or the words of a subscription (a node wants every post).
 */
export function createAudience(deps: {
  readonly registry: Registry;
  readonly subscriptions: SubscriptionStore;
  /** The PubSub nodes taking each feed: their target addresses and backfill counts. */
  readonly nodesFor?: (feed: string) => readonly { readonly address: string; readonly backfill: number }[];
  /** The MIX channels announcing each feed. */
  readonly channelsFor?: (feed: string) => readonly string[];
}) {
  // Terms were checked when they were set; parsed once per distinct list, not per post.
  const parsed = new Map<string, FilterTerm[]>();
  const terms = (list: readonly string[] | undefined): FilterTerm[] => {
    if (!list || list.length === 0) return [];
    // Terms were checked when set; one that no longer parses (an older Herald wrote it) matches
    // nothing rather than everything, so a filtered room is never flooded.
    const key = JSON.stringify(list);
    let result = parsed.get(key);
    if (result === undefined) {
      result = list.map((text) => {
        const term = parseFilterTerm(text);
        return term.ok ? term.term : MATCHES_NOTHING;
      });
      if (parsed.size > 1000) parsed.clear();
      parsed.set(key, result);
    }
    return result;
  };
  /** `words`: the words of each subscription to the feed, by the subscriber's JID. */
  const filtersOf = (target: Target, words: ReadonlyMap<string, readonly string[]>): Filters | undefined => {
    // A node is an archive of the feed: every post; a channel has no filters (yet).
    if (target.kind === "pubsub" || target.kind === "mix") return undefined;
    if (target.kind === "room") {
      const settings = deps.registry.room(target.address)?.settings;
      return settings?.include?.length || settings?.exclude?.length ? { include: terms(settings.include), exclude: terms(settings.exclude) } : undefined;
    }
    const own = words.get(target.address) ?? [];
    return own.length > 0 ? { include: terms(own), exclude: [] } : undefined;
  };
  return {
    async targetsFor(feed: string): Promise<Target[]> {
      const subscribers = await deps.subscriptions.subscribersOf(feed);
      return [
        ...deps.registry.roomsAnnouncing(feed).map((address) => ({ kind: "room" as const, address })),
        ...subscribers.map((address) => ({ kind: "user" as const, address })),
        ...(deps.nodesFor?.(feed) ?? []).map(({ address }) => ({ kind: "pubsub" as const, address })),
        ...(deps.channelsFor?.(feed) ?? []).map((address) => ({ kind: "mix" as const, address })),
      ];
    },
    /** The nodes that get a feed's newest posts even from a read that announces nothing. */
    backfillFor(feed: string): Backfill[] {
      return (deps.nodesFor?.(feed) ?? []).filter((n) => n.backfill > 0).map(({ address, backfill }) => ({ target: { kind: "pubsub", address }, count: backfill }));
    },
    /**
     * Whether a target wants a post of `feed`: no filter, every post. The words of the feed's
     * subscriptions are read first, once: the answer is asked inside the store's transaction
     * (EntryStore.record's announce, DigestStore.close), which must not wait for the database.
     */
    async accepts(feed: string): Promise<Accepts> {
      const subscribers = await deps.subscriptions.subscribersOf(feed);
      const words = new Map(await Promise.all(subscribers.map(async (jid) => [jid, await deps.subscriptions.termsOf(jid, feed)] as const)));
      return (target: Target, entry: Entry) => {
        const filters = filtersOf(target, words);
        return filters === undefined || matchesFilters(entry, filters);
      };
    },
  };
}

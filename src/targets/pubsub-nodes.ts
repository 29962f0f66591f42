import type { PubsubNodeConfig } from "../config/schema.js";
import { nodeUri } from "../xmpp/pubsub-stanzas.js";
import type { NodeSettings } from "./pubsub-node.js";

/**
 * The PubSub nodes of the config file, by target address (nodeUri) and by feed: what the
 * audience asks (which nodes a feed fills, and their backfill) and what the node channel asks
 * (whether a node is still served, its title and access model).
 */
export function createNodeDirectory(nodes: readonly PubsubNodeConfig[]) {
  const byAddress = new Map(nodes.map((n) => [nodeUri(n), n]));
  return {
    settings(address: string): NodeSettings | undefined {
      const n = byAddress.get(address);
      return n === undefined ? undefined : { title: n.title, accessModel: n.accessModel };
    },
    forFeed(feed: string): { address: string; backfill: number }[] {
      return [...byAddress].filter(([, n]) => n.feeds.includes(feed)).map(([address, n]) => ({ address, backfill: n.backfill }));
    },
    firstFeed(address: string): string | undefined {
      return byAddress.get(address)?.feeds[0];
    },
    addresses(): string[] {
      return [...byAddress.keys()];
    },
  };
}

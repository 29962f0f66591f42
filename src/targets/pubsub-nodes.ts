import type { PubsubNodeConfig } from "../config/schema.js";
import { nodeUri } from "../xmpp/pubsub-stanzas.js";
import type { NodeSettings } from "./pubsub-node.js";

export interface NodeSource {
  /** Every node Herald publishes to now (the live configuration). */
  nodes(): readonly PubsubNodeConfig[];
  /** A node by its address (nodeUri), while Herald publishes to it. */
  node(address: string): PubsubNodeConfig | undefined;
}

/**
 * The PubSub nodes of the live configuration, by target address (nodeUri) and by feed: what the
 * audience asks (which nodes a feed fills, and their backfill) and what the node channel asks
 * (whether a node is still served, its title and access model).
 */
export function createNodeDirectory(source: NodeSource) {
  return {
    settings(address: string): NodeSettings | undefined {
      const n = source.node(address);
      return n === undefined ? undefined : { title: n.title, accessModel: n.accessModel };
    },
    forFeed(feed: string): { address: string; backfill: number }[] {
      return source
        .nodes()
        .filter((n) => n.feeds.includes(feed))
        .map((n) => ({ address: nodeUri(n), backfill: n.backfill }));
    },
    firstFeed(address: string): string | undefined {
      return source.node(address)?.feeds[0];
    },
    addresses(): string[] {
      return source.nodes().map(nodeUri);
    },
  };
}

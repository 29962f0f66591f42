import type { Element } from "@xmpp/client";
import type { Logger } from "../log.js";
import { atomEntry, itemIdOf } from "./atom-entry.js";
import {
  createNodeIq,
  describePubsubError,
  nodeUri,
  parseNodeUri,
  publishIq,
  pubsubRequest,
  type AccessModel,
  type NodeAddress,
  type PubsubError,
} from "../xmpp/pubsub-stanzas.js";
import { createRefusalBackoff } from "./backoff.js";
import type { DeliveryOutcome, OutgoingMessage, TargetChannel } from "./target.js";

/** A node as the live configuration has it. */
export interface NodeSettings {
  readonly title: string | undefined;
  readonly accessModel: AccessModel;
}

export interface PubsubNodeTargetDeps {
  /** Sends an iq and resolves with the result; rejects with xmpp.js's StanzaError, a timeout, or when offline. */
  readonly request: (iq: Element) => Promise<Element>;
  readonly online: () => boolean;
  /** The node's settings while Herald serves it (its target address is nodeUri), else undefined. */
  readonly node: (address: string) => NodeSettings | undefined;
  /** Every node Herald serves (their addresses), to create them as each session starts. */
  readonly nodes: () => readonly string[];
  /** A feed's title as last read (or its name): the node's title when the config gives none. */
  readonly feedTitle: (feed: string) => Promise<string>;
  /** The first feed a node takes, whose title names the node when the config gives none. */
  readonly firstFeed: (address: string) => string | undefined;
  /** Tells the admins something a person must act on. */
  readonly notifyAdmins: (text: string) => void;
  readonly now: () => number;
  /** Backoff for refusals: first delay and the longest. */
  readonly retryMs?: { readonly first: number; readonly max: number };
  readonly log?: Logger;
}

const where = ({ service, node }: NodeAddress) => `node ${node} at ${service}`;

/**
 * PubSub nodes (XEP-0060) as targets: each post is published as one item whose id is the post's
 * stable identity (itemIdOf) and whose payload is an Atom entry (XEP-0277, XEP-0472). The proof of
 * delivery is the service's iq result (§7.1.2). Publishing an id again replaces the item, so a
 * message sent again after a lost session, a restart or a correction never makes a second item.
 *
 * The node is created, titled and given its access model the first time a session publishes to it
 * (§8.1.3; a node that exists is left as its owner configured it). Refusals (§7.1.3) are classified
 * like a room's: `wait` is tried again with backoff; a node that vanished is created again; an
 * item too big is published once more without its content; anything a person must fix
 * (forbidden, a payload the node refuses) is told to the admins once and tried again, more and
 * more slowly, until it goes through.
 */
export function createPubsubNodeTarget(deps: PubsubNodeTargetDeps): TargetChannel {
  const backoffs = createRefusalBackoff(deps.retryMs);
  /** Nodes created or found in this session (or being so). */
  const ensuring = new Map<string, Promise<DeliveryOutcome | undefined>>();
  /** Nodes the service would not let us create, and why (they may exist nonetheless). */
  const creationRefused = new Map<string, PubsubError>();
  /** Nodes whose refusal the admins were told of (until one publish goes through). */
  const told = new Set<string>();

  /** A refusal a person must act on: the admins hear of it once; the post waits and is tried again. */
  function needsPerson(address: string, node: NodeAddress, what: string, error: PubsubError, advice: string): DeliveryOutcome {
    const reason = `${where(node)} ${what} (${describePubsubError(error)})`;
    if (!told.has(address)) {
      told.add(address);
      deps.notifyAdmins(`I cannot publish to ${where(node)}: it ${what} (${describePubsubError(error)}). ${advice} Its posts wait; I try again now and then.`);
    }
    return { kind: "retry", afterMs: backoffs.next(address), reason };
  }

  function refused(address: string, node: NodeAddress, what: string, error: PubsubError): DeliveryOutcome {
    if (error.type === "wait") return { kind: "retry", afterMs: backoffs.next(address), reason: `${where(node)} asks me to wait (${describePubsubError(error)})` };
    if (error.type === "auth" || error.condition === "forbidden" || error.condition === "not-authorized") {
      return needsPerson(address, node, `does not let me ${what}`, error, `Make me a publisher or owner of the node (or, to have me create it, allow me to create nodes on ${node.service}).`);
    }
    return needsPerson(address, node, `refused to ${what}`, error, "Check the node's configuration (payload type, item size) on the service.");
  }

  /**
   * XEP-0060 §8.1: creates the node once per session, so readers can subscribe before the first
   * post; one that exists already (conflict) is left as its owner configured it.
   */
  function ensureNode(address: string, node: NodeAddress, settings: NodeSettings, feedTitle: string): Promise<DeliveryOutcome | undefined> {
    let pending = ensuring.get(address);
    if (pending === undefined) {
      const title = settings.title ?? feedTitle;
      pending = pubsubRequest(deps.request, createNodeIq(node, { title, accessModel: settings.accessModel })).then((created) => {
        if ("error" in created && created.error.type === "auth") {
          // Some services (Prosody) answer "forbidden" to anyone but an admin before they look
          // whether the node exists: it may, and let us publish. The publish will tell (§7.1.3.3).
          creationRefused.set(address, created.error);
          deps.log?.debug({ service: node.service, node: node.node, error: describePubsubError(created.error) }, "may not create the PubSub node; it may exist");
          return undefined;
        }
        if ("error" in created && created.error.condition !== "conflict") {
          ensuring.delete(address);
          return refused(address, node, "create the node", created.error);
        }
        creationRefused.delete(address);
        if ("result" in created) deps.log?.info({ service: node.service, node: node.node, title, accessModel: settings.accessModel }, "created PubSub node");
        else deps.log?.debug({ service: node.service, node: node.node }, "PubSub node exists");
        return undefined;
      });
      pending.catch(() => ensuring.delete(address));
      ensuring.set(address, pending);
    }
    return pending;
  }

  async function publish(address: string, message: OutgoingMessage): Promise<DeliveryOutcome> {
    const node = parseNodeUri(address);
    const settings = deps.node(address);
    if (node === undefined || settings === undefined) throw new Error(`${address} is no PubSub node Herald serves`);
    const post = message.post;
    if (post === undefined) {
      // Only posts are queued for nodes (digests are for rooms); a text alone has no item to be.
      deps.log?.warn({ target: address }, "a message without a post cannot be published to a node; skipped");
      return { kind: "delivered" };
    }
    const feedTitle = await deps.feedTitle(deps.firstFeed(address) ?? post.feed);
    const notCreated = await ensureNode(address, node, settings, feedTitle);
    if (notCreated) return notCreated;
    const itemId = itemIdOf(post.feed, post.entry.key);
    const payload = (withoutContent: boolean) =>
      atomEntry(post.entry, {
        feedTitle,
        fallbackId: `${nodeUri(node)};item=${itemId}`,
        // A correction is a newer version of the post; otherwise the post's own date.
        updated: message.replaces !== undefined || post.entry.published === undefined ? new Date(deps.now()) : post.entry.published,
        withoutContent,
      });
    let published = await pubsubRequest(deps.request, publishIq(node, itemId, payload(false)));
    if ("error" in published && published.error.pubsubCondition === "payload-too-big") {
      // XEP-0060 §7.1.3.5: the service limits an item's size; the summary alone usually fits.
      deps.log?.info({ target: address, item: itemId }, "item too big for the node; publishing it without its content");
      published = await pubsubRequest(deps.request, publishIq(node, itemId, payload(true)));
    }
    if ("error" in published) {
      if (published.error.condition === "item-not-found") {
        // §7.1.3.3: the node is gone (deleted since this session created or found it): create it again.
        const wasEnsured = ensuring.delete(address);
        const cannotCreate = creationRefused.get(address);
        if (cannotCreate) return refused(address, node, "create the node", cannotCreate);
        return { kind: "retry", afterMs: wasEnsured ? 0 : backoffs.next(address), reason: `${where(node)} does not exist (${describePubsubError(published.error)})` };
      }
      return refused(address, node, "publish there", published.error);
    }
    backoffs.reset(address);
    if (told.delete(address)) deps.notifyAdmins(`I can publish to ${where(node)} again.`);
    return { kind: "delivered", stanzaId: itemId };
  }

  return {
    kind: "pubsub",
    isReady: (address) => deps.online() && deps.node(address) !== undefined,
    // Every new session serves every reachable target (bot/session.ts): nothing more to tell.
    onReady: () => undefined,
    serves: (address) => deps.node(address) !== undefined,
    // A service answers each publish before the next goes: its own pace.
    pace: async () => undefined,
    async deliver(address, message) {
      try {
        return await publish(address, message);
      } catch (err) {
        // No answer in time: the item may or may not be there; publishing it again is harmless.
        if (err instanceof Error && err.name === "TimeoutError") return { kind: "unconfirmed" };
        throw err;
      }
    },
    // A new session may meet a service that restarted and lost the node: create what is missing.
    newSession() {
      ensuring.clear();
      for (const address of deps.nodes()) {
        const node = parseNodeUri(address);
        const settings = deps.node(address);
        const feed = deps.firstFeed(address);
        if (node === undefined || settings === undefined) continue;
        (feed === undefined ? Promise.resolve(node.node) : deps.feedTitle(feed))
          .then((title) => ensureNode(address, node, settings, title))
          .catch((err: unknown) => deps.log?.warn({ target: address, err }, "could not create or find the PubSub node; trying again with its first post"));
      }
    },
    stop: () => undefined,
  };
}

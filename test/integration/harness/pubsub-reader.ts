// A reader of PubSub nodes (XEP-0060) on a test member's connection: it subscribes, receives the
// event notifications, and asks a node for its items, as a social client (Movim, Libervia) would.
import { xml, type Element } from "@xmpp/client";
import type { Member } from "./member.js";

const NS_PUBSUB = "http://jabber.org/protocol/pubsub";
const NS_EVENT = "http://jabber.org/protocol/pubsub#event";
export const NS_ATOM = "http://www.w3.org/2005/Atom";

/** One item as a notification or an items query carries it. */
export interface NodeItem {
  readonly service: string;
  readonly node: string;
  readonly id: string;
  /** The Atom entry, when the item has one. */
  readonly entry: Element | undefined;
}

export interface PubsubReader {
  /** Every item notification received so far (XEP-0060 §7.1.2.1), in order. */
  readonly events: NodeItem[];
  subscribe(service: string, node: string): Promise<void>;
  /** XEP-0060 §6.5.2: every item the node has now. */
  items(service: string, node: string): Promise<NodeItem[]>;
  waitForEvent(predicate: (item: NodeItem) => boolean, timeoutMs?: number): Promise<NodeItem>;
  stop(): void;
}

export function pubsubReader(member: Member): PubsubReader {
  const events: NodeItem[] = [];
  const waiters: { predicate: (item: NodeItem) => boolean; resolve: (item: NodeItem) => void }[] = [];
  const onStanza = (stanza: Element) => {
    if (!stanza.is("message")) return;
    const items = stanza.getChild("event", NS_EVENT)?.getChild("items");
    if (!items) return;
    for (const item of items.getChildren("item")) {
      const record = { service: String(stanza.attrs.from), node: String(items.attrs.node), id: String(item.attrs.id), entry: item.getChild("entry", NS_ATOM) };
      events.push(record);
      for (const w of [...waiters]) {
        if (!w.predicate(record)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(record);
      }
    }
  };
  member.client.on("stanza", onStanza);
  const request = (service: string, child: Element, type: "get" | "set") => member.client.iqCaller.request(xml("iq", { type, to: service }, xml("pubsub", { xmlns: NS_PUBSUB }, child)));
  return {
    events,
    async subscribe(service, node) {
      await request(service, xml("subscribe", { node, jid: member.jid.split("/")[0] }), "set");
    },
    async items(service, node) {
      const result = await request(service, xml("items", { node }), "get");
      const items = result.getChild("pubsub", NS_PUBSUB)?.getChild("items")?.getChildren("item") ?? [];
      return items.map((item) => ({ service, node, id: String(item.attrs.id), entry: item.getChild("entry", NS_ATOM) }));
    },
    waitForEvent(predicate, timeoutMs = 30_000) {
      const found = events.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching item notification among ${events.length}: ${events.map((e) => `${e.node}/${e.id}`).join(", ")}`)), timeoutMs);
        waiters.push({ predicate, resolve: (item) => (clearTimeout(timer), resolve(item)) });
      });
    },
    stop() {
      member.client.removeListener("stanza", onStanza);
    },
  };
}

/** XEP-0060 §8.1.2: a node created by `member` with the service's default configuration. */
export async function createNode(member: Member, service: string, node: string): Promise<void> {
  await member.client.iqCaller.request(xml("iq", { type: "set", to: service }, xml("pubsub", { xmlns: NS_PUBSUB }, xml("create", { node }))));
}

/** XEP-0060 §8.9.2: the node's owner changes one entity's affiliation (e.g. "publisher"). */
export async function setAffiliation(member: Member, service: string, node: string, jid: string, affiliation: string): Promise<void> {
  await member.client.iqCaller.request(
    xml("iq", { type: "set", to: service }, xml("pubsub", { xmlns: `${NS_PUBSUB}#owner` }, xml("affiliations", { node }, xml("affiliation", { jid, affiliation })))),
  );
}

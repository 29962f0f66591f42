import { xml, type Element } from "@xmpp/client";
import { NS_DATA } from "./forms.js";
import { parseStanzaError, type StanzaError } from "./muc-stanzas.js";

/** XEP-0060 namespaces. */
export const NS_PUBSUB = "http://jabber.org/protocol/pubsub";
export const NS_PUBSUB_ERRORS = "http://jabber.org/protocol/pubsub#errors";
export const NS_PUBSUB_EVENT = "http://jabber.org/protocol/pubsub#event";
const NS_NODE_CONFIG = "http://jabber.org/protocol/pubsub#node_config";

/** XEP-0060 §4.5: who may subscribe to and read a node. Herald offers the three that need no roster groups or payment. */
export const ACCESS_MODELS = ["open", "presence", "whitelist"] as const;
export type AccessModel = (typeof ACCESS_MODELS)[number];

/** A node at a PubSub service (a component like pubsub.example.org, or an account's PEP). */
export interface NodeAddress {
  readonly service: string;
  readonly node: string;
}

/**
 * A node as one target address: the XMPP URI of XEP-0060 §12.20 (`xmpp:service?;node=name`), so the
 * outbox, `status` and the admins see an address a client can open. The node name is
 * percent-encoded (RFC 5122 §2.7), so any node name survives the round trip.
 */
export function nodeUri({ service, node }: NodeAddress): string {
  return `xmpp:${service}?;node=${encodeURIComponent(node)}`;
}

/** The service and node of a nodeUri; undefined for anything else. */
export function parseNodeUri(address: string): NodeAddress | undefined {
  const match = /^xmpp:([^?;/\s]+)\?;node=([^;]+)$/.exec(address);
  if (!match) return undefined;
  try {
    return { service: match[1]!, node: decodeURIComponent(match[2]!) };
  } catch {
    return undefined;
  }
}

export interface NodeOptions {
  readonly title: string;
  readonly accessModel: AccessModel;
}

/**
 * XEP-0060 §8.1.3: create a node and configure it in one request. `pubsub#type` says the payloads
 * are Atom entries (XEP-0472 §4.1); `persist_items` keeps them for readers who come later.
 */
export function createNodeIq({ service, node }: NodeAddress, options: NodeOptions): Element {
  const field = (name: string, value: string) => xml("field", { var: name }, xml("value", {}, value));
  return xml(
    "iq",
    { type: "set", to: service },
    xml(
      "pubsub",
      { xmlns: NS_PUBSUB },
      xml("create", { node }),
      xml(
        "configure",
        {},
        xml(
          "x",
          { xmlns: NS_DATA, type: "submit" },
          field("FORM_TYPE", NS_NODE_CONFIG),
          field("pubsub#title", options.title),
          field("pubsub#access_model", options.accessModel),
          field("pubsub#persist_items", "1"),
        ),
      ),
    ),
  );
}

/**
 * XEP-0060 §7.1.1: publish one item. §7.1.2: publishing an item id the node already has replaces
 * that item (and notifies subscribers again), which is what makes a republish never a second item.
 */
export function publishIq({ service, node }: NodeAddress, itemId: string, payload: Element): Element {
  return xml("iq", { type: "set", to: service }, xml("pubsub", { xmlns: NS_PUBSUB }, xml("publish", { node }, xml("item", { id: itemId }, payload))));
}

/** A stanza error of a PubSub request, with the XEP-0060 application condition when the service gave one. */
export interface PubsubError extends StanzaError {
  /** XEP-0060 §7.1.3: e.g. payload-too-big, invalid-payload, closed-node; undefined when absent. */
  readonly pubsubCondition: string | undefined;
}

/** The error of an iq error reply (or of the `<error/>` element xmpp.js hands over), parsed. */
export function parsePubsubError(stanzaOrError: Element): PubsubError | undefined {
  const error = stanzaOrError.name === "error" ? stanzaOrError : stanzaOrError.getChild("error");
  if (!error) return undefined;
  const base = parseStanzaError(xml("iq", {}, error))!;
  const app = error.children.find((c): c is Element => typeof c !== "string" && c.attrs.xmlns === NS_PUBSUB_ERRORS);
  return { ...base, pubsubCondition: app?.name };
}

/** "forbidden", or "not-acceptable (payload-too-big): text": for logs and the admins. */
export function describePubsubError(error: PubsubError): string {
  return `${error.condition}${error.pubsubCondition ? ` (${error.pubsubCondition})` : ""}${error.text ? `: ${error.text}` : ""}`;
}

/**
 * Runs one iq request and parses an error reply at the edge: a service's refusal comes back as
 * `{ error }`; anything else that goes wrong (a timeout, no connection) is thrown as it was.
 */
export async function pubsubRequest(request: (iq: Element) => Promise<Element>, iq: Element): Promise<{ readonly result: Element } | { readonly error: PubsubError }> {
  try {
    return { result: await request(iq) };
  } catch (err) {
    // xmpp.js rejects with a StanzaError carrying the <error/> element it parsed.
    const element = (err as { element?: unknown } | null)?.element;
    if (err instanceof Error && err.name === "StanzaError" && isElement(element)) {
      const parsed = parsePubsubError(element);
      if (parsed) return { error: parsed };
    }
    throw err;
  }
}

function isElement(value: unknown): value is Element {
  return typeof value === "object" && value !== null && typeof (value as Element).getChild === "function" && typeof (value as Element).name === "string";
}

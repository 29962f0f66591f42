import { xml, type Element } from "@xmpp/client";
import type { Adhoc, Requester } from "./adhoc.js";
import { NS_COMMANDS } from "./adhoc.js";
import { NS_DATA } from "./forms.js";

const NS_INFO = "http://jabber.org/protocol/disco#info";
const NS_ITEMS = "http://jabber.org/protocol/disco#items";
const NS_VERSION = "jabber:iq:version";

/** The minimal surface of xmpp.js's iq callee we register on. */
export interface IqCallee {
  get(ns: string, name: string, handler: (ctx: { stanza: Element; element: Element }) => unknown): void;
  set(ns: string, name: string, handler: (ctx: { stanza: Element; element: Element }) => unknown): void;
}

export interface DiscoveryDeps {
  readonly iqCallee: IqCallee;
  readonly adhoc: Adhoc;
  readonly version: string;
  /** Our own full JID, for disco items. */
  readonly ownJid: () => string;
  /** Who is asking, from the server-stamped `from`; undefined when the iq has none. */
  readonly requester: (from: string | undefined) => Requester | undefined;
}

/**
 * Answers what clients ask a bot: XEP-0030 disco#info (identity client/bot and features) and
 * disco#items for the commands node, XEP-0092 software version, and XEP-0050 command execution.
 * Ping (XEP-0199) is answered by xmpp.js itself.
 */
export function registerServiceDiscovery(deps: DiscoveryDeps): void {
  const { iqCallee, adhoc } = deps;
  const features = [NS_INFO, NS_ITEMS, NS_COMMANDS, NS_DATA, NS_VERSION, "urn:xmpp:ping", "jabber:x:conference", "urn:xmpp:sid:0"];

  iqCallee.get(NS_INFO, "query", ({ element }) => {
    const node = element.attrs.node;
    if (!node) {
      return xml(
        "query",
        { xmlns: NS_INFO },
        xml("identity", { category: "client", type: "bot", name: "Herald" }),
        ...features.map((f) => xml("feature", { var: f })),
      );
    }
    if (node === NS_COMMANDS) return xml("query", { xmlns: NS_INFO, node }, xml("identity", { category: "automation", type: "command-list" }));
    if (adhoc.has(node)) {
      return xml(
        "query",
        { xmlns: NS_INFO, node },
        xml("identity", { category: "automation", type: "command-node" }),
        xml("feature", { var: NS_COMMANDS }),
        xml("feature", { var: NS_DATA }),
      );
    }
    return itemNotFound();
  });

  iqCallee.get(NS_ITEMS, "query", ({ stanza, element }) => {
    const node = element.attrs.node;
    if (!node) return xml("query", { xmlns: NS_ITEMS });
    if (node !== NS_COMMANDS) return itemNotFound();
    const who = deps.requester(stanza.attrs.from);
    return xml("query", { xmlns: NS_ITEMS, node }, ...(who ? adhoc.items(who, deps.ownJid()) : []));
  });

  iqCallee.get(NS_VERSION, "query", () =>
    xml("query", { xmlns: NS_VERSION }, xml("name", {}, "Herald"), xml("version", {}, deps.version)),
  );

  iqCallee.set(NS_COMMANDS, "command", async ({ stanza, element }) => {
    const who = deps.requester(stanza.attrs.from);
    if (!who) return xml("error", { type: "auth" }, xml("forbidden", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }));
    return adhoc.execute(who, element);
  });
}

function itemNotFound(): Element {
  return xml("error", { type: "cancel" }, xml("item-not-found", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }));
}

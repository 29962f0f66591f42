import { isPubsubService } from "../config/schema.js";
import type { LiveNode } from "../live/registry.js";
import { ACCESS_MODELS, nodeUri } from "../xmpp/pubsub-stanzas.js";
import { command, UserError, type Command } from "./command.js";
import type { CommandServices } from "./services.js";
import { unknownFeed } from "./reading.js";

/** Admin commands for PubSub nodes (XEP-0060): which nodes get which feeds' posts as items. */
export function nodeCommands(s: CommandServices): Command[] {
  return [
    command({
      name: "nodes",
      summary: "the PubSub nodes I publish posts to, and their feeds",
      admin: true,
      inRooms: false,
      run() {
        const nodes = s.registry.nodes();
        if (nodes.length === 0) return "I publish to no PubSub nodes. “node <service> <node> add <feed>” adds one.";
        return nodes.map((n) => `${n.node} at ${n.service}: ${describe(n)}`).join("\n");
      },
    }),
    command({
      name: "node",
      args: "<service> <node> [add <feed> | remove <feed> | set access open|presence|whitelist | forget]",
      summary: "show or change what a PubSub node gets",
      details: [
        "“node pubsub.example.org blog” shows the node's feeds and settings.",
        "“node pubsub.example.org blog add xsf”: publish each new post of xsf to the node as an item (I create the node if it is missing, with the feed's title).",
        "“node pubsub.example.org blog remove xsf”: stop publishing a feed there.",
        "“node pubsub.example.org blog set access presence”: who may read the node if I create it (open, presence or whitelist); a node that exists keeps its own.",
        "“node pubsub.example.org blog forget”: stop publishing to the node; it and its items stay at the service.",
        "A node name with spaces goes in double quotes.",
      ],
      admin: true,
      inRooms: false,
      async run(_ctx, [serviceArg, nodeName, verbArg, value, setting]) {
        if (!serviceArg || !isPubsubService(serviceArg)) throw new UserError(`Which PubSub service? Give its address, like pubsub.example.org (or a bare JID, for its PEP).`);
        if (!nodeName) throw new UserError(`Which node at ${serviceArg}? Example: “node ${serviceArg} blog add xsf”.`);
        const service = serviceArg.toLowerCase();
        const address = nodeUri({ service, node: nodeName });
        const existing = s.registry.node(address);
        const where = `${nodeName} at ${service}`;
        const verb = verbArg?.toLowerCase();
        if (verb === undefined) return existing ? `${where}: ${describe(existing)}` : `I do not publish to ${where}; “node ${service} ${nodeName} add <feed>” starts.`;
        if (verb === "add") {
          if (!value) throw new UserError(`Which feed? Example: “node ${service} ${nodeName} add xsf”.`);
          if (!s.registry.feed(value)) throw new UserError(unknownFeed(s, value));
          if (existing?.feeds.includes(value)) return `${where} already gets ${value}.`;
          const node: LiveNode = existing ? { ...existing, feeds: [...existing.feeds, value] } : { service, node: nodeName, feeds: [value], accessModel: "open", backfill: 0 };
          await s.registry.putNode(node);
          return `${where} now gets each new post of ${value} as an item (from now on).`;
        }
        if (!existing) throw new UserError(`I do not publish to ${where}; “node ${service} ${nodeName} add <feed>” starts.`);
        if (verb === "remove") {
          if (!value) throw new UserError(`Which feed? Example: “node ${service} ${nodeName} remove xsf”.`);
          if (!existing.feeds.includes(value)) return `${where} does not get ${value}.`;
          const feeds = existing.feeds.filter((f) => f !== value);
          // A node without feeds would be served for nothing: it is forgotten.
          if (feeds.length === 0) {
            await s.registry.removeNode(address);
            return `${where} no longer gets ${value}; it had no other feed, so I stopped publishing to it.`;
          }
          await s.registry.putNode({ ...existing, feeds });
          return `${where} no longer gets ${value}.`;
        }
        if (verb === "set") {
          const model = ACCESS_MODELS.find((m) => m === setting?.toLowerCase());
          if (value?.toLowerCase() !== "access" || model === undefined) {
            throw new UserError(`A node's setting is access: open, presence or whitelist. Example: “node ${service} ${nodeName} set access presence”.`);
          }
          await s.registry.putNode({ ...existing, accessModel: model });
          return `${where}: ${describe({ ...existing, accessModel: model })}. A node that exists keeps the access its owner gave it.`;
        }
        if (verb === "forget") {
          await s.registry.removeNode(address);
          return `I no longer publish to ${where}; the node and its items stay at the service.`;
        }
        throw new UserError(`“${verb}” is not something I do to nodes; expected add, remove, set or forget.`);
      },
    }),
  ];
}

function describe(node: LiveNode): string {
  return [`feeds ${node.feeds.join(", ")}`, `access ${node.accessModel}`, ...(node.title ? [`title ${JSON.stringify(node.title)}`] : []), ...(node.backfill ? [`backfill ${node.backfill}`] : [])].join("; ");
}

import type { Element } from "@xmpp/client";
import type { Logger } from "../log.js";
import type { Registry } from "../live/registry.js";
import type { CommandServices } from "../commands/services.js";
import { commandTable } from "../commands/table.js";
import { createDispatcher } from "../commands/dispatcher.js";
import { adhocCommands } from "../commands/adhoc-commands.js";
import { createAdhoc } from "../xmpp/adhoc.js";
import { registerServiceDiscovery, type IqCallee } from "../xmpp/service-discovery.js";
import type { Admins } from "./admins.js";
import { createInbound } from "./inbound.js";

export interface ConversationDeps {
  readonly services: CommandServices;
  readonly registry: Registry;
  readonly admins: Admins;
  /** The configured nick; a room may know the bot by a fallback nick (nickIn). */
  readonly nick: string;
  readonly nickIn: (room: string) => string | undefined;
  readonly isRoom: (bareJid: string) => boolean;
  readonly ownDomain: string;
  readonly ownJid: () => string;
  readonly iqCallee: IqCallee;
  readonly send: (stanza: Element) => Promise<void>;
  readonly onCommand: (name: string) => void;
  readonly log: Logger;
  readonly now: () => number;
  /** Several instances: who answers a message each of them received (inbound.ts). */
  readonly claim?: (key: string) => Promise<boolean>;
}

/**
 * Everything people say to Herald, one command table behind every way in: chat lines (direct
 * messages, addressed room lines), XEP-0050 command forms, invitations, and the disco#info and
 * version answers that tell clients what the bot offers.
 */
export function createConversations(deps: ConversationDeps) {
  const table = commandTable(deps.services, deps.nick);
  const dispatcher = createDispatcher({ commands: table, log: deps.log, now: deps.now, onCommand: deps.onCommand });
  registerServiceDiscovery({
    iqCallee: deps.iqCallee,
    adhoc: createAdhoc(adhocCommands(deps.services, table), deps.now),
    version: deps.services.version,
    ownJid: deps.ownJid,
    requester: deps.admins.requester,
  });
  return createInbound({
    dispatcher,
    registry: deps.registry,
    isAdmin: deps.admins.isAdmin,
    nickIn: (room) => deps.nickIn(room) ?? deps.nick,
    isRoom: deps.isRoom,
    ownDomain: deps.ownDomain,
    send: deps.send,
    notifyAdmins: deps.admins.notify,
    log: deps.log,
    now: deps.now,
    ...(deps.claim ? { claim: deps.claim } : {}),
  });
}

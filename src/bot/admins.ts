import type { Element } from "@xmpp/client";
import type { Logger } from "../log.js";
import { chatMessage } from "../xmpp/chat.js";
import { bareJid } from "../util/jid.js";
import type { Requester } from "../xmpp/adhoc.js";

export interface AdminDeps {
  /** The bare JIDs of `admins:` in the config. */
  readonly admins: readonly string[];
  readonly online: () => boolean;
  readonly send: (stanza: Element) => Promise<void>;
  readonly log: Logger;
}

export type Admins = ReturnType<typeof createAdmins>;

/**
 * Who may run admin commands, and how Herald tells them things. Authority comes only from a
 * bare JID the server verified (a direct message's or an iq's sender, a room's real JID).
 */
export function createAdmins(deps: AdminDeps) {
  const admins = new Set(deps.admins.map((a) => a.toLowerCase()));
  const isAdmin = (jid: string | undefined): boolean => jid !== undefined && admins.has(jid.toLowerCase());
  return {
    isAdmin,
    /** The sender of an iq as an ad-hoc command requester. */
    requester(from: string | undefined): Requester | undefined {
      if (!from) return undefined;
      const bare = bareJid(from);
      return { jid: from, bare, isAdmin: isAdmin(bare) };
    },
    /** Tells every admin by direct message; false when it could not (offline): the caller tries again later. */
    notify(text: string): boolean {
      deps.log.info({ text, online: deps.online() }, "telling the admins");
      if (!deps.online() || admins.size === 0) return false;
      for (const admin of admins) {
        // A lost notice is not worth failing over: it is in the log line above.
        void deps.send(chatMessage(admin, text)).catch((err: unknown) => deps.log.warn({ err, admin }, "admin notice not sent"));
      }
      return true;
    },
  };
}

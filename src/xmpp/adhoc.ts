import { randomUUID } from "node:crypto";
import { xml, type Element } from "@xmpp/client";
import { formElement, submittedValues, type FormSpec } from "./forms.js";

/** XEP-0050 Ad-Hoc Commands. */
export const NS_COMMANDS = "http://jabber.org/protocol/commands";

/** Who runs an ad-hoc command: the server-stamped sender of the iq. */
export interface Requester {
  readonly jid: string;
  readonly bare: string;
  readonly isAdmin: boolean;
}

/** One step of a command: another form to fill, or the end with a note for the person. */
export type Step =
  | { readonly kind: "form"; readonly form: FormSpec; readonly state?: unknown }
  | { readonly kind: "done"; readonly note: string; readonly error?: boolean };

export interface AdhocCommand {
  readonly node: string;
  readonly name: string;
  readonly admin: boolean;
  /** The first form (or an immediate result). */
  start(who: Requester): Step | Promise<Step>;
  /** A submitted form; `state` is what the previous step kept. */
  submit(who: Requester, values: Map<string, string[]>, state: unknown): Step | Promise<Step>;
}

interface Session {
  readonly node: string;
  readonly owner: string;
  state: unknown;
  expires: number;
}

const SESSION_MS = 10 * 60_000;
const MAX_SESSIONS = 1000;

export type Adhoc = ReturnType<typeof createAdhoc>;

/**
 * The XEP-0050 protocol around a list of commands: discovery of the commands a requester may
 * run (§2.2, per requester), execution with sessions across form steps (§3.4), cancel (§3.5),
 * and errors with the XEP's specific conditions (§4.6).
 */
export function createAdhoc(commands: readonly AdhocCommand[], now: () => number) {
  const byNode = new Map(commands.map((c) => [c.node, c]));
  const sessions = new Map<string, Session>();

  function error(type: string, condition: string, specific?: string): Element {
    return xml("error", { type }, xml(condition, { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }), specific ? xml(specific, { xmlns: NS_COMMANDS }) : null);
  }

  function reply(node: string, sessionid: string, step: Step): Element {
    if (step.kind === "done") {
      return xml("command", { xmlns: NS_COMMANDS, node, sessionid, status: "completed" }, xml("note", { type: step.error ? "error" : "info" }, step.note));
    }
    return xml(
      "command",
      { xmlns: NS_COMMANDS, node, sessionid, status: "executing" },
      xml("actions", { execute: "complete" }, xml("complete")),
      formElement(step.form),
    );
  }

  function prune(): void {
    const t = now();
    for (const [id, s] of sessions) if (s.expires < t) sessions.delete(id);
  }

  return {
    /** disco#items on the commands node: the commands this requester may run. */
    items(who: Requester, own: string): Element[] {
      return commands.filter((c) => !c.admin || who.isAdmin).map((c) => xml("item", { jid: own, node: c.node, name: c.name }));
    },
    has(node: string): boolean {
      return byNode.has(node);
    },
    /** Handles a <command/> element from an iq set; returns the reply child or an <error/>. */
    async execute(who: Requester, element: Element): Promise<Element> {
      prune();
      const node = element.attrs.node ?? "";
      const command = byNode.get(node);
      if (!command) return error("cancel", "item-not-found");
      if (command.admin && !who.isAdmin) return error("auth", "forbidden");
      const action = element.attrs.action ?? "execute";
      const sessionid = element.attrs.sessionid;

      if (!sessionid) {
        if (action !== "execute") return error("modify", "bad-request", "malformed-action");
        if (sessions.size >= MAX_SESSIONS) return error("wait", "resource-constraint");
        const id = randomUUID();
        const step = await command.start(who);
        if (step.kind === "form") sessions.set(id, { node, owner: who.jid, state: step.state, expires: now() + SESSION_MS });
        return reply(node, id, step);
      }

      const session = sessions.get(sessionid);
      // A session belongs to the full JID that started it (XEP-0050 §3.4).
      if (!session || session.node !== node || session.owner !== who.jid) return error("modify", "bad-request", "bad-sessionid");
      if (action === "cancel") {
        sessions.delete(sessionid);
        return xml("command", { xmlns: NS_COMMANDS, node, sessionid, status: "canceled" });
      }
      if (action === "prev") return error("modify", "bad-request", "bad-action");
      const values = submittedValues(element);
      if (!values) return error("modify", "bad-request", "bad-payload");
      const step = await command.submit(who, values, session.state);
      if (step.kind === "form") {
        session.state = step.state;
        session.expires = now() + SESSION_MS;
      } else {
        sessions.delete(sessionid);
      }
      return reply(node, sessionid, step);
    },
  };
}

import { EventEmitter } from "node:events";
import type { Client, Element } from "@xmpp/client";
import type { Logger } from "../log.js";
import { createStreamManagement, NS_SM, type Effects } from "./stream-management.js";

/**
 * What became of a stanza sent with `sendAcknowledged`:
 * - `acknowledged`: the server's XEP-0198 <a h/> (or <resumed h/>) covers it;
 * - `written`: the server offers no XEP-0198 (or refused it), so having written it is all that is
 *   known: it is lost if the link dies before the server read it;
 * - `lost`: the session it was sent in ended without acknowledging it (a failed or impossible
 *   resumption): send it again in the new session.
 */
export type SendOutcome = "acknowledged" | "written" | "lost";

type Settle = (outcome: SendOutcome) => void;

export interface AcknowledgementEvents {
  /** XEP-0198 §5 resumption succeeded: the session (and its rooms) lives on. */
  resumed: [resent: number];
  /** The link's session is over and could not be resumed: a new one follows (`online`). */
  "session-lost": [];
}

const NS_STREAM = "http://etherx.jabber.org/streams";
const NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind";
const NS_SASL2 = "urn:xmpp:sasl:2";

/** xmpp.js internals this module hooks; see the comment of `attachAcknowledgements`. */
interface ClientInternals {
  _onElement(element: Element): void;
  _ready(resumed: boolean): void;
  hook(event: "close", handler: () => Promise<void>): void;
  sendMany(elements: Element[]): Promise<void>;
}

/**
 * XEP-0198 for the bot's client, with the counters in our state machine (stream-management.ts)
 * and xmpp.js's own module kept off: that one answers an <r/> read together with <enabled/> with a
 * stale h, and keeps its old count after a failed resumption (Prosody then closes the stream).
 *
 * Why beside the library rather than inside its stream-features middleware: the library's module
 * is installed by `client()` ahead of anything we could add, and its middleware would still see
 * (and answer) every <r/> and <a/>. So this module sits at the two ends of the pipe instead:
 * - inbound, it replaces the client's `_onElement` (called once per parsed element, in order,
 *   before any listener): it counts stanzas, consumes the urn:xmpp:sm:3 nonzas so the library
 *   never sees them, and removes <sm/> from stream features so the library never negotiates;
 * - outbound, it wraps `send` (the one path every stanza takes, the library's iq and presence
 *   included) and counts each stanza before it is written, in wire order.
 * Negotiation: <enable resume='true'/> right after resource binding (`sessionStarted`, §3); on a
 * new link with a resumable session, the post-authentication features are held back and
 * <resume/> goes out instead of binding (§5); if it fails the held features are let through and
 * the library binds a new session as usual.
 *
 * SASL2/Bind2 servers (XEP-0388/0386, none in Debian 12) negotiate inline; there we strip the
 * inline offer too and run without XEP-0198 (logged).
 */
export function attachAcknowledgements(deps: { readonly xmpp: Client; readonly log: Logger; readonly debugIn?: (element: Element) => void }) {
  const { xmpp, log } = deps;
  const internals = xmpp as unknown as ClientInternals;
  const machine = createStreamManagement<Settle>();
  const events = new EventEmitter<AcknowledgementEvents>();
  const originalOnElement = internals._onElement;
  const originalSend = xmpp.send.bind(xmpp);
  const settles = new WeakMap<Element, Settle>();
  const tracked = new WeakSet<Element>();
  /** The post-authentication features of this link offered XEP-0198. */
  let offered = false;
  /** Features held back while <resume/> is pending (§5), let through if it fails. */
  let held: Element | undefined;
  let request: NodeJS.Immediate | undefined;
  let toldUnavailable = false;

  const write = (element: Element) => originalSend(element).catch((err: unknown) => log.debug({ err, nonza: element.name }, "stream management nonza not written"));

  function apply(effects: Effects<Settle>): void {
    effects.reply.forEach((el) => void write(el));
    effects.acknowledged.forEach((settle) => settle("acknowledged"));
    effects.written.forEach((settle) => settle("written"));
    effects.lost.forEach((settle) => settle("lost"));
    if (effects.violation) log.warn({ violation: effects.violation }, "stream management: server broke XEP-0198");
    switch (effects.event) {
      case "enabled":
        log.info({ resumable: machine.resumable }, "stream management enabled");
        // Whatever went out while enabling waits for an <r/>.
        if (machine.unacknowledged > 0) requestAck();
        break;
      case "enable-failed":
        unavailable("the server refused to enable it");
        break;
      case "resumed":
        held = undefined;
        // As @xmpp/resource-binding would on a new session, minus the `online` event: same session.
        internals._ready(true);
        // §5: what the server did not handle goes out again, in order, counted as before.
        for (const stanza of effects.resend) void originalSend(stanza).catch((err: unknown) => log.debug({ err }, "resent stanza not written"));
        if (effects.resend.length > 0) requestAck();
        events.emit("resumed", effects.resend.length);
        break;
      case "resume-failed": {
        events.emit("session-lost");
        const features = held;
        held = undefined;
        // The held features go on to the library, which binds a resource: a new session.
        if (features) originalOnElement.call(xmpp, features);
        break;
      }
    }
  }

  function unavailable(why: string): void {
    if (toldUnavailable) return;
    toldUnavailable = true;
    log.warn({ why }, "no XEP-0198 stream management: direct messages count as delivered once written");
  }

  function requestAck(): void {
    if (request) return;
    // One <r/> after a burst of stanzas rather than one per stanza (§4 lets us ask at any time).
    request = setImmediate(() => {
      request = undefined;
      if (machine.phase === "enabled" && machine.unacknowledged > 0) void write(machine.request());
    });
  }

  function onFeatures(features: Element): void {
    const sm = features.getChild("sm", NS_SM);
    const dropSm = (el: Element) => (el.children = el.children.filter((c) => typeof c === "string" || !c.is("sm", NS_SM)));
    dropSm(features);
    const inline = features.getChild("authentication", NS_SASL2)?.getChild("inline");
    if (inline) dropSm(inline);
    // Only the features after authentication offer resource binding; they decide this link.
    if (!features.getChild("bind", NS_BIND)) return originalOnElement.call(xmpp, features);
    offered = sm !== undefined;
    if (machine.canResume) {
      if (offered) {
        held = features;
        void write(machine.resume());
        return;
      }
      apply(machine.abandon());
      events.emit("session-lost");
    }
    originalOnElement.call(xmpp, features);
  }

  internals._onElement = (element: Element) => {
    if (element.is("features", NS_STREAM)) return onFeatures(element);
    if (element.attrs.xmlns === NS_SM) {
      deps.debugIn?.(element);
      return apply(machine.incoming(element));
    }
    // Counted before any handler runs: an <r/> later in the same read sees it.
    apply(machine.incoming(element));
    originalOnElement.call(xmpp, element);
  };

  xmpp.send = (element: Element): Promise<void> => {
    const settle = settles.get(element);
    settles.delete(element);
    let counted: boolean;
    try {
      counted = machine.outgoing(element, settle);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (counted) {
      tracked.add(element);
      requestAck();
    } else if (settle) {
      settle("written");
    }
    return originalSend(element);
  };
  internals.sendMany = async (elements: Element[]) => {
    for (const element of elements) await xmpp.send(element);
  };
  // §4 recommends an <a/> right before closing the stream, so the server knows what we handled.
  internals.hook("close", async () => {
    const ack = machine.ack();
    if (ack) await write(ack);
  });
  // The library's own module starts queueing every stanza (never to release them) once it sees an
  // <enable/> go out; it runs before this listener, so it is told at once that none was sent.
  xmpp.on("send", (element: Element) => {
    if (element.is("enable", NS_SM)) (xmpp.streamManagement as unknown as { enableSent: boolean }).enableSent = false;
  });
  xmpp.on("disconnect", () => {
    held = undefined;
    apply(machine.linkLost());
  });

  return {
    events,
    /** Whether the session survives the lost link until a resumption is tried (§5). */
    get resumable(): boolean {
      return machine.canResume;
    },
    /** Resource bound, new session: ask for XEP-0198 before anything else is sent (§3). */
    sessionStarted(): void {
      if (offered) void write(machine.enable());
      else unavailable("the server does not offer it");
    },
    /**
     * Sends a stanza and resolves with what became of it (see SendOutcome). Rejects only when it
     * could not be written and nothing tracks it (no XEP-0198); a tracked stanza whose write failed
     * is settled by the resumption or the new session.
     */
    async sendAcknowledged(stanza: Element): Promise<SendOutcome> {
      const outcome = new Promise<SendOutcome>((resolve) => settles.set(stanza, resolve));
      try {
        await xmpp.send(stanza);
      } catch (err) {
        settles.delete(stanza);
        if (!tracked.has(stanza)) throw err;
      }
      return outcome;
    },
    /** Stopping: whatever is unacknowledged will not be acknowledged by this process. */
    stop(): void {
      clearImmediate(request);
      request = undefined;
      apply(machine.abandon());
    },
  };
}

import { xml, type Element } from "@xmpp/client";

export const NS_SM = "urn:xmpp:sm:3";

/** XEP-0198 §4: 'h' is an unsigned 32-bit integer; counters wrap to 0 after 2^32 - 1. */
const MODULO = 2 ** 32;
const wrap = (n: number) => ((n % MODULO) + MODULO) % MODULO;

/**
 * Where the stream stands: `off` (no XEP-0198 in this session), `enabling` (<enable/> written,
 * no answer yet), `enabled`, `detached` (link lost, session resumable), `resuming` (<resume/>
 * written on a new link).
 */
export type Phase = "off" | "enabling" | "enabled" | "detached" | "resuming";

/** What the glue must do after an element: nonzas to write, senders to tell, stanzas to write again. */
export interface Effects<T> {
  /** Nonzas to write now (an <a/> answering an <r/>). */
  readonly reply: Element[];
  /** Stanzas the server acknowledged, oldest first. */
  readonly acknowledged: T[];
  /** Stanzas whose session ended without their acknowledgement. */
  readonly lost: T[];
  /** Stanzas sent while enabling on a server that then refused: writing them is all that is known. */
  readonly written: T[];
  /** XEP-0198 §5: the unacknowledged stanzas to write again after a successful resumption, in order. */
  readonly resend: Element[];
  /** What changed, for the glue and the log. */
  readonly event?: "enabled" | "enable-failed" | "resumed" | "resume-failed";
  /** A protocol violation by the server, for the log (we carry on). */
  readonly violation?: string;
}

interface Unacknowledged<T> {
  readonly stanza: Element;
  readonly token: T | undefined;
}

const isStanza = (el: Element) => el.name === "message" || el.name === "presence" || el.name === "iq";

/**
 * XEP-0198 stream management as a pure state machine over the elements of one client stream: it
 * reads every element received and every stanza sent, and answers with effects; it does no I/O
 * and keeps no timers. Each outbound stanza may carry a `token` (the sender's callback) that is
 * handed back when the stanza is acknowledged or lost.
 *
 * Counting happens synchronously per element, in the order the parser produced them, so an <r/>
 * that arrived in the same read as <enabled/> is answered from the counter <enabled/> just reset
 * (xmpp.js 0.14 reset it only after an `await` and answered with the old count).
 *
 * `counterOrigin` is where counters start after <enable/>/<enabled/>: 0 per §4. Tests start near
 * 2^32 to exercise the wrap-around without four billion stanzas.
 */
export function createStreamManagement<T>(options: { counterOrigin?: number } = {}) {
  const origin = wrap(options.counterOrigin ?? 0);
  let phase: Phase = "off";
  /** Stanzas received since <enabled/> (§4 'h' of the inbound direction). */
  let inbound = origin;
  /** Stanzas sent since <enable/>. */
  let sent = origin;
  /** The last 'h' the server reported: how many of ours it handled. */
  let acked = origin;
  let queue: Unacknowledged<T>[] = [];
  let id: string | undefined;
  let resumable = false;

  const effects = (partial: Partial<Effects<T>> = {}): Effects<T> => ({
    reply: [],
    acknowledged: [],
    lost: [],
    written: [],
    resend: [],
    ...partial,
  });

  /** Takes an 'h' from the server: the stanzas it newly covers leave the queue. */
  function acknowledge(h: number): Pick<Effects<T>, "acknowledged" | "violation"> {
    // §4: the difference, modulo 2^32, is how many more of ours the server handled.
    const handled = wrap(h - acked);
    let violation: string | undefined;
    let count = handled;
    if (handled > queue.length) {
      // More than we sent (or an 'h' that went backwards): trust nothing beyond what we sent.
      violation = `server acknowledged ${handled} stanzas, ${queue.length} were unacknowledged`;
      count = handled > MODULO / 2 ? 0 : queue.length;
    }
    const done = queue.splice(0, count);
    // An 'h' beyond what we sent is taken as the new count (not added to later), so one bad 'h'
    // cannot make every later <a/> acknowledge stanzas the server has not handled.
    acked = violation !== undefined && handled <= MODULO / 2 ? wrap(h) : wrap(acked + count);
    return { acknowledged: tokens(done), violation };
  }

  function tokens(items: readonly Unacknowledged<T>[]): T[] {
    return items.flatMap((item) => (item.token === undefined ? [] : [item.token]));
  }

  /** Forgets the session: counters back to the start, every unacknowledged stanza lost. */
  function reset(): T[] {
    const lost = tokens(queue);
    queue = [];
    phase = "off";
    inbound = sent = acked = origin;
    id = undefined;
    resumable = false;
    return lost;
  }

  const hOf = (el: Element): number | undefined => {
    const h = el.attrs.h;
    if (h === undefined || !/^\d+$/.test(h)) return undefined;
    const n = Number(h);
    return n < MODULO ? n : undefined;
  };

  return {
    get phase(): Phase {
      return phase;
    },
    /** Whether the server allows this session to be resumed (§5: resume='true' and an id). */
    get resumable(): boolean {
      return resumable && id !== undefined;
    },
    /** Whether a lost link may be resumed now (§5): a resumable session whose link was lost. */
    get canResume(): boolean {
      return resumable && id !== undefined && (phase === "detached" || phase === "resuming");
    },
    /** Unacknowledged stanzas, for tests and the log. */
    get unacknowledged(): number {
      return queue.length;
    },
    get inbound(): number {
      return inbound;
    },

    /** The <enable/> to write after resource binding (§3); outbound counting starts with it (§4). */
    enable(): Element {
      reset();
      phase = "enabling";
      return xml("enable", { xmlns: NS_SM, resume: "true" });
    },

    /** The <resume/> to write on a new link, instead of binding a resource (§5). */
    resume(): Element {
      if (!this.canResume) throw new Error("no resumable stream");
      phase = "resuming";
      return xml("resume", { xmlns: NS_SM, h: String(inbound), previd: id! });
    },

    /** An <r/> asking the server what it has handled (§4). */
    request(): Element {
      return xml("r", { xmlns: NS_SM });
    },

    /** The <a/> to send before closing the stream (§4 recommends it). */
    ack(): Element | undefined {
      return phase === "enabled" ? xml("a", { xmlns: NS_SM, h: String(inbound) }) : undefined;
    },

    /**
     * A stanza about to be written. Returns whether it is counted: true once <enable/> was sent;
     * false with no stream management (the caller knows no more than that it was written).
     */
    outgoing(stanza: Element, token?: T): boolean {
      if (!isStanza(stanza)) return false;
      if (phase === "detached" || phase === "resuming") throw new Error("stream detached: resume first");
      if (phase === "off") return false;
      sent = wrap(sent + 1);
      queue.push({ stanza, token });
      return true;
    },

    /** Every element received, in order. */
    incoming(el: Element): Effects<T> {
      if (isStanza(el)) {
        // §4: the inbound counter runs from <enabled/> on (and on across a resumption).
        if (phase === "enabled") inbound = wrap(inbound + 1);
        return effects();
      }
      if (el.attrs.xmlns !== NS_SM) return effects();
      switch (el.name) {
        case "r":
          // §4: answer with the number of stanzas handled; before <enabled/> there is nothing to count.
          return effects({ reply: phase === "enabled" ? [xml("a", { xmlns: NS_SM, h: String(inbound) })] : [] });
        case "a": {
          const h = hOf(el);
          if (phase !== "enabled" || h === undefined) return effects({ violation: phase === "enabled" ? "an <a/> without a valid h" : undefined });
          return effects(acknowledge(h));
        }
        case "enabled":
          if (phase !== "enabling") return effects({ violation: "an <enabled/> that was not asked for" });
          phase = "enabled";
          // §4: the inbound counter starts at <enabled/>; this runs before the next element is read.
          inbound = origin;
          id = el.attrs.id;
          resumable = el.attrs.resume === "true" || el.attrs.resume === "1";
          return effects({ event: "enabled" });
        case "resumed": {
          if (phase !== "resuming") return effects({ violation: "a <resumed/> that was not asked for" });
          const h = hOf(el) ?? acked;
          const { acknowledged, violation } = acknowledge(h);
          phase = "enabled";
          // §5: what the server did not handle is written again; being the queue's tail, the
          // stanzas keep their sequence numbers, so `sent` stays as it is.
          return effects({ acknowledged, violation, resend: queue.map((item) => item.stanza), event: "resumed" });
        }
        case "failed": {
          if (phase === "enabling") {
            // §3: no stream management in this session; what went out meanwhile was only written.
            const written = tokens(queue);
            reset();
            return effects({ written, event: "enable-failed" });
          }
          if (phase !== "resuming") return effects();
          // §5: a failed resumption may say, in 'h', how much of ours the old session handled.
          const h = hOf(el);
          const acknowledged = h === undefined ? [] : acknowledge(h).acknowledged;
          // A new session starts from zero; the old one's unacknowledged stanzas are lost.
          return effects({ acknowledged, lost: reset(), event: "resume-failed" });
        }
        default:
          return effects();
      }
    },

    /** The link died: a resumable session waits for <resume/>, any other is over. */
    linkLost(): Effects<T> {
      if (phase === "enabled" && resumable && id !== undefined) {
        phase = "detached";
        return effects();
      }
      if (phase === "resuming") {
        phase = "detached";
        return effects();
      }
      if (phase === "detached") return effects();
      return effects({ lost: reset() });
    },

    /** A resumption that cannot happen (the server no longer offers it): the session is over. */
    abandon(): Effects<T> {
      return effects({ lost: reset() });
    },
  };
}

export type StreamManagement<T> = ReturnType<typeof createStreamManagement<T>>;

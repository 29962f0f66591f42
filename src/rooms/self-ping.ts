import { xml, type Element } from "@xmpp/client";
import type { Logger } from "../log.js";

export interface SelfPingDeps {
  /** Rooms we believe we are in, with our nick there. */
  readonly joined: () => readonly { readonly room: string; readonly nick: string }[];
  /** Sends an iq and resolves with the result; rejects with a stanza error (`condition`) or a timeout. */
  readonly request: (iq: Element, timeoutMs: number) => Promise<Element>;
  /** We are not in the room any more although we were never told: join it again. */
  readonly rejoin: (room: string, reason: string) => void;
  readonly intervalMs: number;
  readonly log: Logger;
}

export type PingVerdict = "joined" | "not-joined" | "unknown";

/**
 * XEP-0410 (MUC Self-Ping) §3.3: an error of `not-acceptable` means the room does not know us
 * (we were dropped, e.g. after the room service restarted); `service-unavailable` and
 * `feature-not-implemented` mean we are joined (the room routed the ping to our own client,
 * which said so); `item-not-found` means our nick is not in the room; remote-server errors and
 * timeouts say nothing either way.
 */
export function verdictOf(error: unknown): PingVerdict {
  const condition = (error as { condition?: string } | undefined)?.condition;
  if (condition === "not-acceptable" || condition === "item-not-found") return "not-joined";
  if (condition === "service-unavailable" || condition === "feature-not-implemented") return "joined";
  return "unknown";
}

export function createSelfPing(deps: SelfPingDeps) {
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  async function pingAll(): Promise<void> {
    if (running) return;
    running = true;
    try {
      await Promise.all(
        deps.joined().map(async ({ room, nick }) => {
          // No id of our own: xmpp.js gives each request a unique one and matches replies by it
          // (pings to several rooms leave in the same millisecond).
          const iq = xml("iq", { type: "get", to: `${room}/${nick}` }, xml("ping", { xmlns: "urn:xmpp:ping" }));
          let verdict: PingVerdict;
          try {
            await deps.request(iq, Math.min(deps.intervalMs, 30_000));
            verdict = "joined";
          } catch (err) {
            verdict = verdictOf(err);
          }
          if (verdict === "not-joined") {
            deps.log.warn({ room }, "self-ping: the room no longer has us (XEP-0410); joining again");
            deps.rejoin(room, "dropped by the room (self-ping)");
          } else if (verdict === "unknown") {
            deps.log.debug({ room }, "self-ping inconclusive");
          }
        }),
      );
    } finally {
      running = false;
    }
  }

  return {
    start(): void {
      timer = setInterval(() => void pingAll(), deps.intervalMs);
      timer.unref();
    },
    /** One round now (tests, and after a long sleep). */
    pingAll,
    stop(): void {
      clearInterval(timer);
    },
  };
}

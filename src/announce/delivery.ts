import { randomUUID } from "node:crypto";
import type { Logger } from "../log.js";
import type { Outbox, PendingAnnouncement } from "../store/outbox.js";

export interface DeliveryDeps {
  readonly outbox: Outbox;
  /** Whether a target can be sent to now: a room we are in, or a user while we are online. */
  readonly isReady: (target: string) => boolean;
  /**
   * Sends to a target with `id` as its XEP-0359 origin-id. Resolves "await-reflection" for a room
   * (the room will echo it), "confirmed" when there is nothing more to wait for (a direct message).
   */
  readonly send: (target: string, body: string, id: string, kind: "room" | "user") => Promise<"await-reflection" | "confirmed">;
  readonly render: (announcement: PendingAnnouncement) => string;
  readonly log: Logger;
  readonly now: () => number;
  /** Told of each confirmed announcement and each failed or unconfirmed send (metrics). */
  readonly onSent?: (target: string) => void;
  readonly onFailed?: (target: string) => void;
  /** Per-room send rate: `burst` messages at once, then one every `intervalMs` (rooms only). */
  readonly roomRate?: { readonly burst: number; readonly intervalMs: number };
  readonly isRoom?: (target: string) => boolean;
  /** How long to wait for a room to reflect a message before leaving it for the next session. */
  readonly reflectTimeoutMs?: number;
}

export type Delivery = ReturnType<typeof createDelivery>;

/**
 * Sends pending announcements to joined rooms and subscribed users, one at a time per target,
 * oldest first. A room announcement becomes "sent" only when the room reflects it back to us (XEP-0045 §7.2.14
 * with our XEP-0359 origin-id): a message written into a connection that was already dead is
 * never counted as delivered, so it is sent again after the next join.
 */
export function createDelivery(deps: DeliveryDeps) {
  const { log } = deps;
  const reflectTimeoutMs = deps.reflectTimeoutMs ?? 15_000;
  /** Announcements sent in this session and not yet confirmed; not sent again in this session. */
  const inFlight = new Set<number>();
  const waiting = new Map<string, (reflected: boolean) => void>();
  const flushing = new Map<string, Promise<void>>();
  const again = new Set<string>();
  let stopped = false;
  /** Token buckets of the per-room rate: tokens left and when they were counted. */
  const buckets = new Map<string, { tokens: number; at: number }>();

  /** Waits until the room may get another message (bounded by the rate), and takes a token. */
  async function paceRoom(target: string): Promise<void> {
    const rate = deps.roomRate;
    if (!rate || !deps.isRoom?.(target) || rate.intervalMs <= 0) return;
    const now = deps.now();
    const bucket = buckets.get(target) ?? { tokens: rate.burst, at: now };
    bucket.tokens = Math.min(rate.burst, bucket.tokens + (now - bucket.at) / rate.intervalMs);
    bucket.at = now;
    buckets.set(target, bucket);
    if (bucket.tokens < 1) {
      const wait = (1 - bucket.tokens) * rate.intervalMs;
      await new Promise((resolve) => setTimeout(resolve, wait));
      bucket.tokens = 1;
      bucket.at = deps.now();
    }
    bucket.tokens -= 1;
  }

  function awaitReflection(id: string): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        resolve(false);
      }, reflectTimeoutMs);
      waiting.set(id, (ok) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(ok);
      });
    });
  }

  async function flushTarget(target: string): Promise<void> {
    while (!stopped && deps.isReady(target)) {
      const batch = deps.outbox.pending(target, 20 + inFlight.size).filter((a) => !inFlight.has(a.id));
      if (batch.length === 0) return;
      for (const announcement of batch) {
        if (stopped || !deps.isReady(target)) return;
        await paceRoom(target);
        if (stopped || !deps.isReady(target)) return;
        const id = `herald-${announcement.id}-${randomUUID().slice(0, 8)}`;
        inFlight.add(announcement.id);
        const reflected = awaitReflection(id);
        try {
          if ((await deps.send(target, deps.render(announcement), id, announcement.kind)) === "confirmed") waiting.get(id)?.(true);
        } catch (err) {
          // Not written at all: it stays pending and may be sent again.
          inFlight.delete(announcement.id);
          waiting.get(id)?.(false);
          log.warn({ target, feed: announcement.feed, entry: announcement.entry?.key ?? "(digest)", err: String(err) }, "announcement not sent");
          deps.onFailed?.(target);
          return;
        }
        if (!(await reflected)) {
          log.warn({ target, feed: announcement.feed, entry: announcement.entry?.key ?? "(digest)" }, "room did not confirm announcement; will resend next session");
          deps.onFailed?.(target);
          return;
        }
        deps.outbox.markSent(announcement.id, deps.now(), undefined);
        deps.onSent?.(target);
        inFlight.delete(announcement.id);
        log.info({ target, feed: announcement.feed, entry: announcement.entry?.key ?? "(digest)", title: announcement.entry?.title ?? "(digest)" }, "announced");
      }
    }
  }

  return {
    /** Starts sending a target's pending announcements unless that is already under way. */
    kick(target: string): Promise<void> {
      const running = flushing.get(target);
      if (running) {
        // Whatever was queued after this flush read the outbox is picked up by one more pass.
        again.add(target);
        return running;
      }
      const run = (async () => {
        do {
          again.delete(target);
          await flushTarget(target);
        } while (again.has(target) && !stopped);
      })()
        .catch((err: unknown) => log.error({ target, err: String(err) }, "delivery failed"))
        .finally(() => flushing.delete(target));
      flushing.set(target, run);
      return run;
    },
    reflected(originId: string): void {
      waiting.get(originId)?.(true);
    },
    /** A new session: unconfirmed messages of the old one may be lost, so they are sent again. */
    newSession(): void {
      inFlight.clear();
      for (const resolve of [...waiting.values()]) resolve(false);
    },
    /** Waits (bounded) for the flushes under way, then stops. */
    async stop(timeoutMs: number): Promise<void> {
      const all = Promise.all([...flushing.values()]);
      await Promise.race([all, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
      stopped = true;
      for (const resolve of [...waiting.values()]) resolve(false);
    },
  };
}

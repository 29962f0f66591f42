import type { Logger } from "../log.js";
import type { Outbox, PendingAnnouncement, Target, TargetKind } from "../store/store.js";
import type { TargetChannel } from "../targets/target.js";

export interface DeliveryDeps {
  readonly outbox: Outbox;
  /** The kinds of target, each sending its own way. */
  readonly channels: readonly TargetChannel[];
  readonly render: (announcement: PendingAnnouncement) => string;
  readonly log: Logger;
  readonly now: () => number;
  /** Told of each confirmed announcement and each failed or unconfirmed send (metrics). */
  readonly onSent?: (target: Target) => void;
  readonly onFailed?: (target: Target) => void;
}

export type Delivery = ReturnType<typeof createDelivery>;

const keyOf = (t: Target) => `${t.kind}\u0000${t.address}`;

/**
 * The delivery loop: it owns the outbox and hands each target's pending announcements, one at a
 * time and oldest first, to the target's channel. A row becomes "sent" only on the channel's proof
 * of delivery; one sent but unproven in this session is not sent again until the next session.
 */
export function createDelivery(deps: DeliveryDeps) {
  const { log } = deps;
  const channels = new Map<TargetKind, TargetChannel>(deps.channels.map((c) => [c.kind, c]));
  /** Announcements sent in this session and not yet confirmed; not sent again in this session. */
  const inFlight = new Set<number>();
  const flushing = new Map<string, Promise<void>>();
  const again = new Set<string>();
  let stopped = false;

  const channelOf = (target: Target): TargetChannel => {
    const channel = channels.get(target.kind);
    if (!channel) throw new Error(`no channel for targets of kind ${target.kind}`);
    return channel;
  };

  async function flushTarget(target: Target): Promise<void> {
    const channel = channelOf(target);
    const ready = () => !stopped && channel.isReady(target.address);
    while (ready()) {
      const batch = deps.outbox.pending(target, 20 + inFlight.size).filter((a) => !inFlight.has(a.id));
      if (batch.length === 0) return;
      for (const announcement of batch) {
        if (!ready()) return;
        await channel.pace(target.address);
        if (!ready()) return;
        const about = { target: target.address, kind: target.kind, feed: announcement.feed, entry: announcement.entry?.key ?? "(digest)" };
        const id = originId(announcement);
        inFlight.add(announcement.id);
        log.debug({ ...about, id, title: announcement.entry?.title ?? "(digest)" }, "sending announcement");
        let proven: boolean;
        try {
          proven = await channel.deliver(target.address, deps.render(announcement), id);
        } catch (err) {
          // Not written at all: it stays pending and may be sent again.
          inFlight.delete(announcement.id);
          log.warn({ ...about, err }, "announcement not sent");
          deps.onFailed?.(target);
          return;
        }
        if (!proven) {
          log.warn(about, "target did not confirm announcement; will resend next session");
          deps.onFailed?.(target);
          return;
        }
        deps.outbox.markSent(announcement.id, deps.now(), undefined);
        deps.onSent?.(target);
        inFlight.delete(announcement.id);
        log.info({ ...about, title: announcement.entry?.title ?? "(digest)" }, "announced");
      }
    }
  }

  function kick(target: Target): Promise<void> {
    const key = keyOf(target);
    const running = flushing.get(key);
    if (running) {
      // Whatever was queued after this flush read the outbox is picked up by one more pass.
      again.add(key);
      return running;
    }
    const run = (async () => {
      do {
        again.delete(key);
        await flushTarget(target);
      } while (again.has(key) && !stopped);
    })()
      .catch((err: unknown) => log.error({ target: target.address, kind: target.kind, err }, "delivery failed"))
      .finally(() => flushing.delete(key));
    flushing.set(key, run);
    return run;
  }

  return {
    /** Starts sending a target's pending announcements unless that is already under way. */
    kick,
    /** Starts every target that has announcements waiting and can be sent to now. */
    kickReady(): void {
      for (const t of deps.outbox.targetsWithPending()) if (channels.get(t.kind)?.isReady(t.address)) void kick(t);
    },
    /** A new session: unconfirmed messages of the old one may be lost, so they are sent again. */
    newSession(): void {
      inFlight.clear();
      for (const channel of channels.values()) channel.newSession();
    },
    /** Forgets what waited for targets Herald no longer serves (a room left or removed). */
    dropUnserved(): void {
      for (const t of deps.outbox.targetsWithPending()) {
        const channel = channels.get(t.kind);
        if (!channel || channel.serves(t.address)) continue;
        const dropped = deps.outbox.dropPending(t);
        log.info({ target: t.address, kind: t.kind, dropped }, "dropped announcements for a target Herald no longer serves");
      }
    },
    /** Waits (bounded) for the flushes under way, then stops. */
    async stop(timeoutMs: number): Promise<void> {
      const all = Promise.all([...flushing.values()]);
      await Promise.race([all, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
      stopped = true;
      for (const channel of channels.values()) channel.stop();
    },
  };
}

/**
 * The XEP-0359 origin-id of an announcement: the same on every attempt, so a copy sent again after
 * a lost session (XEP-0198 §5 leaves duplicates possible) can be recognised and dropped. The queue
 * time keeps it unique should a row id ever be reused (a rebuilt database).
 */
export function originId(announcement: Pick<PendingAnnouncement, "id" | "createdAt">): string {
  return `herald-${announcement.id}-${announcement.createdAt.toString(36)}`;
}

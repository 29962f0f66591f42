import type { Logger } from "../log.js";
import type { Outbox, PendingAnnouncement, RefusalStore, Target, TargetKind } from "../store/store.js";
import type { OutgoingMessage, TargetChannel } from "../targets/target.js";

export interface DeliveryDeps {
  readonly outbox: Outbox;
  /** Targets that refuse, remembered for `status` and the admins' notice (refusal-reports.ts). */
  readonly refusals: RefusalStore;
  /** The kinds of target, each sending its own way. */
  readonly channels: readonly TargetChannel[];
  readonly render: (announcement: PendingAnnouncement) => OutgoingMessage;
  readonly log: Logger;
  readonly now: () => number;
  /** Told of each confirmed announcement and each failed or unconfirmed send (metrics). */
  readonly onSent?: (target: Target) => void;
  readonly onFailed?: (target: Target) => void;
  /** Told when a target that refused (and whose refusal the admins heard of) accepts again. */
  readonly onAccepting?: (target: Target) => void;
  /**
   * Whether this instance delivers to a target now (it holds the target's lease, cluster/leases.ts);
   * asked before every send, so a lease lost mid-line stops the line. Absent: every target.
   */
  readonly mine?: (target: Target) => boolean;
}

export type Delivery = ReturnType<typeof createDelivery>;

const keyOf = (t: Target) => `${t.kind}\u0000${t.address}`;

/**
 * The delivery loop: it owns the outbox and hands each target's pending announcements, one at a
 * time and oldest first, to the target's channel. A row becomes "sent" only on the channel's proof
 * of delivery; one sent but unproven in this session is not sent again until the next session. A
 * refused row stays first in its target's line: tried again when the channel says (retry), or when
 * the target becomes ready again (parked), so a room never gets its posts out of order.
 */
export function createDelivery(deps: DeliveryDeps) {
  const { log } = deps;
  const channels = new Map<TargetKind, TargetChannel>(deps.channels.map((c) => [c.kind, c]));
  /** Announcements sent in this session and not yet confirmed, with their target; not sent again in this session. */
  const inFlight = new Map<number, string>();
  const mine = deps.mine ?? (() => true);
  const flushing = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const retryTimers = new Map<string, NodeJS.Timeout>();
  /** Targets that refused and asked for a pause: no row goes to them before this time. */
  const retryAt = new Map<string, number>();
  /** Rows whose late proof of delivery is being stored. */
  const settling = new Set<number>();
  /** For each outbox read on its way, the rows settled as sent meanwhile (see unsent). */
  const readsUnderway = new Set<Set<number>>();
  /** The dropUnserved under way, so that two never list and drop the same targets at once. */
  let dropping: Promise<void> = Promise.resolve();
  let stopped = false;

  const channelOf = (target: Target): TargetChannel => {
    const channel = channels.get(target.kind);
    if (!channel) throw new Error(`no channel for targets of kind ${target.kind}`);
    return channel;
  };

  function retryLater(target: Target, afterMs: number): void {
    const key = keyOf(target);
    retryAt.set(key, deps.now() + afterMs);
    clearTimeout(retryTimers.get(key));
    retryTimers.set(
      key,
      setTimeout(() => {
        retryTimers.delete(key);
        retryAt.delete(key);
        void kick(target);
      }, afterMs),
    );
  }

  /**
   * A target's pending rows not in flight. A row settled (stored as sent, then out of inFlight)
   * while the read was on its way is left out too: the read may predate its markSent, and it must
   * not go out twice. (A row that left inFlight because a new session began is not: it goes again.)
   */
  async function unsent(target: Target, limit: number): Promise<PendingAnnouncement[]> {
    const settledMeanwhile = new Set<number>();
    readsUnderway.add(settledMeanwhile);
    try {
      const rows = await deps.outbox.pending(target, limit);
      return rows.filter((a) => !inFlight.has(a.id) && !settledMeanwhile.has(a.id));
    } finally {
      readsUnderway.delete(settledMeanwhile);
    }
  }

  /** A row stored as sent leaves inFlight. */
  function settled(id: number): void {
    inFlight.delete(id);
    for (const read of readsUnderway) read.add(id);
  }

  async function accepted(target: Target): Promise<void> {
    const ended = await deps.refusals.clear(target);
    if (ended === undefined) return;
    log.info({ target: target.address, kind: target.kind, refusedSince: new Date(ended.since).toISOString() }, "target accepts announcements again");
    if (ended.toldAt !== undefined) deps.onAccepting?.(target);
  }

  async function flushTarget(target: Target): Promise<void> {
    const channel = channelOf(target);
    // A target that asked us to wait is not sent to before its time, whatever else kicks it.
    if ((retryAt.get(keyOf(target)) ?? 0) > deps.now()) return;
    const ready = () => !stopped && mine(target) && channel.isReady(target.address);
    const refusing = channel.notReadyReason?.(target.address);
    // A target that refuses before we even send (a room where we have no voice) is a refusal too.
    if (!ready() && refusing !== undefined && (await deps.outbox.pending(target, 1)).length > 0) await deps.refusals.record(target, refusing, deps.now());
    while (ready()) {
      const batch = await unsent(target, 20 + inFlight.size);
      if (batch.length === 0) return;
      for (const announcement of batch) {
        if (!ready()) return;
        await channel.pace(target.address);
        if (!ready()) return;
        const about = { target: target.address, kind: target.kind, feed: announcement.feed, entry: announcement.entry?.key ?? "(digest)" };
        const id = originId(announcement);
        inFlight.set(announcement.id, keyOf(target));
        log.debug({ ...about, id, title: announcement.entry?.title ?? "(digest)" }, "sending announcement");
        let outcome;
        try {
          const post = announcement.entry === undefined ? undefined : { feed: announcement.feed, entry: announcement.entry };
          const message = { ...deps.render(announcement), post };
          // A correction names the message it corrects as the target knows it; it brings no media again.
          const replaces = announcement.corrects?.stanzaId;
          outcome = await channel.deliver(target.address, replaces === undefined ? message : { text: message.text, replaces, post }, id);
        } catch (err) {
          // Not written at all: it stays pending and may be sent again.
          inFlight.delete(announcement.id);
          log.warn({ ...about, err }, "announcement not sent");
          deps.onFailed?.(target);
          return;
        }
        switch (outcome.kind) {
          case "delivered":
            // The row leaves inFlight only once it is stored as sent: until then the outbox still
            // lists it as pending, and inFlight is what keeps it from being sent again.
            await deps.outbox.markSent(announcement.id, deps.now(), outcome.stanzaId);
            deps.onSent?.(target);
            settled(announcement.id);
            await accepted(target);
            log.info({ ...about, title: announcement.entry?.title ?? "(digest)", ...(announcement.corrects ? { corrects: announcement.corrects.id } : {}) }, announcement.corrects ? "corrected" : "announced");
            break;
          case "unconfirmed":
            log.warn(about, "target did not confirm announcement; will resend next session");
            deps.onFailed?.(target);
            return;
          case "retry":
            // Refused, so certainly not delivered: this very row goes again, first in line.
            inFlight.delete(announcement.id);
            await deps.refusals.record(target, outcome.reason, deps.now());
            log.warn({ ...about, reason: outcome.reason, retryInMs: Math.round(outcome.afterMs) }, "target refused announcement; will try again");
            deps.onFailed?.(target);
            retryLater(target, outcome.afterMs);
            return;
          case "parked":
            inFlight.delete(announcement.id);
            await deps.refusals.record(target, outcome.reason, deps.now());
            log.warn({ ...about, reason: outcome.reason }, "target refuses announcements; they wait until it accepts");
            deps.onFailed?.(target);
            return;
        }
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

  for (const channel of deps.channels) {
    channel.onReady((address) => void kick({ kind: channel.kind, address }));
    channel.onLateProof?.((address, origin, stanzaId) => {
      // The row id is in the origin-id (originId below); only a row still in flight is settled.
      const id = Number(/^herald-(\d+)-/.exec(origin)?.[1]);
      if (!inFlight.has(id) || settling.has(id)) return;
      // As for a direct proof, the row stays in flight until it is stored as sent; a second proof
      // of it arriving meanwhile is ignored.
      settling.add(id);
      deps.outbox
        .markSent(id, deps.now(), stanzaId)
        .then(() => {
          settled(id);
          log.info({ kind: channel.kind, target: address, row: id }, "late proof of delivery; announcement counted as sent");
          // The target's line stopped at this row; what came after it can go now.
          void kick({ kind: channel.kind, address });
        })
        .finally(() => settling.delete(id))
        .catch((err: unknown) => log.error({ kind: channel.kind, target: address, row: id, err }, "late proof of delivery not stored; the announcement may be sent again next session"));
    });
  }

  return {
    /** Starts sending a target's pending announcements unless that is already under way. */
    kick,
    /** Starts every target that has announcements waiting and can be sent to now. */
    async kickReady(): Promise<void> {
      for (const t of await deps.outbox.targetsWithPending()) if (mine(t) && channels.get(t.kind)?.isReady(t.address)) void kick(t);
    },
    /**
     * This instance stopped serving a target (its lease went to another instance): what it sent
     * and had not seen confirmed is the new holder's to send, and ours again should the lease
     * come back.
     */
    released(target: Target): void {
      const key = keyOf(target);
      for (const [id, of] of inFlight) if (of === key && !settling.has(id)) inFlight.delete(id);
    },
    /** Why a target's announcements wait, when its channel knows. */
    waitingReason(target: Target): string | undefined {
      return channels.get(target.kind)?.notReadyReason?.(target.address);
    },
    /** Every target with announcements waiting: how many, and why, when it refuses them. */
    async waiting(): Promise<{ target: Target; count: number; reason: string | undefined }[]> {
      const refused = new Map((await deps.refusals.all()).map((r) => [keyOf(r.target), r.reason]));
      const targets = await deps.outbox.targetsWithPending();
      return Promise.all(
        targets.map(async (target) => ({
          target,
          count: (await deps.outbox.pending(target, 1000)).length,
          reason: channels.get(target.kind)?.notReadyReason?.(target.address) ?? refused.get(keyOf(target)),
        })),
      );
    },
    /** A new session: unconfirmed messages of the old one may be lost, so they are sent again. */
    newSession(): void {
      inFlight.clear();
      for (const channel of channels.values()) channel.newSession();
    },
    /** Forgets what waited for targets Herald no longer serves (a room left or removed). */
    dropUnserved(): Promise<void> {
      // One after another: rooms and nodes can change together (a feed removed), and two passes
      // at once would each list the same targets.
      const run = dropping.then(async () => {
        for (const t of await deps.outbox.targetsWithPending()) {
          // Asked per target, after the listing: a target served again meanwhile keeps its rows.
          const channel = channels.get(t.kind);
          if (!channel || channel.serves(t.address)) continue;
          const dropped = await deps.outbox.dropPending(t);
          await deps.refusals.clear(t);
          log.info({ target: t.address, kind: t.kind, dropped }, "dropped announcements for a target Herald no longer serves");
        }
      });
      dropping = run.catch(() => undefined);
      return run;
    },
    /** Waits (bounded) for the flushes under way, then stops. */
    async stop(timeoutMs: number): Promise<void> {
      for (const timer of retryTimers.values()) clearTimeout(timer);
      retryTimers.clear();
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

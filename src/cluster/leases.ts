import { EventEmitter } from "node:events";
import { createHash } from "node:crypto";
import type { Logger } from "../log.js";
import type { ClusterStore, InstanceRow } from "../store/store.js";

/**
 * Who does what when several instances share one PostgreSQL store (issue 18). Every feed and
 * every target (room, person, PubSub node, MIX channel) is a resource with a lease in the
 * database: the instance holding a feed's lease polls it, the one holding a target's lease
 * delivers to it (and, for a room, is the one in it). Resources are named `feed:<name>` and
 * `<target kind>:<address>`.
 *
 * Each instance runs a round every third of the lease time: it says it is alive, renews what it
 * holds, gives up what it holds beyond its fair share (the resources over the live instances,
 * rounded up) or no longer wants, and takes free or expired leases up to its share. A dead
 * instance's leases expire on the database's clock and the others take them.
 *
 * Fencing: an instance counts a lease as its own only until its local deadline, the start of the
 * round that last renewed it plus the lease time less a margin. The database cannot have let the
 * lease go before its own expiry, which it counted from a later moment (when the renewal
 * arrived), so a holder cut off from the database stops before anyone else may start. A lease
 * taken again is a new generation: work begun under the old one (a delivery loop) checks
 * `holds` before each send and stops.
 */
export interface Leases {
  /** This instance: `name#token`, new for each process. */
  readonly holder: string;
  readonly name: string;
  /** Whether this instance may act for the resource now (held, and its local deadline not passed). */
  holds(resource: string): boolean;
  /** The generation of a lease held now, else undefined. */
  generation(resource: string): number | undefined;
  /** Told which resources became this instance's and which stopped being. */
  readonly events: EventEmitter<LeaseEvents>;
  /** A round soon (the wanted resources or the session changed). */
  soon(): void;
  /** Runs the first round; then one every third of the lease time. */
  start(): Promise<void>;
  /** Stops the rounds and gives every lease up (after the caller stopped acting on them). */
  stop(): Promise<void>;
  /** This instance and the others, for `status` and /metrics. */
  view(): Promise<ClusterView>;
}

export interface LeaseEvents {
  changed: [gained: readonly string[], lost: readonly string[]];
}

export interface ClusterView {
  readonly holder: string;
  readonly name: string;
  readonly leaseMs: number;
  readonly instances: readonly (InstanceRow & { readonly held: Readonly<Record<string, number>> })[];
}

export interface WantedResources {
  /** `feed:<name>` of every feed in the live configuration. */
  readonly feeds: readonly string[];
  /** `<kind>:<address>` of every target: rooms, nodes and channels configured, and whoever has announcements waiting. */
  readonly targets: readonly string[];
}

export interface LeaseDeps {
  readonly cluster: ClusterStore;
  readonly name: string;
  readonly token: string;
  readonly leaseMs: number;
  readonly wanted: () => Promise<WantedResources>;
  /** Whether the XMPP session is up: only then does this instance hold targets. */
  readonly online: () => boolean;
  /** Told at the end of each round (the delivery sweeps what waits for its targets). */
  readonly onRound?: () => void;
  readonly log: Logger;
  /** A monotonic clock (ms). */
  readonly clock?: () => number;
}

export const isFeedResource = (resource: string): boolean => resource.startsWith("feed:");
export const feedResource = (feed: string): string => `feed:${feed}`;
export const targetResource = (target: { kind: string; address: string }): string => `${target.kind}:${target.address}`;

/** Fair share: every resource covered, none held by more than one instance in a settled state. */
export function shareOf(total: number, instances: number): number {
  return instances <= 0 ? 0 : Math.ceil(total / instances);
}

/** The margin by which a holder stops before its lease can expire in the database. */
export function fenceMarginMs(leaseMs: number): number {
  return Math.max(500, Math.round(leaseMs / 10));
}

/**
 * What to give up, in order: resources no longer wanted, then the ones this instance likes least
 * (its own hash order, the same the database uses to pick) beyond its share.
 */
export function toRelease(held: readonly string[], wanted: ReadonlySet<string>, share: number, holder: string): string[] {
  const unwanted = held.filter((r) => !wanted.has(r));
  const kept = held.filter((r) => wanted.has(r)).sort((a, b) => preference(a, holder).localeCompare(preference(b, holder)));
  return [...unwanted, ...kept.slice(Math.max(0, share))];
}

const preference = (resource: string, holder: string) => createHash("md5").update(resource + holder).digest("hex");

const NEVER_ONLINE = -1;

export function createLeases(deps: LeaseDeps): Leases {
  const { cluster, leaseMs, log } = deps;
  const clock = deps.clock ?? (() => performance.now());
  const holder = `${deps.name}#${deps.token}`;
  const events = new EventEmitter<LeaseEvents>();
  const margin = fenceMarginMs(leaseMs);
  /** Leases held: generation, and the local deadline after which they are not acted on. */
  const held = new Map<string, { generation: number; until: number }>();
  let timer: NodeJS.Timeout | undefined;
  let fenceTimer: NodeJS.Timeout | undefined;
  let soonTimer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let instances: InstanceRow[] = [];
  let failing = false;

  function drop(resources: readonly string[], reason: string): void {
    const lost = resources.filter((r) => held.delete(r));
    if (lost.length === 0) return;
    log.info({ count: lost.length, reason, ...(lost.length <= 10 ? { resources: lost } : {}) }, "leases given up");
    events.emit("changed", [], lost);
  }

  /** Fencing: a lease whose local deadline passed (no renewal reached the database) is not ours. */
  function fence(): void {
    const now = clock();
    drop([...held].filter(([, l]) => l.until <= now).map(([r]) => r), "not renewed in time (database unreachable?)");
    armFence();
  }

  function armFence(): void {
    clearTimeout(fenceTimer);
    if (held.size === 0 || stopped) return;
    const next = Math.min(...[...held.values()].map((l) => l.until));
    fenceTimer = setTimeout(fence, Math.max(0, next - clock()) + 1);
    fenceTimer.unref();
  }

  async function round(): Promise<void> {
    const startedAt = clock();
    const until = startedAt + leaseMs - margin;
    const online = sessionUsable(startedAt);
    instances = await cluster.heartbeat(holder, deps.name, online, leaseMs);
    const renewed = new Map((await cluster.renew(holder, leaseMs)).map((g) => [g.resource, g.generation]));
    // Anything held here and not renewed there expired or changed hands: not ours any more.
    drop([...held.keys()].filter((r) => renewed.get(r) !== held.get(r)?.generation), "expired or taken by another instance");
    for (const resource of renewed.keys()) {
      const lease = held.get(resource);
      if (lease) lease.until = until;
      // Renewed there but unknown here (a lease given up here whose release did not reach the
      // database): let it go properly.
      else await cluster.release(holder, [resource]);
    }

    const wanted = await deps.wanted();
    const live = Math.max(1, instances.length);
    const reachable = Math.max(1, instances.filter((i) => i.online).length);
    const gained: string[] = [];
    for (const [kind, list, share] of [
      ["feeds", wanted.feeds, shareOf(wanted.feeds.length, live)],
      // Targets need the XMPP session: an instance without one holds none, and gives its up.
      ["targets", wanted.targets, online ? shareOf(wanted.targets.length, reachable) : 0],
    ] as const) {
      const isKind = (r: string) => isFeedResource(r) === (kind === "feeds");
      const mine = [...held.keys()].filter(isKind);
      const release = toRelease(mine, new Set(list), share, holder);
      if (release.length > 0) {
        // Not acted on from here, before the database lets anyone else take it.
        drop(release, kind === "targets" && !online ? "no XMPP session" : "beyond this instance's share, or no longer wanted");
        await cluster.release(holder, release);
      }
      const room = share - (mine.length - release.length);
      const candidates = list.filter((r) => !held.has(r));
      if (room > 0 && candidates.length > 0) {
        for (const grant of await cluster.acquire(holder, candidates, room, leaseMs)) {
          held.set(grant.resource, { generation: grant.generation, until });
          gained.push(grant.resource);
        }
      }
    }
    if (gained.length > 0) {
      log.info({ count: gained.length, ...(gained.length <= 10 ? { resources: gained } : {}) }, "leases taken");
      events.emit("changed", gained, []);
    }
    armFence();
    if (failing) log.info("the database answers again; leases renewed");
    failing = false;
    deps.onRound?.();
  }

  /**
   * Whether this instance may hold targets: its XMPP session is up, or went down less than a
   * third of a lease ago (a reconnect, or a resumption, usually takes seconds; giving every room
   * away for it would move them all). Before the first session: no.
   */
  let offlineSince: number | undefined = NEVER_ONLINE;
  function sessionUsable(now: number): boolean {
    if (deps.online()) {
      offlineSince = undefined;
      return true;
    }
    if (offlineSince === NEVER_ONLINE) return false;
    offlineSince ??= now;
    return now - offlineSince < leaseMs / 3;
  }

  /** One round at a time; a request for one during a round runs another right after it. */
  function runRound(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await round();
        } catch (err) {
          // The fence timer lets the leases go at their deadline if this goes on.
          if (!failing) log.warn({ err }, "lease round failed; leases not renewed lapse at their deadline");
          failing = true;
        }
      } while (again && !stopped);
    })().finally(() => (running = undefined));
    return running;
  }

  function schedule(): void {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(() => void runRound().finally(schedule), Math.round(leaseMs / 3));
  }

  return {
    holder,
    name: deps.name,
    events,
    holds(resource) {
      const lease = held.get(resource);
      return lease !== undefined && lease.until > clock();
    },
    generation(resource) {
      const lease = held.get(resource);
      return lease !== undefined && lease.until > clock() ? lease.generation : undefined;
    },
    soon() {
      if (stopped || soonTimer) return;
      soonTimer = setTimeout(() => {
        soonTimer = undefined;
        void runRound();
      }, 100);
    },
    async start() {
      await runRound();
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(fenceTimer);
      clearTimeout(soonTimer);
      await running;
      drop([...held.keys()], "stopping");
      await cluster.leave(holder).catch((err: unknown) => log.warn({ err }, "could not give the leases up; they expire on their own"));
    },
    async view() {
      const holdings = await cluster.holdings();
      const counts = new Map<string, Record<string, number>>();
      for (const h of holdings) counts.set(h.holder, { ...counts.get(h.holder), [h.kind]: h.count });
      const all = instances.some((i) => i.holder === holder) ? instances : [...instances, { holder, name: deps.name, online: deps.online(), startedAt: 0 }];
      return { holder, name: deps.name, leaseMs, instances: all.map((i) => ({ ...i, held: counts.get(i.holder) ?? {} })) };
    },
  };
}

/** One instance on an engine only it uses (SQLite): it holds everything, always. */
export function soloLeases(name: string): Leases {
  const events = new EventEmitter<LeaseEvents>();
  return {
    holder: name,
    name,
    events,
    holds: () => true,
    generation: () => 0,
    soon: () => undefined,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    view: () => Promise.resolve({ holder: name, name, leaseMs: 0, instances: [] }),
  };
}

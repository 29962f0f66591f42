import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { PollOutcome } from "../polling/poller.js";
import type { ClusterView } from "../cluster/leases.js";

export interface MetricSources {
  readonly outboxDepth: () => Promise<number>;
  readonly roomsJoined: () => number;
  readonly roomsConfigured: () => number;
  /** Each feed's current wait between reads and its basis (fixed, history, push, ...). */
  readonly feedIntervals?: () => readonly { readonly feed: string; readonly seconds: number; readonly basis: string }[];
  /** WebSub subscriptions by state (requested, active, denied, failed). */
  readonly pushSubscriptions?: () => Readonly<Record<string, number>>;
  /** Instances sharing the store, and the leases each holds by kind (cluster/leases.ts); absent on SQLite. */
  readonly cluster?: () => Promise<ClusterView>;
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Herald's Prometheus metrics, in a registry of its own (no global default registry), created by
 * the composition root. Gauges read their value when scraped, so they never go stale.
 */
export function createMetrics(sources: MetricSources) {
  const registry = new Registry();
  const metrics = {
    registry,
    polls: new Counter({
      name: "herald_polls_total",
      help: "Feed polls by result: new, unchanged, not_modified, baseline, or error_temporary / error_permanent",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    entriesFound: new Counter({ name: "herald_entries_found_total", help: "New entries found in feeds (baselines included)", registers: [registry] }),
    announcementsSent: new Counter({
      name: "herald_announcements_sent_total",
      help: "Announcements confirmed by their room (reflection) or written to a user",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    announcementsFailed: new Counter({
      name: "herald_announcements_failed_total",
      help: "Announcement sends that failed or were not confirmed; they stay queued and are retried",
      registers: [registry],
    }),
    reconnects: new Counter({ name: "herald_reconnects_total", help: "New XMPP sessions after the first", registers: [registry] }),
    commands: new Counter({ name: "herald_commands_total", help: "Commands handled, by name", labelNames: ["command"] as const, registers: [registry] }),
    websubDeliveries: new Counter({
      name: "herald_websub_deliveries_total",
      help: "WebSub pushes received: accepted (signature checks), rejected (it does not: dropped), unknown (no such subscription)",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    pollDuration: new Histogram({
      name: "herald_poll_duration_seconds",
      help: "Time from the start of a feed poll to its result being recorded",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
  new Gauge({
    name: "herald_outbox_depth",
    help: "Announcements waiting to be sent",
    registers: [registry],
    // prom-client awaits an asynchronous collect before it answers the scrape.
    async collect() {
      this.set(await sources.outboxDepth());
    },
  });
  new Gauge({
    name: "herald_rooms_joined",
    help: "Rooms Herald is in now",
    registers: [registry],
    collect() {
      this.set(sources.roomsJoined());
    },
  });
  new Gauge({
    name: "herald_feed_interval_seconds",
    help: "Each feed's current wait between reads; basis says why (fixed, history, silence, new-post, growing, freshness, min, max, push, no-history)",
    labelNames: ["feed", "basis"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const f of sources.feedIntervals?.() ?? []) this.set({ feed: f.feed, basis: f.basis }, f.seconds);
    },
  });
  new Gauge({
    name: "herald_websub_subscriptions",
    help: "WebSub subscriptions by state",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [state, count] of Object.entries(sources.pushSubscriptions?.() ?? {})) this.set({ state }, count);
    },
  });
  new Gauge({
    name: "herald_rooms_configured",
    help: "Rooms Herald is configured to be in",
    registers: [registry],
    collect() {
      this.set(sources.roomsConfigured());
    },
  });
  if (sources.cluster) {
    const view = sources.cluster;
    new Gauge({
      name: "herald_cluster_instances",
      help: "Live instances sharing the store (their heartbeat not expired)",
      registers: [registry],
      async collect() {
        this.set((await view()).instances.length);
      },
    });
    new Gauge({
      name: "herald_leases_held",
      // "holder", not "instance": Prometheus sets an "instance" label of its own on every target.
      help: "Leases held, by holder (instance name#token) and kind (feed, room, user, pubsub, mix); self=1 marks this instance",
      labelNames: ["holder", "kind", "self"] as const,
      registers: [registry],
      async collect() {
        const v = await view();
        this.reset();
        for (const i of v.instances) {
          for (const [kind, count] of Object.entries(i.held)) this.set({ holder: i.holder, kind, self: i.holder === v.holder ? "1" : "0" }, count);
        }
      },
    });
  }
  return {
    ...metrics,
    /** Counts one poll by its result, with its duration and the entries it found. */
    observePoll(outcome: PollOutcome, ms: number): void {
      const result = outcome.result === "error" ? (outcome.temporary ? "error_temporary" : "error_permanent") : outcome.result.replace("-", "_");
      metrics.polls.inc({ result });
      metrics.pollDuration.observe(ms / 1000);
      if (outcome.result === "new") metrics.entriesFound.inc(outcome.added);
      if (outcome.result === "baseline") metrics.entriesFound.inc(outcome.entries);
    },
  };
}

import type { ClusterView } from "../cluster/leases.js";
import { command, UserError, type Command } from "./command.js";
import type { CommandServices } from "./services.js";
import { day, duration, entryList } from "./text.js";
import { feedLocation } from "../config/schema.js";
import { formatDuration } from "../util/duration.js";

export const MAX_LATEST = 10;
export const MAX_SEARCH = 5;

/** Commands everyone may use, in a room too: they only read. */
export function readingCommands(s: CommandServices): Command[] {
  return [
    command({
      name: "latest",
      args: "[N] [feed]",
      summary: `the N newest posts (default 3, at most ${MAX_LATEST}), newest first`,
      details: ["Examples: “latest”, “latest 5”, “latest xsf”, “latest 1 xsf” (one post also shows its summary)."],
      admin: false,
      inRooms: true,
      async run(_ctx, args) {
        let count = 3;
        let feed: string | undefined;
        for (const arg of args) {
          if (/^\d+$/.test(arg)) count = Math.min(MAX_LATEST, Math.max(1, Number(arg)));
          else feed = arg;
        }
        if (feed !== undefined && !s.registry.feed(feed)) throw new UserError(unknownFeed(s, feed));
        const entries = await s.entries.latest(count, feed);
        if (entries.length === 0) return feed ? `No posts from ${feed} yet.` : "No posts yet.";
        return entryList(entries);
      },
    }),
    command({
      name: "search",
      args: "<words>",
      summary: `posts whose title or text contain all the words, newest first (at most ${MAX_SEARCH})`,
      admin: false,
      inRooms: true,
      async run(_ctx, args) {
        const words = args.flatMap((a) => a.split(/[^\p{L}\p{N}]+/u)).filter(Boolean).slice(0, 8);
        if (words.length === 0) throw new UserError("Search for what? Example: “search stream management”.");
        const found = await s.entries.search(words, MAX_SEARCH);
        return found.length === 0 ? `Nothing matches “${words.join(" ")}”.` : entryList(found);
      },
    }),
    command({
      name: "feeds",
      summary: "each feed: name, title, address, newest post and health",
      admin: false,
      inRooms: true,
      async run() {
        const feeds = s.registry.feeds();
        if (feeds.length === 0) return "No feeds are configured.";
        const newest = await s.entries.newestByFeed();
        const states = await Promise.all(feeds.map((f) => s.feedState.get(f.name)));
        return feeds
          .map((f, i) => {
            const state = states[i];
            const health = state?.lastError
              ? `failing since ${day(state.errorSince)}: ${state.lastError}`
              : state?.lastOkAt
                ? "OK"
                : "not polled yet";
            const title = state?.title ? ` “${state.title}”` : "";
            return `${f.name}${title} ${feedLocation(f)}\n   newest post ${day(newest.get(f.name))}; ${health}\n   ${scheduleLine(s, f.name, f.intervalMs)}`;
          })
          .join("\n");
      },
    }),
    command({
      name: "status",
      summary: "version, uptime, rooms joined, feeds healthy and failing",
      admin: false,
      inRooms: true,
      async run() {
        const feeds = s.registry.feeds();
        const states = await Promise.all(feeds.map((f) => s.feedState.get(f.name)));
        const failing = states.filter((state) => state?.lastError).length;
        const depth = await s.outbox.depth();
        const waiting = await s.waiting();
        const rooms = s.registry.rooms();
        const joined = new Set(s.joinedRooms());
        const cluster = s.cluster ? await s.cluster() : undefined;
        return [
          `Herald ${s.version}, up ${duration(s.now() - s.startedAt)}`,
          `rooms: ${rooms.filter((r) => joined.has(r.jid)).length} of ${rooms.length} joined${cluster ? " by this instance" : ""}`,
          `feeds: ${feeds.length - failing} OK, ${failing} failing${pushed(s, feeds)}`,
          `announcements waiting: ${depth}`,
          // Rooms that refuse (no voice, members-only, asked to wait) and why: what an admin can fix.
          ...waiting.filter((w) => w.reason !== undefined).map((w) => `  ${w.count} for ${w.target.address}: ${w.reason}`),
          ...(cluster ? clusterLines(cluster) : []),
        ].join("\n");
      },
    }),
  ];
}

/** Who shares the store and holds what: "instances: 2 (leases last 30 s)" and a line each. */
export function clusterLines(view: ClusterView): string[] {
  const held = (h: Readonly<Record<string, number>>) => {
    const parts = Object.entries(h).sort(([a], [b]) => a.localeCompare(b)).map(([kind, n]) => `${n} ${kind}${n === 1 ? "" : "s"}`);
    return parts.length === 0 ? "nothing" : parts.join(", ");
  };
  return [
    `instances: ${view.instances.length} (leases last ${formatDuration(view.leaseMs)})`,
    ...view.instances.map((i) => `  ${i.holder}${i.holder === view.holder ? " (this one)" : ""}${i.online ? "" : " (no XMPP session)"}: ${held(i.held)}`),
  ];
}

/** "read every 12 min (auto: posts about every 2 h)", and the WebSub state when there is one. */
function scheduleLine(s: CommandServices, feed: string, fixedMs: number | undefined): string {
  const schedule = s.scheduleOf(feed);
  const mode = fixedMs === undefined ? "auto" : "fixed";
  const every = schedule === undefined ? (fixedMs === undefined ? "interval auto, learnt after the first read" : `read every ${formatDuration(fixedMs)}`) : `read every ${formatDuration(schedule.ms)} (${schedule.basis === "fixed" ? "fixed" : `${mode}: ${schedule.reason}`})`;
  const push = s.pushOf(feed);
  if (push === undefined) return every;
  const state =
    push.state === "active"
      ? `pushed by ${push.hub}`
      : push.state === "requested"
        ? `WebSub subscription to ${push.hub} awaiting the hub's verification`
        : `WebSub ${push.state} at ${push.hub}${push.lastError ? `: ${push.lastError}` : ""}`;
  return `${every}; ${state}`;
}

function pushed(s: CommandServices, feeds: readonly { readonly name: string }[]): string {
  const count = feeds.filter((f) => s.pushOf(f.name)?.state === "active").length;
  return count === 0 ? "" : `; ${count} pushed by WebSub hubs`;
}

export function unknownFeed(s: CommandServices, name: string): string {
  const names = s.registry.feeds().map((f) => f.name);
  return names.length === 0 ? `There is no feed “${name}”; no feeds are configured.` : `There is no feed “${name}”; feeds: ${names.join(", ")}.`;
}

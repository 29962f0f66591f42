import { parseDuration, formatDuration } from "../util/duration.js";
import { formatAnnouncement } from "../announce/format.js";
import { command, UserError, type Command } from "./command.js";
import type { CommandServices } from "./services.js";
import { unknownFeed } from "./reading.js";
import { describeDiscovery } from "../sources/http/discover.js";

const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/i;
const MIN_INTERVAL_MS = 60_000;

/** Admin commands for feeds. */
export function feedCommands(s: CommandServices): Command[] {
  return [
    command({
      name: "feed add",
      args: "<name> <url> [interval]",
      summary: "watch a new feed (it is read first; its current posts are not announced)",
      details: ["Example: “feed add xsf https://xmpp.org/feeds/all.atom.xml 30m”. Interval “auto” (the default: learnt from the feed, see “feeds”) or at least 1m."],
      admin: true,
      inRooms: false,
      async run(_ctx, [name, url, interval]) {
        if (!name || !url) throw new UserError("Usage: feed add <name> <url> [interval]");
        if (!NAME.test(name)) throw new UserError(`“${name}” cannot be a feed name: use 1 to 32 letters, digits, - or _.`);
        if (s.registry.feed(name)) throw new UserError(`There is already a feed “${name}”; “feed remove ${name}” first, or pick another name.`);
        let parsed: URL;
        try {
          parsed = new URL(url);
        } catch {
          throw new UserError(`“${url}” is not a URL; expected e.g. https://example.org/feed.xml.`);
        }
        if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new UserError("Only http:// and https:// feeds can be added.");
        const auto = interval === undefined || interval.toLowerCase() === "auto";
        const intervalMs = auto ? undefined : parseDuration(interval);
        if (!auto && (intervalMs === undefined || intervalMs < MIN_INTERVAL_MS)) throw new UserError(`“${interval}” is not an interval: expected auto or at least 1m; examples: auto, 10m, 1h.`);
        let read;
        try {
          read = await s.tryFeed(parsed.href);
        } catch (err) {
          throw new UserError(`Not added: ${parsed.href} could not be read as a feed (${err instanceof Error ? err.message : String(err)}).`);
        }
        // A home page was followed to its feed: the feed's URL is what gets polled, and the reply says which.
        await s.registry.putFeed({ kind: "http", name, url: read.feedUrl, ...(intervalMs === undefined ? {} : { intervalMs }) });
        const via = read.discovery === undefined ? "" : `${describeDiscovery(read.discovery)}.\n`;
        return `${via}Added ${name}${read.feed.title ? ` (“${read.feed.title}”)` : ""}: ${read.feed.entries.length} posts there now, none announced; ${intervalMs === undefined ? "read at an interval learnt from it (“feeds” shows it)" : `checked every ${formatDuration(intervalMs)}`}. “room <room> add ${name}” announces it in a room.`;
      },
    }),
    command({
      name: "feed remove",
      args: "<name>",
      summary: "stop watching a feed (rooms that announced it stop too)",
      admin: true,
      inRooms: false,
      async run(_ctx, [name]) {
        if (!name || !s.registry.feed(name)) throw new UserError(unknownFeed(s, name ?? ""));
        const rooms = await s.registry.removeFeed(name);
        // A feed added again under this name is a new feed: a baseline, and no old subscribers.
        await s.subscriptions.forgetFeed(name);
        await s.feedState.forget(name);
        return `Removed ${name}.${rooms.length ? ` It is no longer announced in ${rooms.join(", ")}.` : ""}`;
      },
    }),
    command({
      name: "feed poll",
      args: "<name>",
      summary: "check a feed now",
      admin: true,
      inRooms: false,
      async run(_ctx, [name]) {
        if (!name || !s.registry.feed(name)) throw new UserError(unknownFeed(s, name ?? ""));
        const outcome = await s.pollNow(name);
        if (!outcome) throw new UserError(`${name} is not being polled right now.`);
        switch (outcome.result) {
          case "new":
            return `${name}: ${outcome.added} new posts, ${outcome.queued} announcements queued.`;
          case "baseline":
            return `${name}: first read, ${outcome.entries} posts remembered, none announced.`;
          case "unchanged":
          case "not-modified":
            return `${name}: nothing new.`;
          case "error":
            return `${name}: ${outcome.error}${outcome.temporary ? " (temporary; I will keep trying)" : ""}.`;
        }
      },
    }),
    command({
      name: "preview",
      args: "<feed>",
      summary: "how the feed's newest post is announced",
      admin: true,
      inRooms: false,
      async run(_ctx, [name]) {
        if (!name || !s.registry.feed(name)) throw new UserError(unknownFeed(s, name ?? ""));
        const [newest] = await s.entries.latest(1, name);
        if (!newest) return `${name} has no posts yet.`;
        return formatAnnouncement(newest);
      },
    }),
  ];
}

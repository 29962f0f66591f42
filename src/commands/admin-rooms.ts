import { describeFilters, parseFilterTerm, type FilterTerm } from "../filters/filters.js";
import { MEDIA_SETTINGS } from "../config/room-options.js";
import { checkTemplate } from "../announce/template.js";
import { formatDigestSchedule, parseDigestSchedule } from "../config/digest-schedule.js";
import { DEFAULT_ROOM_SETTINGS, type LiveRoom, type RoomSettings } from "../live/registry.js";
import { command, UserError, type Command } from "./command.js";
import type { CommandServices } from "./services.js";
import { unknownFeed } from "./reading.js";
import { parseBareJid, parseTerms } from "./text.js";

const MAX_SUMMARY = 1000;

/** Admin commands for rooms: which rooms Herald is in and what each one announces. */
export function roomCommands(s: CommandServices): Command[] {
  const existing = (jid: string): LiveRoom => {
    const room = s.registry.room(jid);
    if (!room) throw new UserError(`I am not configured for ${jid}; “join ${jid}” adds it.`);
    return room;
  };
  return [
    command({
      name: "rooms",
      summary: "the rooms I am configured for, whether I am in them, and their feeds",
      admin: true,
      inRooms: false,
      async run() {
        const joined = new Set(s.joinedRooms());
        const rooms = s.registry.rooms();
        if (rooms.length === 0) return "I am in no rooms. “join <room>” adds one.";
        // With several instances a room is another instance's to join: say whose it is.
        const holders = (await s.roomHolders?.()) ?? new Map<string, string>();
        const state = (jid: string) => (joined.has(jid) ? "joined" : holders.has(`room:${jid}`) ? `held by ${holders.get(`room:${jid}`)}` : "not joined");
        return rooms.map((r) => `${r.jid} (${state(r.jid)}): ${describe(r)}`).join("\n");
      },
    }),
    command({
      name: "join",
      args: "<room> [nick] [password]",
      summary: "join a room and remember it across restarts",
      admin: true,
      inRooms: false,
      async run(_ctx, [roomArg, nick, password]) {
        const jid = parseBareJid(roomArg, "room");
        const before = s.registry.room(jid);
        await s.registry.putRoom({
          jid,
          nick: nick || before?.nick,
          password: password || before?.password,
          feeds: before?.feeds ?? [],
          settings: before?.settings ?? DEFAULT_ROOM_SETTINGS,
        });
        const outcome = await s.awaitJoin(jid);
        if (!outcome.ok) return `Could not join ${jid}: ${outcome.reason}. I will keep it configured; “leave ${jid}” forgets it.`;
        return `Joined ${jid} as ${outcome.nick}. “room ${jid} add <feed>” makes it announce a feed.`;
      },
    }),
    command({
      name: "leave",
      args: "<room>",
      summary: "leave a room and forget it",
      admin: true,
      inRooms: false,
      async run(_ctx, [roomArg]) {
        const jid = parseBareJid(roomArg, "room");
        return (await s.registry.removeRoom(jid)) ? `Left ${jid}; I will not come back after a restart.` : `I am not configured for ${jid}.`;
      },
    }),
    command({
      name: "room",
      args: "<room> [add <feed> | remove <feed> | set <key> <value>]",
      summary: "show or change what a room announces",
      details: [
        "“room R” shows the room's feeds and settings.",
        "“room R add xsf” / “room R remove xsf”: announce a feed there, or stop.",
        "“room R set summary on|off|<characters>”: summary length (default 300).",
        "“room R set mute on|off”: a muted room gets no announcements.",
        "“room R set template <text>”: placeholders {title} {link} {summary} {author} {date} {feed} {categories}; \\n is a line break; “set template default” restores the default.",
        "“room R set digest daily 09:00|weekly mon 09:00|off”: one message listing the period's posts (in the configured time zone).",
        "“room R set instant on|off”: announce each post as it appears (off with a digest: the digest only).",
        "“room R set include omemo \"group chat\" /^Release \\d+/” and “room R set exclude draft”: announce only posts matching one term, never one matching an excluded term (exclude wins); “… off” removes the filter. A plain term matches a whole word or phrase in any case; /…/flags is a regular expression.",
        "“room R set media none|enclosures|all”: send a post's audio or video (enclosures), or also its picture (all), as a playable attachment after the announcement (XEP-0066).",
      ],
      admin: true,
      inRooms: false,
      async run(_ctx, args, rest) {
        const jid = parseBareJid(args[0], "room");
        const room = existing(jid);
        const verb = args[1]?.toLowerCase();
        if (verb === undefined) return `${jid}: ${describe(room)}`;
        if (verb === "add" || verb === "remove") {
          const feed = args[2];
          if (!feed) throw new UserError(`Which feed? Example: “room ${jid} ${verb} xsf”.`);
          if (verb === "add") {
            if (!s.registry.feed(feed)) throw new UserError(unknownFeed(s, feed));
            if (room.feeds.includes(feed)) return `${jid} already announces ${feed}.`;
            await s.registry.putRoom({ ...room, feeds: [...room.feeds, feed] });
            return `${jid} now announces ${feed} (new posts from now on).`;
          }
          if (!room.feeds.includes(feed)) return `${jid} does not announce ${feed}.`;
          await s.registry.putRoom({ ...room, feeds: room.feeds.filter((f) => f !== feed) });
          return `${jid} no longer announces ${feed}.`;
        }
        if (verb === "set") {
          const key = args[2]?.toLowerCase();
          // The value is the rest of the line after "<room> set <key>", so a template keeps its spaces.
          const value = rest.replace(/^\S+\s+\S+\s+\S+\s*/, "");
          const settings = changeSetting(room.settings, key, value);
          await s.registry.putRoom({ ...room, settings });
          return `${jid}: ${describe({ ...room, settings })}`;
        }
        throw new UserError(`“${verb}” is not something I do to rooms; expected add, remove or set.`);
      },
    }),
  ];
}

function changeSetting(settings: RoomSettings, key: string | undefined, value: string): RoomSettings {
  const v = value.trim();
  switch (key) {
    case "summary": {
      if (/^(on|yes|true)$/i.test(v)) return { ...settings, summaryChars: DEFAULT_ROOM_SETTINGS.summaryChars };
      if (/^(off|no|false|0)$/i.test(v)) return { ...settings, summaryChars: 0 };
      if (/^\d+$/.test(v) && Number(v) >= 40 && Number(v) <= MAX_SUMMARY) return { ...settings, summaryChars: Number(v) };
      throw new UserError(`summary takes on, off or a length from 40 to ${MAX_SUMMARY} characters.`);
    }
    case "mute":
      if (/^(on|yes|true)$/i.test(v)) return { ...settings, mute: true };
      if (/^(off|no|false)$/i.test(v)) return { ...settings, mute: false };
      throw new UserError("mute takes on or off.");
    case "template": {
      if (v.toLowerCase() === "default") return { ...settings, template: undefined };
      const check = checkTemplate(v);
      if (!check.ok) throw new UserError(`Template not set: ${check.error}.`);
      return { ...settings, template: check.template };
    }
    case "digest": {
      // Without a digest, a digest-only room would hear nothing: it goes back to instant.
      if (/^(off|no|none)$/i.test(v)) return { ...settings, digest: undefined, instant: undefined };
      const schedule = parseDigestSchedule(v);
      if ("error" in schedule) throw new UserError(`Digest not set: ${schedule.error}.`);
      return { ...settings, digest: formatDigestSchedule(schedule) };
    }
    case "instant":
      if (/^(on|yes|true)$/i.test(v)) return { ...settings, instant: true };
      if (/^(off|no|false)$/i.test(v)) {
        if (!settings.digest) throw new UserError("Set a digest first, or the room would hear nothing: “room R set digest daily 09:00”.");
        return { ...settings, instant: false };
      }
      throw new UserError("instant takes on or off.");
    case "include":
    case "exclude": {
      if (/^(off|none)$/i.test(v)) return { ...settings, [key]: undefined };
      return { ...settings, [key]: parseTerms(v) };
    }
    case "media": {
      const setting = MEDIA_SETTINGS.find((m) => m === v.toLowerCase());
      if (setting === undefined) throw new UserError(`media takes ${MEDIA_SETTINGS.join(", ")}.`);
      return { ...settings, media: setting === "none" ? undefined : setting };
    }
    default:
      throw new UserError(`Settings are summary, mute, template, digest, instant, include, exclude and media${key ? `, not “${key}”` : ""}. Example: “room R set summary 200”.`);
  }
}

function describe(room: LiveRoom): string {
  const { summaryChars, mute, template, digest, instant, media, include, exclude } = room.settings;
  return [
    `feeds ${room.feeds.length ? room.feeds.join(", ") : "(none)"}`,
    `summary ${summaryChars === 0 ? "off" : `${summaryChars} characters`}`,
    `mute ${mute ? "on" : "off"}`,
    `template ${template === undefined ? "default" : JSON.stringify(template)}`,
    ...(digest ? [`digest ${digest}${instant === false ? " only" : ""}`] : []),
    ...(media ? [`media ${media}`] : []),
    ...(include?.length || exclude?.length ? [`filter: ${describeTerms(include, exclude)}`] : []),
  ].join("; ");
}

function describeTerms(include: readonly string[] | undefined, exclude: readonly string[] | undefined): string {
  const parse = (list: readonly string[] | undefined): FilterTerm[] =>
    (list ?? []).flatMap((t) => {
      const p = parseFilterTerm(t);
      return p.ok ? [p.term] : [];
    });
  return describeFilters({ include: parse(include), exclude: parse(exclude) });
}

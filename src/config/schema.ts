import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { formatDuration, parseDuration } from "../util/duration.js";
import { feedEntrySchema, toFeedConfig, type FeedConfig } from "./feed-schema.js";

import { parseFilterTerm } from "../filters/filters.js";
import { isValidTimeZone } from "../util/time-zone.js";
import { parseDigestSchedule } from "./digest-schedule.js";
import { MEDIA_SETTINGS, type MediaSetting } from "./room-options.js";
import { ACCESS_MODELS, type AccessModel } from "../xmpp/pubsub-stanzas.js";
import { isPostgresUrl } from "../store/location.js";
export { feedLocation, type FeedConfig, type FolderFeedConfig, type HttpFeedConfig } from "./feed-schema.js";

/**
 * The config file's one schema. `configFileSchema` describes the file exactly as written (snake_case,
 * defaults, every check) and has no transforms, so `z.toJSONSchema(configFileSchema, { io: "input" })`
 * can describe the file for editors. `heraldConfigSchema` pipes it into the camelCase `HeraldConfig`.
 * Messages read "<what is wrong>; expected <what>"; the loader adds the key path and the wording
 * of zod's built-in issues.
 */

// RFC 7622 §3.3: a localpart may not contain " & ' / : < > @; a domain has no "@" or "/".
// Labels are non-empty, so "a..b" and ".example.org" are rejected.
const BARE_JID = /^[^\s"&'/:<>@]+@[^\s@/.:]+(?:\.[^\s@/.:]+)*$/u;
// A nick or resource: no control characters and no leading or trailing space.
const PLAIN_TEXT = /^[^\p{Cc}\s](?:[^\p{Cc}]*[^\p{Cc}\s])?$/u;
const LISTEN = /^(?:\[([0-9a-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/i;
const MIN_INTERVAL_MS = 1000;

function bareJidSchema(what: string) {
  return z.string().regex(BARE_JID, {
    error: (issue) => {
      const text = String(issue.input);
      if (text.includes("/")) return `"${text}" has a resource; expected a bare JID (${what}) without "/…"`;
      if (!text.includes("@")) return `"${text}" has no "@"; expected a bare JID like ${what}`;
      return `"${text}" is not a valid bare JID; expected ${what}`;
    },
  });
}

function plainText(what: string) {
  return z.string().regex(PLAIN_TEXT, {
    error: `is empty, has leading/trailing spaces or control characters; expected ${what}`,
  });
}

/** A duration as text ("10m") or a bare number of seconds, at least `min` milliseconds. */
function duration(min: number) {
  const expected = "a duration like 30s, 10m or 1h30m (a bare number means seconds)";
  return z
    .union([z.string(), z.number()], { error: `is not text or a number; expected ${expected}` })
    .superRefine((value, ctx) => {
      const ms = parseDuration(String(value));
      if (ms === undefined) ctx.addIssue({ code: "custom", message: `"${value}" is not a duration; expected ${expected}` });
      else if (ms < min) ctx.addIssue({ code: "custom", message: `"${value}" is too short; expected at least ${min / 1000}s` });
    });
}

/** "127.0.0.1:9464" or "[::1]:9464" → host and port; undefined when malformed. */
export function parseListen(text: string): { host: string; port: number } | undefined {
  const match = LISTEN.exec(text);
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (match[1] ?? match[2])!, port };
}

/** What is wrong with an XMPP service URL, or undefined. Never echoes the text: it may hold credentials. */
function serviceProblem(text: string): string | undefined {
  const expected = "expected xmpp://host[:port] (STARTTLS) or xmpps://host[:port] (direct TLS)";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `is not a URL; ${expected}`;
  }
  if (url.protocol !== "xmpp:" && url.protocol !== "xmpps:") return `has scheme "${url.protocol}"; ${expected}`;
  if (url.hostname === "") return `has no host; ${expected}`;
  if (url.port === "0") return `has port 0; ${expected}`;
  const extra = url.username || url.password || url.search || url.hash || !["", "/"].includes(url.pathname);
  if (extra) return `has a user, path, query or fragment; ${expected}`;
  return undefined;
}

const xmppSchema = z.strictObject({
  jid: bareJidSchema("herald@example.org"),
  password: z.string().min(1).optional(),
  password_file: z.string().min(1).optional(),
  service: z
    .string()
    .superRefine((text, ctx) => {
      const problem = serviceProblem(text);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
  resource: plainText("a resource like herald").default("herald"),
});

/** `auto` (adaptive polling, polling/adaptive-interval.ts) or a fixed duration. */
const intervalSchema = z.union([z.literal("auto"), duration(MIN_INTERVAL_MS)], {
  error: (issue) => `"${String(issue.input)}" is not an interval; expected auto or a duration like 10m or 1h`,
});
const feedSchema = feedEntrySchema(intervalSchema.default("auto"));

const digestSchema = z.string().refine((text) => !("error" in parseDigestSchedule(text)), {
  error: (issue) => `"${String(issue.input)}" is not a digest schedule; expected "daily 09:00" or "weekly mon 09:00"`,
});

/** Room filter terms: each a word, a phrase or a /regular expression/ that parseFilterTerm accepts. */
const filterTermsSchema = z.array(
  z.string().superRefine((text, ctx) => {
    const parsed = parseFilterTerm(text);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.error });
  }),
);

const roomSchema = z.strictObject({
  jid: bareJidSchema("news@conference.example.org"),
  feeds: z.array(z.string()).default([]),
  password: z.string().min(1).optional(),
  nick: plainText("a nick like Herald").optional(),
  digest: digestSchema.optional(),
  instant: z.boolean().optional(),
  include: filterTermsSchema.optional(),
  exclude: filterTermsSchema.optional(),
  media: z.enum(MEDIA_SETTINGS as [MediaSetting, ...MediaSetting[]], { error: `expected one of ${MEDIA_SETTINGS.join(", ")}` }).optional(),
});

// A PubSub service: a component's domain (pubsub.example.org) or an account's bare JID (its PEP).
const SERVICE = /^(?:[^\s"&'/:<>@]+@)?[^\s@/.:]+(?:\.[^\s@/.:]+)*$/u;
/** Whether `text` can name a PubSub service: a domain, or a bare JID (its PEP). */
export const isPubsubService = (text: string): boolean => SERVICE.test(text);
/** The most posts a new node may be given from the feed's past. */
export const MAX_BACKFILL = 100;

const pubsubSchema = z.strictObject({
  service: z.string().regex(SERVICE, {
    error: (issue) => `"${String(issue.input)}" is not a PubSub service; expected a domain like pubsub.example.org, or a bare JID (for its PEP)`,
  }),
  node: plainText("a node name like xsf-blog"),
  feeds: z.array(z.string()).min(1, { error: "is empty; expected the feeds whose posts the node gets" }),
  title: plainText("a node title").optional(),
  access: z.enum(ACCESS_MODELS, { error: `expected one of ${ACCESS_MODELS.join(", ")}` }).default("open"),
  backfill: z.number().int().min(0).max(MAX_BACKFILL, { error: `is too many; expected at most ${MAX_BACKFILL} posts` }).default(0),
});

const mixSchema = z.strictObject({
  channel: bareJidSchema("news@mix.example.org"),
  feeds: z.array(z.string()).min(1, { error: "is empty; expected the feeds the channel announces" }),
  nick: plainText("a nick like Herald").optional(),
});

const timeZoneSchema = z.string().refine(isValidTimeZone, {
  error: (issue) => `"${String(issue.input)}" is not a time zone; expected an IANA name like UTC or Europe/Berlin`,
});

const announceSchema = z.strictObject({
  max_age: duration(MIN_INTERVAL_MS).default("7d"),
  max_per_poll: z.number().int().min(1).max(100).default(5),
  room_burst: z.number().int().min(1).max(50).default(5),
  room_interval: duration(0).default("2s"),
  corrections: duration(0).default("24h"),
});

const httpSchema = z.strictObject({
  listen: z.string().refine((text) => parseListen(text) !== undefined, {
    error: (issue) => `"${String(issue.input)}" is not host:port; expected e.g. 127.0.0.1:9464 or [::1]:9464`,
  }),
  // Where WebSub hubs reach this listener from outside (a reverse proxy's address): without it,
  // no subscription is made and feeds are only polled.
  public_url: z
    .url({ protocol: /^https?$/, error: (issue) => `"${String(issue.input)}" is not an absolute http(s) URL; expected e.g. https://herald.example.org/` })
    .optional(),
});

const fetchSchema = z.strictObject({
  timeout: duration(MIN_INTERVAL_MS).default("30s"),
  allow_private_addresses: z.boolean().default(false),
  report_failures_after: duration(MIN_INTERVAL_MS).default("1h"),
  // Bounds of `interval: auto`; a fixed interval is taken as written.
  min_interval: duration(MIN_INTERVAL_MS).default("2m"),
  max_interval: duration(MIN_INTERVAL_MS).default("1h"),
  user_agent_contact: plainText("a contact for feed owners, like mailto:ops@example.org").optional(),
});

/**
 * Several instances on one PostgreSQL database (issue 18): how this one is named, and how long its
 * leases outlive it. Ignored on SQLite, where one instance holds everything.
 */
const clusterSchema = z.strictObject({
  // Shown in `status`, /metrics and the XMPP resource; default HERALD_INSTANCE, else the host name.
  instance: plainText("an instance name like herald-a")
    .refine((text) => /^[A-Za-z0-9._-]{1,40}$/.test(text), { error: "expected 1–40 letters, digits, dots, dashes or underscores, like herald-a" })
    .optional(),
  // A dead instance's feeds and targets are taken over within this (it renews every third of it).
  lease: duration(3_000).default("30s"),
});

/**
 * A SQLite file path, or a postgres:// / postgresql:// URL (the PostgreSQL engine). A URL must
 * parse and name a database; the message never quotes it, as it may carry a password.
 */
const storeSchema = z
  .string()
  .min(1)
  .superRefine((location, ctx) => {
    if (!isPostgresUrl(location)) return;
    let database = "";
    try {
      database = decodeURIComponent(new URL(location).pathname.replace(/^\//, ""));
    } catch {
      ctx.addIssue({ code: "custom", message: "is not a valid PostgreSQL URL; expected postgres://user:password@host:port/database (percent-encode special characters in the password)" });
      return;
    }
    if (database === "") ctx.addIssue({ code: "custom", message: "names no database; expected postgres://user:password@host:port/database" });
  });

export const configFileSchema = z
  .strictObject({
    xmpp: xmppSchema,
    nick: plainText("a nick like Herald").default("Herald"),
    admins: z.array(bareJidSchema("admin@example.org")).default([]),
    store: storeSchema.default("data/herald.db"),
    feeds: z.array(feedSchema).default([]),
    rooms: z.array(roomSchema).default([]),
    pubsub: z.array(pubsubSchema).default([]),
    mix: z.array(mixSchema).default([]),
    time_zone: timeZoneSchema.default("UTC"),
    announce: announceSchema.prefault({}),
    http: httpSchema.optional(),
    fetch: fetchSchema.prefault({}),
    cluster: clusterSchema.prefault({}),
  })
  // Runs even when other keys are invalid (so every problem is reported at once); hence the
  // defensive reads: entries may have any shape here.
  .superRefine((file, ctx) => checkCrossReferences(file, ctx), { when: (payload) => isRecord(payload.value) });

export type ConfigFile = z.output<typeof configFileSchema>;

function checkCrossReferences(file: unknown, ctx: z.RefinementCtx): void {
  const fetch = isRecord(file) ? file["fetch"] : undefined;
  // A bare number is seconds, as everywhere durations are written; the defaults are 2m and 1h.
  const durationAt = (key: string, fallback: string) => {
    const value = isRecord(fetch) ? fetch[key] : undefined;
    return parseDuration(typeof value === "string" || typeof value === "number" ? String(value) : fallback);
  };
  const [min, max] = [durationAt("min_interval", "2m"), durationAt("max_interval", "1h")];
  if (min !== undefined && max !== undefined && min > max) {
    ctx.addIssue({ code: "custom", path: ["fetch", "max_interval"], message: `is shorter than fetch.min_interval (${formatDuration(min)}); expected at least that` });
  }
  const feedNames = new Map<string, number>();
  listAt(file, "feeds").forEach((feed, index) => {
    const name = stringAt(feed, "name");
    if (name === undefined) return;
    const first = feedNames.get(name);
    if (first === undefined) feedNames.set(name, index);
    else ctx.addIssue({ code: "custom", path: ["feeds", index, "name"], message: `"${name}" is also the name of feeds[${first}]; expected unique feed names` });
  });
  const defined = [...feedNames.keys()];
  const roomJids = new Map<string, number>();
  listAt(file, "rooms").forEach((room, index) => {
    const jid = stringAt(room, "jid")?.toLowerCase();
    const first = jid === undefined ? undefined : roomJids.get(jid);
    if (jid !== undefined && first === undefined) roomJids.set(jid, index);
    else if (first !== undefined) ctx.addIssue({ code: "custom", path: ["rooms", index, "jid"], message: `"${jid}" is also rooms[${first}]; expected each room once` });
    const seen = new Set<string>();
    listAt(room, "feeds").forEach((name, position) => {
      if (typeof name !== "string") return;
      const path = ["rooms", index, "feeds", position];
      if (seen.has(name)) ctx.addIssue({ code: "custom", path, message: `feed "${name}" is listed twice; expected each feed once per room` });
      else if (!feedNames.has(name)) ctx.addIssue({ code: "custom", path, message: unknownFeedMessage(name, defined) });
      seen.add(name);
    });
  });
  const nodes = new Map<string, number>();
  listAt(file, "pubsub").forEach((entry, index) => {
    const service = stringAt(entry, "service")?.toLowerCase();
    const node = stringAt(entry, "node");
    const key = `${service} ${node}`;
    const first = nodes.get(key);
    if (service !== undefined && node !== undefined && first !== undefined) {
      ctx.addIssue({ code: "custom", path: ["pubsub", index, "node"], message: `"${node}" at ${service} is also pubsub[${first}]; expected each node once` });
    } else nodes.set(key, index);
    const seen = new Set<string>();
    listAt(entry, "feeds").forEach((name, position) => {
      if (typeof name !== "string") return;
      const path = ["pubsub", index, "feeds", position];
      if (seen.has(name)) ctx.addIssue({ code: "custom", path, message: `feed "${name}" is listed twice; expected each feed once per node` });
      else if (!feedNames.has(name)) ctx.addIssue({ code: "custom", path, message: unknownFeedMessage(name, defined) });
      seen.add(name);
    });
  });
  const channels = new Map<string, number>();
  listAt(file, "mix").forEach((entry, index) => {
    const channel = stringAt(entry, "channel")?.toLowerCase();
    const first = channel === undefined ? undefined : channels.get(channel);
    if (channel !== undefined && first === undefined) channels.set(channel, index);
    else if (first !== undefined) ctx.addIssue({ code: "custom", path: ["mix", index, "channel"], message: `"${channel}" is also mix[${first}]; expected each channel once` });
    const seen = new Set<string>();
    listAt(entry, "feeds").forEach((name, position) => {
      if (typeof name !== "string") return;
      const path = ["mix", index, "feeds", position];
      if (seen.has(name)) ctx.addIssue({ code: "custom", path, message: `feed "${name}" is listed twice; expected each feed once per channel` });
      else if (!feedNames.has(name)) ctx.addIssue({ code: "custom", path, message: unknownFeedMessage(name, defined) });
      seen.add(name);
    });
  });
}

function unknownFeedMessage(name: string, defined: string[]): string {
  if (defined.length === 0) return `unknown feed "${name}"; expected a feed defined under feeds (none are defined)`;
  const guess = closest(name, defined);
  const hint = guess === undefined ? "" : ` (did you mean "${guess}"?)`;
  return `unknown feed "${name}"${hint}; expected one of the defined feeds: ${defined.join(", ")}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function listAt(value: unknown, key: string): unknown[] {
  const list = isRecord(value) ? value[key] : undefined;
  return Array.isArray(list) ? list : [];
}
function stringAt(value: unknown, key: string): string | undefined {
  const text = isRecord(value) ? value[key] : undefined;
  return typeof text === "string" ? text : undefined;
}

/** The close known word for a misspelt `word` (typo, case, snake/camel mix-up), if there is one. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const squash = (text: string) => text.toLowerCase().replace(/[-_]/g, "");
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = squash(word) === squash(candidate) ? 0 : editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= (candidate.length > 4 ? 2 : 1) && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[i - 2]![j - 2]! + 1);
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}

export interface RoomConfig {
  readonly jid: string;
  readonly feeds: readonly string[];
  readonly password?: string;
  readonly nick?: string;
  /** "daily 09:00" or "weekly mon 09:00", in the top-level time_zone. */
  readonly digest?: string;
  /** Announce each post as it comes (default true); false with a digest gives the digest only. */
  readonly instant?: boolean;
  /**
   * Filter terms as written, each already accepted by parseFilterTerm (which turns it into a
   * FilterTerm): announce only posts that match one of `include`, never one that matches one of
   * `exclude`. Absent when the file does not set them.
   */
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** Media sent along with announcements (XEP-0066): none (default), enclosures or all. */
  readonly media?: MediaSetting;
}

/** A PubSub node (XEP-0060) that gets each new post of its feeds as an item. */
export interface PubsubNodeConfig {
  /** The service's JID: a component's domain, or an account's bare JID for its PEP; lower case. */
  readonly service: string;
  readonly node: string;
  readonly feeds: readonly string[];
  /** The node's title when Herald creates it; absent: the first feed's title. */
  readonly title?: string;
  /** XEP-0060 §4.5: who may read the node when Herald creates it. */
  readonly accessModel: AccessModel;
  /** How many of a feed's newest posts the node gets on its first read (0: none, like rooms). */
  readonly backfill: number;
}

/** A MIX channel (XEP-0369) that announces its feeds' new posts like a room. */
export interface MixChannelConfig {
  /** The channel's bare JID, lower case. */
  readonly channel: string;
  readonly feeds: readonly string[];
  /** The nick Herald joins with; absent: the top-level nick. */
  readonly nick?: string;
}

export interface HeraldConfig {
  readonly xmpp: {
    readonly jid: string;
    readonly username: string;
    readonly domain: string;
    readonly password: string;
    /** xmpp://host[:port] or xmpps://host[:port]; xmpp://<domain> when unset (xmpp.js then resolves SRV). */
    readonly service: string;
    readonly resource: string;
  };
  readonly nick: string;
  /** Bare JIDs, lower case, without duplicates. */
  readonly admins: readonly string[];
  /** Absolute path of the SQLite file (or ":memory:"). */
  readonly store: string;
  readonly feeds: readonly FeedConfig[];
  readonly rooms: readonly RoomConfig[];
  readonly pubsub: readonly PubsubNodeConfig[];
  readonly mix: readonly MixChannelConfig[];
  /** IANA time zone of digest schedules. */
  readonly timeZone: string;
  readonly announce: {
    /** A post first seen after the baseline but older than this is recorded, not announced. */
    readonly maxAgeMs: number;
    /** At most this many announcements per room per poll; the rest fold into one line. */
    readonly maxPerPoll: number;
    /** Per-room send rate: this many messages at once, then one per interval. */
    readonly roomBurst: number;
    readonly roomIntervalMs: number;
    /** How long after its announcement a changed post is corrected (XEP-0308); 0 turns corrections off. */
    readonly correctionsMs: number;
  };
  readonly http?: { readonly host: string; readonly port: number; readonly publicUrl?: string };
  readonly fetch: {
    readonly timeoutMs: number;
    readonly userAgentContact?: string;
    /** Feeds added at runtime may reach loopback/private/link-local addresses (SSRF guard off). */
    readonly allowPrivateAddresses: boolean;
    /** A feed failing this long is reported to the admins. */
    readonly reportFailuresAfterMs: number;
    /** Bounds of adaptive polling (`interval: auto`). */
    readonly minIntervalMs: number;
    readonly maxIntervalMs: number;
  };
  /** Sharing one PostgreSQL store with other instances (cluster/); unused on SQLite. */
  readonly cluster: {
    /** This instance's name; absent: HERALD_INSTANCE, else the host name (cluster/identity.ts). */
    readonly instance?: string;
    readonly leaseMs: number;
  };
}

/** What the file cannot say: where relative paths start, and the password from its source. */
export interface ConfigContext {
  readonly cwd: string;
  readonly password: string;
}

export function heraldConfigSchema(context: ConfigContext) {
  return configFileSchema.transform((file): HeraldConfig => toHeraldConfig(file, context));
}

function toHeraldConfig(file: ConfigFile, context: ConfigContext): HeraldConfig {
  const jid = file.xmpp.jid.toLowerCase();
  const [username, domain] = jid.split("@") as [string, string];
  const listen = file.http === undefined ? undefined : parseListen(file.http.listen);
  const http = listen === undefined ? undefined : { ...listen, ...(file.http?.public_url === undefined ? {} : { publicUrl: file.http.public_url }) };
  return {
    xmpp: {
      jid,
      username,
      domain,
      password: context.password,
      service: file.xmpp.service ?? `xmpp://${domain}`,
      resource: file.xmpp.resource,
    },
    nick: file.nick,
    admins: [...new Set(file.admins.map((admin) => admin.toLowerCase()))],
    // A PostgreSQL URL is kept as written; a file path is taken relative to the working directory.
    store: file.store === ":memory:" || isPostgresUrl(file.store) || isAbsolute(file.store) ? file.store : resolve(context.cwd, file.store),
    feeds: file.feeds.map((feed) => toFeedConfig(feed, feed.interval === "auto" ? undefined : durationMs(feed.interval), context.cwd)),
    rooms: file.rooms.map((room) => ({ ...room, jid: room.jid.toLowerCase() })),
    pubsub: file.pubsub.map((n) => ({
      service: n.service.toLowerCase(),
      node: n.node,
      feeds: n.feeds,
      ...(n.title === undefined ? {} : { title: n.title }),
      accessModel: n.access,
      backfill: n.backfill,
    })),
    mix: file.mix.map((m) => ({ channel: m.channel.toLowerCase(), feeds: m.feeds, ...(m.nick === undefined ? {} : { nick: m.nick }) })),
    timeZone: file.time_zone,
    announce: {
      maxAgeMs: durationMs(file.announce.max_age),
      maxPerPoll: file.announce.max_per_poll,
      roomBurst: file.announce.room_burst,
      roomIntervalMs: durationMs(file.announce.room_interval),
      correctionsMs: durationMs(file.announce.corrections),
    },
    ...(http === undefined ? {} : { http }),
    fetch: {
      timeoutMs: durationMs(file.fetch.timeout),
      allowPrivateAddresses: file.fetch.allow_private_addresses,
      reportFailuresAfterMs: durationMs(file.fetch.report_failures_after),
      minIntervalMs: durationMs(file.fetch.min_interval),
      maxIntervalMs: durationMs(file.fetch.max_interval),
      ...(file.fetch.user_agent_contact === undefined ? {} : { userAgentContact: file.fetch.user_agent_contact }),
    },
    cluster: {
      ...(file.cluster.instance === undefined ? {} : { instance: file.cluster.instance }),
      leaseMs: durationMs(file.cluster.lease),
    },
  };
}

function durationMs(value: string | number): number {
  const ms = parseDuration(String(value));
  if (ms === undefined) throw new Error(`unvalidated duration ${String(value)}`); // the schema checked it
  return ms;
}

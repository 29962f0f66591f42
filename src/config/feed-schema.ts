/**
 * The `feeds` entries of the config file: an RSS/Atom feed (`url`) or a folder of Markdown posts
 * (`path`, with `link`, `time_zone`, `translations`), and their internal shape.
 */
import { resolve } from "node:path";
import { z } from "zod";
import { linkTemplateProblem } from "../sources/markdown/link.js";
import { isValidTimeZone } from "../sources/markdown/post-date.js";

// No regex flags: JSON Schema patterns have none.
const FEED_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

const FOLDER_ONLY_KEYS = ["link", "time_zone", "translations"] as const;

/**
 * A feed is an RSS/Atom feed (`url`) or a folder of Markdown posts (`path`), never both; the
 * folder keys only mean something for a folder. One object rather than a union so that every key
 * is checked (and listed in the JSON Schema) whatever else is wrong with the entry.
 */
export function feedEntrySchema<Interval extends z.ZodType>(interval: Interval) {
  return z
    .strictObject({
      name: z.string().regex(FEED_NAME, {
        error: (issue) =>
          `"${String(issue.input)}" is not a feed name; expected 1–32 letters, digits, "-" or "_", starting with a letter or digit`,
      }),
      url: z
        .url({
          protocol: /^https?$/,
          error: (issue) => `"${String(issue.input)}" is not an absolute http(s) URL; expected e.g. https://example.org/feed.xml`,
        })
        .optional(),
      path: z.string().min(1).optional(),
      interval,
      link: z
        .string()
        .superRefine((template, ctx) => {
          const problem = linkTemplateProblem(template);
          if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
        })
        .optional(),
      time_zone: z
        .string()
        .refine(isValidTimeZone, {
          error: (issue) => `"${String(issue.input)}" is not a time zone; expected an IANA name like UTC or Europe/Paris`,
        })
        .optional(),
      translations: z.enum(["skip", "include"], { error: "is not skip or include; expected skip (the default) or include" }).optional(),
    })
    // Runs even when a key is invalid, so that a missing url/path is reported with the rest.
    .superRefine((feed, ctx) => checkFeedKind(feed, ctx), { when: (payload) => isRecord(payload.value) });
}

function checkFeedKind(feed: unknown, ctx: z.RefinementCtx): void {
  if (!isRecord(feed)) return;
  const hasUrl = feed.url !== undefined;
  const hasPath = feed.path !== undefined;
  const expected = "expected url (an RSS or Atom feed) or path (a folder of Markdown posts)";
  if (hasUrl && hasPath) ctx.addIssue({ code: "custom", path: ["path"], message: `is set as well as url; ${expected}, not both` });
  if (!hasUrl && !hasPath) ctx.addIssue({ code: "custom", message: `has neither url nor path; ${expected}` });
  if (!hasUrl) return;
  for (const key of FOLDER_ONLY_KEYS) {
    if (feed[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: "only applies to a folder feed; expected path instead of url, or no " + key });
  }
}

/** A feed entry as validated, before its interval is turned into milliseconds. */
export interface FeedEntry {
  readonly name: string;
  readonly url?: string | undefined;
  readonly path?: string | undefined;
  readonly link?: string | undefined;
  readonly time_zone?: string | undefined;
  readonly translations?: "skip" | "include" | undefined;
}

/** An RSS/Atom feed fetched over HTTP. */
export interface HttpFeedConfig {
  readonly kind: "http";
  readonly name: string;
  readonly url: string;
  /** A fixed interval; absent: `auto` (adaptive, bounded by fetch.min_interval/max_interval). */
  readonly intervalMs?: number | undefined;
}

/** A folder of Markdown posts (Hugo, Pelican, Jekyll), read recursively. */
export interface FolderFeedConfig {
  readonly kind: "folder";
  readonly name: string;
  /** Absolute; a relative `path` in the file is resolved against the working directory, as `store` is. */
  readonly path: string;
  /** A fixed interval; absent: `auto`. */
  readonly intervalMs?: number | undefined;
  /** Link template with {year} {month} {day} {slug}. */
  readonly link?: string;
  /** IANA zone of front-matter dates written without an offset. */
  readonly timeZone: string;
  readonly translations: "skip" | "include";
}

export type FeedConfig = HttpFeedConfig | FolderFeedConfig;

/** Where the feed lives: its URL or its folder (the poller starts afresh when this changes). */
export function feedLocation(feed: FeedConfig): string {
  return feed.kind === "folder" ? feed.path : feed.url;
}

/** The file's feed entry (validated) as the internal shape; `cwd` resolves a relative path. */
export function toFeedConfig(feed: FeedEntry, intervalMs: number | undefined, cwd: string): FeedConfig {
  const interval = intervalMs === undefined ? {} : { intervalMs };
  if (feed.url !== undefined) return { kind: "http", name: feed.name, url: feed.url, ...interval };
  // The schema guarantees exactly one of url and path.
  return {
    kind: "folder",
    name: feed.name,
    path: resolve(cwd, feed.path ?? "."),
    ...interval,
    ...(feed.link === undefined ? {} : { link: feed.link }),
    timeZone: feed.time_zone ?? "UTC",
    translations: feed.translations ?? "skip",
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

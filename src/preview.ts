/**
 * `herald preview <source>`: how an admin checks a source before adding it. Reads a feed URL, a
 * feed file, a Markdown post or a folder of them, and prints the newest posts' announcements
 * exactly as rooms would get them, each followed by what was read (identity, date, link, media).
 * Diagnostics go to stderr. Exit codes: 0 posts were found, 1 none (or the source failed),
 * 2 a usage error.
 */
import { describeFilters, matchesFilters, parseFilterTerm, type FilterTerm, type Filters } from "./filters/filters.js";
import { open, readFile, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatAnnouncement } from "./announce/format.js";
import type { Entry, Media } from "./sources/entry.js";
import { readFeedFile } from "./sources/feeds/feed-file.js";
import { createHttpFetcher, type FetchFeed } from "./sources/http/fetch.js";
import { linkTemplateProblem } from "./sources/markdown/link.js";
import { formatDiagnostic, MAX_POST_BYTES } from "./sources/markdown/folder.js";
import { isValidTimeZone } from "./sources/markdown/post-date.js";
import { postEntry, readPost, type Post, type PostOptions } from "./sources/markdown/post.js";
import { readMarkdownFolder } from "./sources/markdown/source.js";
import { parseFeedText } from "./sources/feeds/parse-feed.js";
import { describeArgsError } from "./cli-options.js";
import { describeDiscovery, notASource, readFeedOrPage } from "./sources/http/discover.js";

export interface PreviewIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export interface PreviewDeps {
  /** Fetcher for URL sources; default: a plain one with a 30 s timeout and a 20 MB cap. */
  readonly fetchFeed?: FetchFeed;
  readonly userAgent?: string;
  readonly now?: () => number;
}

export const PREVIEW_USAGE = `Usage: herald preview <source> [options]

<source> is a feed URL (http/https), a feed file, a Markdown post or a folder of Markdown posts.
Prints the newest posts as they would be announced, each followed by its identity, date, link
and media (enclosures and images).

Options:
  --limit N             how many posts to show (default 3)
  --link TEMPLATE       Markdown only: link template, e.g. "https://example.org/{year}/{month}/{slug}/"
  --time-zone ZONE      Markdown only: zone of dates without an offset (default UTC)
  --translations MODE   Markdown only: skip (default) or include translated posts
  --base URL            feed files only: the feed's original address, to resolve relative links
  --include TERM        show which posts a room filter lets through: a word, "a phrase" or
                        /regular expression/; repeat for more (a post must match one)
  --exclude TERM        likewise, posts matching it are left out (exclude wins)
`;

const EXIT_NO_POSTS = 1;
const EXIT_USAGE = 2;
const MARKDOWN_FILE = /\.(?:md|markdown|mdown|mkd)$/i;

interface Found {
  readonly what: string;
  readonly entries: readonly Entry[];
}

export async function runPreview(args: string[], io: PreviewIo, deps: PreviewDeps = {}): Promise<number> {
  const say = (text: string): void => void io.stdout.write(`${text}\n`);
  const warn = (text: string): void => void io.stderr.write(`herald preview: ${text}\n`);
  const options = {
    limit: { type: "string" },
    link: { type: "string" },
    "time-zone": { type: "string" },
    translations: { type: "string" },
    base: { type: "string" },
    include: { type: "string", multiple: true },
    exclude: { type: "string", multiple: true },
    help: { type: "boolean", short: "h" },
  } as const;
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options });
  } catch (err) {
    warn(`${describeArgsError(err, options)}\n\n${PREVIEW_USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(PREVIEW_USAGE);
    return 0;
  }
  const problem = usageProblem(positionals, values);
  if (problem !== undefined) {
    warn(`${problem}\n\n${PREVIEW_USAGE}`);
    return EXIT_USAGE;
  }
  const source = positionals[0]!;
  const filters = parseFilters(values.include ?? [], values.exclude ?? []);
  if ("error" in filters) {
    warn(filters.error);
    return EXIT_USAGE;
  }
  const filtered = filters.include.length > 0 || filters.exclude.length > 0;
  const limit = values.limit === undefined ? 3 : Number(values.limit);
  const postOptions: PostOptions = {
    link: values.link,
    timeZone: values["time-zone"] ?? "UTC",
    translations: values.translations === "include" ? "include" : "skip",
  };

  let found: Found;
  try {
    found = await readSource(source, postOptions, values.base, deps, warn);
  } catch (err) {
    warn(`${source}: ${oneLine(err)}`);
    return EXIT_NO_POSTS;
  }
  if (found.entries.length === 0) {
    warn(`${source}: ${found.what}; nothing to announce`);
    return EXIT_NO_POSTS;
  }
  const newest = newestFirst(found.entries).slice(0, limit);
  say(`${found.what}; the newest ${newest.length} as announced:`);
  if (filtered) say(`filter: ${describeFilters(filters)}`);
  for (const entry of newest) {
    say("");
    say(formatAnnouncement(entry));
    say(`  id:   ${entry.key}`);
    say(`  date: ${entry.published?.toISOString() ?? "(none)"}`);
    say(`  link: ${entry.link ?? "(none)"}`);
    for (const media of entry.media ?? []) say(`  media: ${mediaLine(media)}`);
    if (filtered) say(`  filter: ${matchesFilters(entry, filters) ? "announced" : "left out"}`);
  }
  return 0;
}

function parseFilters(include: readonly string[], exclude: readonly string[]): Filters | { error: string } {
  const terms = (list: readonly string[], option: string): FilterTerm[] | string =>
    list.reduce<FilterTerm[] | string>((acc, text) => {
      if (typeof acc === "string") return acc;
      const parsed = parseFilterTerm(text);
      return parsed.ok ? [...acc, parsed.term] : `${option} ${parsed.error}`;
    }, []);
  const inc = terms(include, "--include");
  if (typeof inc === "string") return { error: inc };
  const exc = terms(exclude, "--exclude");
  if (typeof exc === "string") return { error: exc };
  return { include: inc, exclude: exc };
}

function usageProblem(positionals: string[], values: Record<string, string | string[] | boolean | undefined>): string | undefined {
  if (positionals.length === 0) return "no source given";
  if (positionals.length > 1) return `one source at a time (got ${positionals.length})`;
  if (values.limit !== undefined && !/^[1-9]\d{0,5}$/.test(String(values.limit))) return `--limit "${String(values.limit)}" is not a positive whole number`;
  if (typeof values.link === "string") {
    const problem = linkTemplateProblem(values.link);
    if (problem !== undefined) return `--link ${problem}`;
  }
  const zone = values["time-zone"];
  if (typeof zone === "string" && !isValidTimeZone(zone)) return `--time-zone "${zone}" is not a time zone; expected an IANA name like Europe/Paris`;
  const translations = values.translations;
  if (translations !== undefined && translations !== "skip" && translations !== "include") return `--translations must be skip or include`;
  if (typeof values.base === "string" && !/^https?:\/\/\S+$/i.test(values.base)) return `--base "${values.base}" is not an http(s) URL`;
  return undefined;
}

async function readSource(source: string, options: PostOptions, base: string | undefined, deps: PreviewDeps, warn: (text: string) => void): Promise<Found> {
  if (/^https?:\/\//i.test(source)) {
    const fetchFeed = deps.fetchFeed ?? createHttpFetcher({ userAgent: deps.userAgent ?? "Herald (preview)", timeoutMs: 30_000, maxBytes: 20 * 1024 * 1024 });
    // A blog's home page is followed to the feed it links to (discover.ts).
    const { feed, discovery } = await readFeedOrPage(source, fetchFeed);
    const what = describeFeed(feed.title, feed.entries.length);
    return { what: discovery === undefined ? what : `${describeDiscovery(discovery)}\n${what}`, entries: feed.entries };
  }
  const path = resolve(source);
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw err.code === "ENOENT" || err.code === "ENOTDIR" ? notASource(source) : err;
  });
  if (info.isDirectory()) {
    const read = await readMarkdownFolder({ path, ...options, ...(deps.now === undefined ? {} : { now: deps.now }) });
    for (const diagnostic of read.diagnostics) warn(formatDiagnostic(diagnostic));
    const c = read.counts;
    const skipped = [
      c.translations > 0 ? `${c.translations} translations` : "",
      c.drafts > 0 ? `${c.drafts} drafts` : "",
      c.future > 0 ? `${c.future} dated in the future` : "",
      c.unreadable > 0 ? `${c.unreadable} unreadable` : "",
    ].filter(Boolean);
    const what = `Markdown folder ${source}: ${c.posts} posts in ${c.files} files${skipped.length > 0 ? ` (left out: ${skipped.join(", ")})` : ""}`;
    return { what, entries: read.posts.map(postEntry) };
  }
  if (MARKDOWN_FILE.test(path) || (await looksLikeMarkdown(path))) return readOnePost(path, info.size, options, deps, warn);
  const feed = await readFeedFile(path, base);
  // A cut-off file shows what could be read of it, and says what was left out and why.
  const cut = feed.truncated ? ` (the file is cut off${feed.heldBack > 0 ? `: ${feed.heldBack} unfinished ${feed.heldBack === 1 ? "item" : "items"} left out` : ""})` : "";
  return { what: `${describeFeed(feed.title, feed.entries.length)}${cut}`, entries: feed.entries };
}

async function readOnePost(path: string, size: number, options: PostOptions, deps: PreviewDeps, warn: (text: string) => void): Promise<Found> {
  if (size > MAX_POST_BYTES) throw new Error(`larger than ${MAX_POST_BYTES / 1024} KB; not a post`);
  const result = readPost(basename(path), await readFile(path, "utf8"), options);
  if (result.kind === "unreadable") throw new Error(result.reason);
  if (result.kind === "skipped") {
    const hint = result.why === "translation" ? " (use --translations include to see it)" : "";
    return { what: `Markdown post: a ${result.why}, which Herald leaves out${hint}`, entries: [] };
  }
  for (const problem of result.problems) warn(`${basename(path)}: ${problem}`);
  const time = result.post.published?.getTime();
  if (time !== undefined && time > (deps.now ?? Date.now)()) warn(`${basename(path)}: dated in the future; announced when its date comes`);
  return { what: `Markdown post (${result.post.dialect} front matter)`, entries: [postEntry(result.post)] };
}

/** A file without a Markdown extension is Markdown when it opens with front matter. */
async function looksLikeMarkdown(path: string): Promise<boolean> {
  const file = await open(path);
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(64), 0, 64, 0);
    return /^\uFEFF?(?:---|\+\+\+)[^\S\n]*\r?\n/.test(buffer.subarray(0, bytesRead).toString("utf8"));
  } finally {
    await file.close();
  }
}


/** "audio/mpeg 12.3 MB https://…"; the role stands in for an unknown type, the size is left out when unknown. */
export function mediaLine(media: Media): string {
  return [media.type ?? media.role, media.length === undefined ? undefined : byteSize(media.length), media.url].filter((part) => part !== undefined).join(" ");
}

/** SI units, as podcast apps and file managers show sizes: 12345678 → "12.3 MB". */
function byteSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function describeFeed(title: string | undefined, count: number): string {
  return `Feed ${title === undefined ? "(untitled)" : `“${oneLine(title)}”`}: ${count} posts`;
}

/** Dated entries newest first; undated ones after them, in the source's order. */
function newestFirst(entries: readonly Entry[]): Entry[] {
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => {
      const ta = a.entry.published?.getTime();
      const tb = b.entry.published?.getTime();
      if (ta !== undefined && tb !== undefined && ta !== tb) return tb - ta;
      if ((ta === undefined) !== (tb === undefined)) return ta === undefined ? 1 : -1;
      return a.index - b.index;
    })
    .map(({ entry }) => entry);
}

function oneLine(value: unknown): string {
  const message = typeof value === "string" ? value : String((value as { message?: unknown } | null)?.message ?? value);
  return message.replace(/\s+/g, " ").trim().slice(0, 300);
}

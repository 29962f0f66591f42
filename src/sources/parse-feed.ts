import Parser from "rss-parser";
import { createHash } from "node:crypto";
import type { Entry } from "./entry.js";

export interface ParsedFeed {
  readonly title: string | undefined;
  readonly link: string | undefined;
  readonly entries: readonly Entry[];
}

/** The text was not a feed rss-parser could read. Never temporary: the same bytes fail again. */
export class FeedParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FeedParseError";
  }
}

type Item = Parser.Item & Record<string, unknown>;

// One parser for the process: rss-parser keeps no state between parseString calls.
const parser = new Parser<Record<string, unknown>, Record<string, unknown>>({
  // Atom categories are not mapped by rss-parser; ask for them (as an array) by hand.
  customFields: {
    item: ["id", "author", "content:encoded", "dc:creator", "updated", "published", ["category", "atomCategories", { keepArray: true }]],
  },
});

/** Parses RSS 0.9x/1.0/2.0 or Atom 1.0 text into entries. `baseUrl` resolves relative links. */
export async function parseFeed(text: string, baseUrl: string): Promise<ParsedFeed> {
  let output: Parser.Output<Record<string, unknown>>;
  try {
    output = await parser.parseString(text);
  } catch (err) {
    throw new FeedParseError(`not a readable RSS or Atom feed: ${firstLine(err)}`);
  }
  if (!Array.isArray(output.items)) throw new FeedParseError("not an RSS or Atom feed: no items or entries found");
  const feedLink = absolute(asText(output.link), baseUrl) ?? baseUrl;
  return {
    title: asText(output.title),
    link: feedLink,
    entries: output.items.map((item) => toEntry(item as Item, feedLink)),
  };
}

function toEntry(item: Item, baseUrl: string): Entry {
  const title = asText(item.title) ?? "";
  const link = absolute(asText(item.link), baseUrl);
  const published = parseDate(asText(item.isoDate) ?? asText(item.pubDate) ?? asText(item.published) ?? asText(item.updated));
  const summaryHtml =
    asText(item.summary) ?? asText(item.content) ?? asText(item["content:encoded"]) ?? asText(item.contentSnippet) ?? "";
  return {
    key: entryKey(asText(item.guid) ?? asText(item.id), link, title, published),
    title,
    link,
    author: asText(item.creator) ?? asText(item["dc:creator"]) ?? authorName(item.author),
    published,
    summaryHtml,
    categories: [...new Set([...(item.categories ?? []), ...asArray(item.atomCategories)].map(asText).filter((c): c is string => !!c))],
  };
}

/** Identity: guid/id, else link, else a hash of title and date, so a post is announced once. */
export function entryKey(id: string | undefined, link: string | undefined, title: string, published: Date | undefined): string {
  if (id) return `id:${id}`;
  if (link) return `link:${link}`;
  const digest = createHash("sha256").update(`${title}\n${published?.toISOString() ?? ""}`).digest("hex");
  return `hash:${digest.slice(0, 32)}`;
}

/** xml2js yields strings, `{ _: text, $: attrs }` objects or arrays of either, depending on markup. */
function asText(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() || undefined;
  if (Array.isArray(value)) return asText(value[0]);
  if (value && typeof value === "object") {
    const v = value as { _?: unknown; $?: { term?: unknown; href?: unknown } };
    return asText(v._) ?? asText(v.$?.term) ?? asText(v.$?.href);
  }
  return undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function authorName(value: unknown): string | undefined {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return asText((value as { name?: unknown }).name);
  }
  if (Array.isArray(value)) return authorName(value[0]);
  return asText(value);
}

function absolute(link: string | undefined, base: string): string | undefined {
  if (!link) return undefined;
  try {
    const url = new URL(link, base);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function parseDate(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0]!.slice(0, 200);
}

/**
 * Feeds from what people paste: a blog's home page instead of its feed. A page announces its
 * feeds with `<link rel="alternate" type="application/atom+xml" href="…">` (or rss+xml; the
 * "RSS autodiscovery" convention, HTML §4.6.7.1 "alternate" with a feed type). When a URL gives a
 * web page, Herald reads those links, takes one feed, and says which one and which others there were.
 * Also: a string that is neither an http(s) URL nor an existing path, said in words.
 */
import { Parser } from "htmlparser2";
import type { FetchCallOptions, FetchFeed, FetchResult } from "./fetch.js";
import { FeedParseError, parseFeedText, type ParsedFeed } from "../feeds/parse-feed.js";

const FEED_TYPES: Record<string, FeedLink["format"]> = {
  "application/atom+xml": "Atom",
  "application/rss+xml": "RSS",
  "application/rdf+xml": "RSS",
};

export interface FeedLink {
  readonly url: string;
  readonly format: "Atom" | "RSS";
  readonly title: string | undefined;
}

/** How a page led to the feed that was read. */
export interface Discovery {
  /** The page the user gave (after redirects). */
  readonly page: string;
  readonly chosen: FeedLink;
  /** The page's other feeds, in the page's order. */
  readonly others: readonly FeedLink[];
}

/** The feeds a page links to with rel="alternate", in document order, without repeats. */
export function findFeedLinks(html: string, pageUrl: string): FeedLink[] {
  const links: FeedLink[] = [];
  let base = pageUrl;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === "base" && attributes.href !== undefined) {
          base = resolveUrl(attributes.href, pageUrl) ?? base;
          return;
        }
        if (name !== "link" || attributes.href === undefined) return;
        const rel = (attributes.rel ?? "").toLowerCase().split(/\s+/);
        const format = FEED_TYPES[(attributes.type ?? "").toLowerCase().split(";")[0]!.trim()];
        if (!rel.includes("alternate") || format === undefined) return;
        const url = resolveUrl(attributes.href.trim(), base);
        if (url === undefined || !/^https?:$/.test(new URL(url).protocol) || links.some((link) => link.url === url)) return;
        const title = attributes.title?.trim();
        links.push({ url, format, title: title === "" ? undefined : title });
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return links;
}

/**
 * The feed to take: the page's first one, unless it is a comments feed and a feed of posts is
 * also there (WordPress lists "Comments Feed" after the posts feed; other themes do not).
 */
export function chooseFeed(links: readonly FeedLink[]): FeedLink | undefined {
  const comments = (link: FeedLink) => /comment/i.test(`${link.title ?? ""} ${link.url}`);
  return links.find((link) => !comments(link)) ?? links[0];
}

export interface FeedRead {
  readonly fetched: Extract<FetchResult, { kind: "fetched" }>;
  readonly feed: ParsedFeed;
  /** The URL the feed was read from: the one given, or the one the page pointed to. */
  readonly feedUrl: string;
  /** Set when the URL was a page and a feed it links to was read instead. */
  readonly discovery?: Discovery;
}

/**
 * Reads `url` as a feed; when it is a web page that links to feeds, reads the chosen one instead.
 * Throws FeedParseError when neither works, FetchError when a fetch fails.
 */
export async function readFeedOrPage(url: string, fetchFeed: FetchFeed, call?: FetchCallOptions): Promise<FeedRead> {
  const fetched = await fetchOnce(url, fetchFeed, call);
  let notAFeed: FeedParseError;
  try {
    return { fetched, feed: parseFeedText(fetched.text, fetched.url), feedUrl: url };
  } catch (err) {
    if (!(err instanceof FeedParseError)) throw err;
    notAFeed = err;
  }
  const links = findFeedLinks(fetched.text, fetched.url);
  const chosen = chooseFeed(links);
  if (chosen === undefined) {
    throw new FeedParseError(`${notAFeed.message}; the page links to no feed (no <link rel="alternate"> with an Atom or RSS type)`);
  }
  const discovery: Discovery = { page: fetched.url, chosen, others: links.filter((link) => link !== chosen) };
  const feedFetched = await fetchOnce(chosen.url, fetchFeed, call);
  try {
    return { fetched: feedFetched, feed: parseFeedText(feedFetched.text, feedFetched.url), feedUrl: chosen.url, discovery };
  } catch (err) {
    if (!(err instanceof FeedParseError)) throw err;
    throw new FeedParseError(`the page links to ${chosen.url} as its ${chosen.format} feed, but that is ${err.message}`);
  }
}

/** "The page links to 2 feeds; using https://…/atom.xml (Atom, “Posts”); also: https://…/comments (RSS, “Comments”)". */
export function describeDiscovery(discovery: Discovery): string {
  const count = discovery.others.length + 1;
  const others = discovery.others.length === 0 ? "" : `; also: ${discovery.others.map(describeLink).join(", ")}`;
  return `${discovery.page} is a web page that links to ${count === 1 ? "1 feed" : `${count} feeds`}; using ${describeLink(discovery.chosen)}${others}`;
}

function describeLink(link: FeedLink): string {
  return `${link.url} (${link.format}${link.title === undefined ? "" : `, “${link.title.replace(/\s+/g, " ").slice(0, 80)}”`})`;
}

async function fetchOnce(url: string, fetchFeed: FetchFeed, call?: FetchCallOptions): Promise<FeedRead["fetched"]> {
  const fetched = await fetchFeed(url, { etag: undefined, lastModified: undefined }, call);
  if (fetched.kind === "not-modified") throw new Error("the server answered 304 Not Modified to an unconditional request");
  return fetched;
}

function resolveUrl(href: string, base: string): string | undefined {
  try {
    return new URL(href, base).href;
  } catch {
    return undefined;
  }
}

/** A source that is neither an http(s) URL nor an existing file or folder: usage, not a failed read. */
export class NotASourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotASourceError";
  }
}

/**
 * Why `source` (not found as a path) is no source either, with a guess at what was meant:
 * `htp:/bad url` has a scheme that is not http(s); `example.org/blog` lacks one.
 */
export function notASource(source: string): NotASourceError {
  const head = `neither an http(s) URL nor an existing file or folder`;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(source)?.[1];
  if (scheme !== undefined && scheme.length > 1) {
    // htp, htps, htttp, ttp: a mistyped http.
    const guess = /^h*t+p+s?$/i.test(scheme) ? " (did you mean http:// or https://?)" : "";
    return new NotASourceError(`${head}: its scheme "${scheme}:" is not http: or https:${guess}`);
  }
  // example.org/blog: a URL without its scheme (but feed.xml is a file name, not a host).
  const fileName = /^[^/]*\.(xml|rss|atom|rdf|md|markdown|html?|txt|json|ya?ml|opml)$/i.test(source);
  if (!fileName && /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?(\/\S*)?$/i.test(source)) {
    return new NotASourceError(`${head}; did you mean https://${source}?`);
  }
  return new NotASourceError(head);
}

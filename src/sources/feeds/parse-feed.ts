/**
 * Feed text to entries: RSS 0.90/0.91/0.92/1.0/2.0 and Atom 0.3/1.0, read leniently (see
 * xml-tree.ts for why and how) so that what Python's feedparser accepts, Herald accepts too.
 */
import { createHash } from "node:crypto";
import type { Entry } from "../entry.js";
import type { FeedEntryDraft, FeedReadResult } from "./feed-entry.js";
import { AtomEarlyReader, readAtom } from "./atom.js";
import { readRss, readRssItemEarly } from "./rss.js";
import { NO_CHILDREN, parseXml, type XmlElement } from "./xml-tree.js";
import { SourceError } from "../errors.js";
import type { FeedHints } from "./feed-hints.js";
import { repairMojibake } from "./mojibake.js";

export interface ParsedFeed {
  readonly title: string | undefined;
  readonly link: string | undefined;
  readonly entries: readonly Entry[];
  readonly hints: FeedHints;
  /** True when the document ended before its root element closed: a cut-off file or body. */
  readonly truncated: boolean;
  /** Items the document ended inside of, left out of `entries`: their text may be cut off. */
  readonly heldBack: number;
}

/** The text was not a feed Herald could read. Never temporary: the same bytes fail again. */
export class FeedParseError extends SourceError {
  constructor(message: string) {
    super(message, false);
    this.name = "FeedParseError";
  }
}

const FEED_ROOTS = new Set(["rss", "rdf", "feed"]);

/**
 * Parses feed text into entries, in document order. `baseUrl` is the document's URL: relative
 * links resolve against it (and xml:base), or against the feed's home page when it is not http(s).
 * Throws FeedParseError with a one-line reason when the text is no feed, or when it was cut off
 * before any complete item: that is what a poll must refuse, since a read that finds nothing
 * would become the feed's baseline and the next whole read would announce every post as new.
 */
export async function parseFeed(text: string, baseUrl: string): Promise<ParsedFeed> {
  return parseFeedText(text, baseUrl);
}

export function parseFeedText(text: string, baseUrl: string): ParsedFeed {
  const feed = readDocument(text, baseUrl);
  if (feed.truncated && feed.entries.length === 0) {
    throw new FeedParseError(`not a readable feed: the document ends inside <${feed.root}> before any complete item (truncated?)`);
  }
  return withoutRoot(feed);
}

/**
 * What can be read from feed text, as Python's feedparser returns it from a cut-off document
 * (its "bozo" result): the channel's title and link and every complete item, never throwing
 * for truncation. For looking at a file (`herald preview`, the conformance run); a poll uses
 * parseFeedText. An item the document ended inside of is held back, never returned: its title or
 * summary may be cut mid-word, and its guid may be missing, so announcing it would announce it
 * again, under its real identity, once the whole document is read.
 */
export function readFeedText(text: string, baseUrl: string): ParsedFeed {
  return withoutRoot(readDocument(text, baseUrl));
}

function withoutRoot({ root: _root, ...feed }: ParsedFeed & { root: string }): ParsedFeed {
  return feed;
}

function readDocument(text: string, baseUrl: string): ParsedFeed & { root: string } {
  // Items and entries are read as they close (rss.ts readRssItemEarly, atom.ts AtomEarlyReader)
  // and their subtrees dropped, so that a big feed's tree is not all live at once: with the bot's
  // 2 MB young generation, every object still live is copied by each scavenge, and promoted
  // garbage raises the peak.
  const early = new Map<XmlElement, FeedEntryDraft>();
  let feedRoot: XmlElement | undefined;
  let atom: AtomEarlyReader | undefined;
  const document = parseXml(typeof text === "string" ? text : "", baseUrl, (element, parent, roots) => {
    if (parent === undefined || (element.local !== "item" && element.local !== "entry")) return;
    feedRoot ??= roots.find((r) => FEED_ROOTS.has(r.local));
    if (feedRoot === undefined) return;
    let draft: FeedEntryDraft | undefined;
    if (feedRoot.local === "feed") {
      atom ??= new AtomEarlyReader(feedRoot);
      draft = atom.read(element, parent);
    } else if (element.local === "item") draft = readRssItemEarly(feedRoot, element, parent);
    if (draft === undefined) return;
    early.set(element, draft);
    element.children = NO_CHILDREN;
  });
  // Junk before the real root (a PHP warning, an HTML comment) is skipped: the first element
  // that names a feed format is the feed.
  const root = document.roots.find((element) => FEED_ROOTS.has(element.local));
  if (root === undefined) throw new FeedParseError(notAFeedReason(document.roots[0]));
  const read: FeedReadResult = root.local === "feed" ? readAtom(root, early) : readRss(root, early);
  // An item cut off by the end of the file may carry half a title: leave it out.
  const complete = read.items.filter((item) => item.complete);
  return {
    root: root.qname,
    title: read.title === undefined ? undefined : repairMojibake(read.title),
    link: read.link,
    entries: settleIdentities(complete),
    hints: read.hints,
    truncated: !root.closed,
    heldBack: read.items.length - complete.length,
  };
}

function notAFeedReason(first: XmlElement | undefined): string {
  if (first === undefined) return "not an RSS or Atom feed: no XML element found";
  // A name XML would never allow (XML 1.0 §2.3) means the bytes were not text at all.
  if (!/^[\p{L}_][\p{L}\p{N}._:-]{0,60}$/u.test(first.qname)) return "not an RSS or Atom feed: the content is not XML (binary data?)";
  const hint = ["html", "head", "body"].includes(first.local) ? " (an HTML page, not a feed)" : "";
  return `not an RSS or Atom feed: the root element is <${first.qname}>${hint}; expected <rss>, <rdf:RDF> or <feed>`;
}

/** Identity: guid/id, else link, else a hash of title and date, so a post is announced once. */
export function entryKey(id: string | undefined, link: string | undefined, title: string, published: Date | undefined): string {
  if (id) return `id:${id}`;
  if (link) return `link:${link}`;
  const digest = createHash("sha256").update(`${title}\n${published?.toISOString() ?? ""}`).digest("hex");
  return `hash:${digest.slice(0, 32)}`;
}

/**
 * Gives every entry a key, and makes keys unique within the document. Publishers do reuse a
 * guid (a CMS bug, or the home page as every item's guid). Exact repeats of an item are dropped.
 * Among different items sharing a key, the oldest keeps it (by date, else the last in document
 * order, as feeds list newest first) and the others are qualified by their link: so the item that
 * was there first keeps the identity it was recorded under, and a newcomer is still new.
 */
function settleIdentities(drafts: readonly FeedEntryDraft[]): Entry[] {
  const entries = drafts.map((draft) => toEntry(draft));
  const byKey = new Map<string, number[]>();
  entries.forEach((entry, index) => {
    const indexes = byKey.get(entry.key);
    if (indexes === undefined) byKey.set(entry.key, [index]);
    else indexes.push(index);
  });
  const drop = new Set<number>();
  for (const indexes of byKey.values()) {
    if (indexes.length < 2) continue;
    const oldestFirst = [...indexes].sort((a, b) => age(entries[b]!) - age(entries[a]!) || b - a);
    const signatures = new Set<string>();
    for (const index of oldestFirst) {
      const entry = entries[index]!;
      const signature = entry.link ?? entryKey(undefined, undefined, entry.title, entry.published);
      if (signatures.has(signature)) {
        drop.add(index);
        continue;
      }
      if (signatures.size > 0) entries[index] = { ...entry, key: `${entry.key}#${signature}` };
      signatures.add(signature);
    }
  }
  return entries.filter((_entry, index) => !drop.has(index));
}

/** Larger is older; undated entries count as oldest of all. */
function age(entry: Entry): number {
  return entry.published === undefined ? Number.POSITIVE_INFINITY : -entry.published.getTime();
}

function toEntry(draft: FeedEntryDraft): Entry {
  // Text fields only: ids and links are compared or resolved as written (mojibake.ts says when
  // a field is repaired). The key is made from the text as written, so a repair never changes
  // the identity a post was recorded under.
  return {
    key: entryKey(draft.id, draft.link, draft.title, draft.published),
    title: repairMojibake(draft.title),
    link: draft.link,
    author: draft.author === undefined ? undefined : repairMojibake(draft.author),
    published: draft.published,
    summaryHtml: repairMojibake(draft.summaryHtml),
    categories: draft.categories.map(repairMojibake),
    // Only when there are some: an entry without media looks as it did before media were read.
    ...(draft.media.length > 0 ? { media: draft.media } : {}),
  };
}

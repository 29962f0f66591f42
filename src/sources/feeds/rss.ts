/**
 * RSS 0.9x, 1.0 (RDF) and 2.0 documents to entries.
 *
 * RSS 2.0 elements have no namespace; RSS 1.0 puts them in http://purl.org/rss/1.0/, RSS 0.90 in
 * Netscape's, and some publishers declare a default namespace on <rss> anyway (the UserLand URI).
 * So "an RSS element" is any element with the right local name that is not in a namespace known
 * to hold only extensions (Atom, Dublin Core, content:, RDF).
 */
import type { FeedEntryDraft, FeedReadResult } from "./feed-entry.js";
import { childElement, childElements, textContent, type XmlElement } from "./xml-tree.js";
import { ATOM, childText, distinct, EXTENSION_NAMESPACES, nonBlank, NS, parseFeedDate, personName, resolveLink } from "./values.js";
import { enclosureCandidate, readItemMedia } from "./media.js";
import { readFeedHints } from "./feed-hints.js";
import type { MediaCandidate } from "../media.js";

/**
 * `root` is <rss> (0.9x/2.0) or <rdf:RDF> (0.90/1.0). `early` holds the items readRssItemEarly
 * has read already, while the document was being parsed.
 */
export function readRss(root: XmlElement, early?: ReadonlyMap<XmlElement, FeedEntryDraft>): FeedReadResult {
  const rssNamespaces = rssNamespacesOf(root);
  const channel = childElement(root, "channel", rssNamespaces);
  // RSS 2.0 puts items inside <channel>, RSS 1.0/0.90 next to it (RSS 1.0 §5.5). Only direct
  // children count: an <item> illegally nested inside another item is ignored.
  const items = [...(channel ? childElements(channel, "item", rssNamespaces) : []), ...childElements(root, "item", rssNamespaces)];
  const home = channel && homeOf(channel, rssNamespaces);
  return {
    title: channel && childText(channel, "title", rssNamespaces),
    link: home,
    items: items.map((item) => early?.get(item) ?? readItem(item, rssNamespaces, home)),
    hints: readFeedHints(channel, rssNamespaces, ATOM),
  };
}

/** The channel's home page: its <link>, else an atom:link. */
function homeOf(channel: XmlElement, rss: readonly string[]): string | undefined {
  return resolveLink(childText(channel, "link", rss) ?? atomLinkHref(channel), channel.base);
}

/**
 * Reads an item as soon as its end tag is parsed, when the result cannot differ from reading it
 * at the end: it is a direct item of the feed's (first) channel or of the root, and the channel's
 * home page, the one thing an item takes from outside itself, is settled (the channel is closed,
 * or its first <link> is complete and not blank; RSS 2.0 writes it before the items). Undefined
 * otherwise: the item is then read with the rest at the end. The caller may then drop the item's
 * subtree, which is why: a big feed's items need not all be live at once (issue 16's 4 MB feed).
 */
export function readRssItemEarly(root: XmlElement, item: XmlElement, parent: XmlElement): FeedEntryDraft | undefined {
  const rss = rssNamespacesOf(root);
  if (item.local !== "item" || !rss.includes(item.ns)) return undefined;
  const channel = childElement(root, "channel", rss);
  if (channel === undefined || (parent !== channel && parent !== root)) return undefined;
  let home: string | undefined;
  if (channel.closed) home = homeOf(channel, rss);
  else {
    const link = childElement(channel, "link", rss);
    const text = link?.closed ? nonBlank(textContent(link)) : undefined;
    if (text === undefined) return undefined; // not settled: a later link or atom:link may set it
    home = resolveLink(text, channel.base);
  }
  return readItem(item, rss, home);
}

function rssNamespacesOf(root: XmlElement): string[] {
  const namespaces: string[] = ["", NS.rss1, NS.rss090];
  if (!EXTENSION_NAMESPACES.has(root.ns) && !namespaces.includes(root.ns)) namespaces.push(root.ns);
  return namespaces;
}

/**
 * The first child of each kind readItem reads (childElement's rule: the first element with that
 * local name in those namespaces), found in one walk over the item rather than one per field.
 * The namespace groups are disjoint: rssNamespacesOf never includes an extension namespace.
 */
class ItemParts {
  guid: XmlElement | undefined = undefined;
  link: XmlElement | undefined = undefined;
  description: XmlElement | undefined = undefined;
  title: XmlElement | undefined = undefined;
  pubDate: XmlElement | undefined = undefined;
  author: XmlElement | undefined = undefined;
  dcTitle: XmlElement | undefined = undefined;
  dcCreator: XmlElement | undefined = undefined;
  dcDate: XmlElement | undefined = undefined;
  atomAuthor: XmlElement | undefined = undefined;
  atomPublished: XmlElement | undefined = undefined;
  atomUpdated: XmlElement | undefined = undefined;
  encoded: XmlElement | undefined = undefined;

  constructor(item: XmlElement, rss: readonly string[]) {
    const children = item.children;
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      if (typeof child === "string") continue;
      const ns = child.ns;
      if (rss.includes(ns)) {
        switch (child.local) {
          case "guid":
            this.guid ??= child;
            break;
          case "link":
            this.link ??= child;
            break;
          case "description":
            this.description ??= child;
            break;
          case "title":
            this.title ??= child;
            break;
          case "pubdate":
            this.pubDate ??= child;
            break;
          case "author":
            this.author ??= child;
            break;
        }
      } else if (ns === NS.dc) {
        if (child.local === "title") this.dcTitle ??= child;
        else if (child.local === "creator") this.dcCreator ??= child;
        else if (child.local === "date") this.dcDate ??= child;
      } else if (ns === NS.atom) {
        if (child.local === "author") this.atomAuthor ??= child;
        else if (child.local === "published") this.atomPublished ??= child;
        else if (child.local === "updated") this.atomUpdated ??= child;
      } else if (ns === NS.content && child.local === "encoded") this.encoded ??= child;
    }
  }
}

/** Trimmed text of the element, undefined when absent or blank (childText's rule). */
function textOf(element: XmlElement | undefined): string | undefined {
  return element === undefined ? undefined : nonBlank(textContent(element));
}

function readItem(item: XmlElement, rss: readonly string[], home: string | undefined): FeedEntryDraft {
  const parts = new ItemParts(item, rss);
  const guidElement = parts.guid;
  const guid = textOf(guidElement);
  // RSS 2.0 <guid>: isPermaLink defaults to true, so a guid that is a URL may serve as the link.
  const guidIsLink = guid !== undefined && (guidElement?.attrs["isPermaLink"] ?? "true").trim().toLowerCase() !== "false";
  // RSS 1.0 §5.5: rdf:about is the item's URI, its identity.
  const about = nonBlank(item.attrs["rdf:about"]);
  const link =
    resolveLink(textOf(parts.link), item.base, home) ??
    resolveLink(atomLinkHref(item), item.base, home) ??
    // A permalink guid or rdf:about is a full URL by definition: a relative one is no link.
    (guidIsLink ? resolveLink(guid, undefined) : undefined) ??
    resolveLink(about, undefined);
  const description = textOf(parts.description);
  return {
    id: guid ?? about,
    title: textOf(parts.title) ?? textOf(parts.dcTitle) ?? "",
    link,
    author: textOf(parts.dcCreator) ?? textOf(parts.author) ?? personName(parts.atomAuthor, ATOM),
    // The first that reads as a date.
    published: parseFeedDate(textOf(parts.pubDate)) ?? parseFeedDate(textOf(parts.dcDate)) ?? parseFeedDate(textOf(parts.atomPublished)) ?? parseFeedDate(textOf(parts.atomUpdated)),
    // <description> is the summary (RSS 2.0: "the item synopsis"); content:encoded is the full
    // post, a good second choice.
    summaryHtml: description ?? textOf(parts.encoded) ?? "",
    categories: categoriesOf(item, rss),
    // RSS 2.0 <enclosure url length type>; podcasts and some publishers write several.
    media: readItemMedia(item, rssEnclosure, rss, link ?? home),
    complete: item.closed,
  };
}

/** The categories of every item that has none: toEntry copies an item's categories. */
const NO_CATEGORIES: readonly string[] = Object.freeze([]);

/** <category> elements, then dc:subject ones, distinct: in one walk over the item, no list when there are none. */
function categoriesOf(item: XmlElement, rss: readonly string[]): readonly string[] {
  let categories: string[] | undefined;
  let subjects: string[] | undefined;
  const children = item.children;
  for (let i = 0; i < children.length; i++) {
    const child = children[i]!;
    if (typeof child === "string") continue;
    if (child.local === "category" && rss.includes(child.ns)) (categories ??= []).push(textContent(child));
    else if (child.local === "subject" && child.ns === NS.dc) (subjects ??= []).push(textContent(child));
  }
  if (categories === undefined && subjects === undefined) return NO_CATEGORIES;
  return distinct(subjects === undefined ? categories! : categories === undefined ? subjects : [...categories, ...subjects]);
}

/** RSS 2.0 <enclosure url length type>. */
function rssEnclosure(child: XmlElement, base: string | undefined, rss: readonly string[]): MediaCandidate | undefined {
  return child.local === "enclosure" && rss.includes(child.ns) ? enclosureCandidate(child, "url", base) : undefined;
}

/** The href of an atom:link rel="alternate" (or without rel) inside an RSS element. */
function atomLinkHref(element: XmlElement): string | undefined {
  const links = childElements(element, "link", ATOM);
  const alternate = links.find((l) => (l.attrs["rel"] ?? "alternate").trim() === "alternate");
  return nonBlank(alternate?.attrs["href"]);
}

/**
 * Atom 1.0 (RFC 4287) and Atom 0.3 (draft-ietf-atompub-format-03, still served by old blogs)
 * documents to entries. Elements are matched in the root's own namespace, whatever prefix it was
 * bound to, so prefixed Atom (`<a:feed xmlns:a="http://www.w3.org/2005/Atom">`) reads the same.
 */
import type { FeedEntryDraft, FeedReadResult } from "./feed-entry.js";
import { childElement, childElements, textContent, type XmlElement } from "./xml-tree.js";
import { childText, DC, distinct, NONE, nonBlank, parseFeedDate, personName, resolveLink, textConstructHtml } from "./values.js";
import { enclosureCandidate, readItemMedia } from "./media.js";
import { readFeedHints } from "./feed-hints.js";
import type { MediaCandidate } from "../media.js";

/**
 * `root` is <feed>. `early` holds the entries an AtomEarlyReader has read already, while the
 * document was being parsed, without the feed's author (filled in here).
 */
export function readAtom(root: XmlElement, early?: ReadonlyMap<XmlElement, FeedEntryDraft>): FeedReadResult {
  const ns = [root.ns];
  const home = alternateLink(root, ns, undefined);
  // RFC 4287 §4.2.1: an entry without an author inherits the feed's.
  const feedAuthor = personName(childElement(root, "author", ns), ns);
  const titleElement = childElement(root, "title", ns);
  return {
    title: titleElement && nonBlank(textContent(titleElement)),
    link: home,
    items: childElements(root, "entry", ns).map((entry) => {
      const draft = early?.get(entry);
      if (draft === undefined) return readEntry(entry, ns, home, feedAuthor);
      return draft.author === undefined && feedAuthor !== undefined ? { ...draft, author: feedAuthor } : draft;
    }),
    hints: readFeedHints(root, NONE, ns),
  };
}

/**
 * Reads the entries of one Atom document as their end tags are parsed, when the result cannot
 * differ from reading them at the end, so that the caller may drop each entry's subtree (as
 * rss.ts does for items: a big feed's entries need not all be live at once). An entry takes two
 * things from outside itself: the feed's author, which the reader leaves out (readAtom fills it
 * in where the entry has none), and the feed's home page, the base of last resort for the
 * entry's relative links. The home page is settled once the feed has a link that alternateLink
 * would choose whatever follows: an alternate (the default rel) of an HTML type (the default
 * type) with an href, since the first of those wins. Until then, entries are left to readAtom.
 */
export class AtomEarlyReader {
  private readonly ns: readonly string[];
  /** root.children[0, scanned) have been looked at for a deciding link. */
  private scanned = 0;
  private settled = false;
  private home: string | undefined;

  constructor(private readonly root: XmlElement) {
    this.ns = [root.ns];
  }

  /** The entry's draft without the feed's author, or undefined when it must wait for readAtom. */
  read(entry: XmlElement, parent: XmlElement): FeedEntryDraft | undefined {
    if (parent !== this.root || entry.local !== "entry" || entry.ns !== this.root.ns) return undefined;
    if (!this.settled && !this.settle()) return undefined;
    return readEntry(entry, this.ns, this.home, undefined);
  }

  private settle(): boolean {
    // Only the children added since the last look: a feed without a deciding link must not cost
    // a walk over every entry so far at each entry.
    const children = this.root.children;
    for (; this.scanned < children.length; this.scanned++) {
      const child = children[this.scanned]!;
      if (typeof child === "string" || child.local !== "link" || child.ns !== this.root.ns || !child.closed) continue;
      if (nonBlank(child.attrs["href"]) !== undefined && isAlternate(child) && isHtmlType(child)) {
        this.settled = true;
        this.home = alternateLink(this.root, this.ns, undefined);
        return true;
      }
    }
    return false;
  }
}

function readEntry(entry: XmlElement, ns: readonly string[], home: string | undefined, feedAuthor: string | undefined): FeedEntryDraft {
  const title = childElement(entry, "title", ns);
  const summary = childElement(entry, "summary", ns);
  const content = childElement(entry, "content", ns);
  const summaryHtml = nonBlank(summary && textConstructHtml(summary)) ?? nonBlank(content && textConstructHtml(content)) ?? "";
  const link = alternateLink(entry, ns, home);
  return {
    // RFC 4287 §4.2.6: the id is compared as a string, never resolved or normalised.
    id: childText(entry, "id", ns),
    // Titles are text constructs too: "html" and "xhtml" titles stay markup, plain ones are
    // escaped, and the announcement's plain-text step reads all three the same way.
    title: title ? textConstructHtml(title).trim() : "",
    link,
    author: personName(childElement(entry, "author", ns), ns) ?? childText(entry, "creator", DC) ?? feedAuthor,
    // Atom 1.0: published, else updated. Atom 0.3: issued, modified, created.
    // The first that reads as a date; a later element is looked up only when needed.
    published:
      parseFeedDate(childText(entry, "published", ns)) ??
      parseFeedDate(childText(entry, "issued", ns)) ??
      parseFeedDate(childText(entry, "updated", ns)) ??
      parseFeedDate(childText(entry, "modified", ns)) ??
      parseFeedDate(childText(entry, "created", ns)) ??
      parseFeedDate(childText(entry, "date", DC)),
    summaryHtml,
    categories: distinct(childElements(entry, "category", ns).map((c) => c.attrs["term"] ?? c.attrs["label"] ?? textContent(c))),
    media: readItemMedia(entry, atomEnclosure, ns, link ?? home),
    complete: entry.closed,
  };
}

/**
 * RFC 4287 §4.2.7.2: rel="alternate" (the default when rel is absent) is the entry's web page;
 * among several, prefer text/html. Without any alternate, the first link with an href.
 */
function alternateLink(element: XmlElement, ns: readonly string[], fallbackBase: string | undefined): string | undefined {
  const links = childElements(element, "link", ns).filter((l) => nonBlank(l.attrs["href"]) !== undefined);
  const alternates = links.filter(isAlternate);
  const chosen = alternates.find(isHtmlType) ?? alternates[0] ?? links[0];
  return chosen && resolveLink(chosen.attrs["href"], chosen.base, fallbackBase);
}

function isAlternate(link: XmlElement): boolean {
  return (link.attrs["rel"] ?? "alternate").trim().toLowerCase() === "alternate";
}

function isHtmlType(link: XmlElement): boolean {
  return (link.attrs["type"] ?? "text/html").includes("html");
}

/** Atom's <link rel="enclosure" href length type>. */
function atomEnclosure(child: XmlElement, base: string | undefined, ns: readonly string[]): MediaCandidate | undefined {
  return child.local === "link" && ns.includes(child.ns) && isEnclosure(child) ? enclosureCandidate(child, "href", base) : undefined;
}

/** RFC 4287 §4.2.7.2: rel="enclosure", or the same relation written as its full IANA IRI. */
function isEnclosure(link: XmlElement): boolean {
  const rel = (link.attrs["rel"] ?? "").trim().toLowerCase();
  return rel === "enclosure" || rel === "http://www.iana.org/assignments/relation/enclosure";
}

/**
 * Atom 1.0 (RFC 4287) and Atom 0.3 (draft-ietf-atompub-format-03, still served by old blogs)
 * documents to entries. Elements are matched in the root's own namespace, whatever prefix it was
 * bound to, so prefixed Atom (`<a:feed xmlns:a="http://www.w3.org/2005/Atom">`) reads the same.
 */
import type { FeedEntryDraft, FeedReadResult } from "./feed-entry.js";
import { childElement, childElements, textContent, type XmlElement } from "./xml-tree.js";
import { childText, DC, distinct, firstDate, NONE, nonBlank, personName, resolveLink, textConstructHtml } from "./values.js";
import { enclosureCandidate, readItemMedia } from "./media.js";
import { readFeedHints } from "./feed-hints.js";

export function readAtom(root: XmlElement): FeedReadResult {
  const ns = [root.ns];
  const home = alternateLink(root, ns, undefined);
  // RFC 4287 §4.2.1: an entry without an author inherits the feed's.
  const feedAuthor = personName(childElement(root, "author", ns), ns);
  const titleElement = childElement(root, "title", ns);
  return {
    title: titleElement && nonBlank(textContent(titleElement)),
    link: home,
    items: childElements(root, "entry", ns).map((entry) => readEntry(entry, ns, home, feedAuthor)),
    hints: readFeedHints(root, NONE, ns),
  };
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
    published: firstDate(
      childText(entry, "published", ns),
      childText(entry, "issued", ns),
      childText(entry, "updated", ns),
      childText(entry, "modified", ns),
      childText(entry, "created", ns),
      childText(entry, "date", DC),
    ),
    summaryHtml,
    categories: distinct(childElements(entry, "category", ns).map((c) => c.attrs["term"] ?? c.attrs["label"] ?? textContent(c))),
    media: readItemMedia(entry, (child, base) => (child.local === "link" && ns.includes(child.ns) && isEnclosure(child) ? enclosureCandidate(child, "href", base) : undefined), link ?? home),
    complete: entry.closed,
  };
}

/**
 * RFC 4287 §4.2.7.2: rel="alternate" (the default when rel is absent) is the entry's web page;
 * among several, prefer text/html. Without any alternate, the first link with an href.
 */
function alternateLink(element: XmlElement, ns: readonly string[], fallbackBase: string | undefined): string | undefined {
  const links = childElements(element, "link", ns).filter((l) => nonBlank(l.attrs["href"]) !== undefined);
  const alternates = links.filter((l) => (l.attrs["rel"] ?? "alternate").trim().toLowerCase() === "alternate");
  const chosen = alternates.find((l) => (l.attrs["type"] ?? "text/html").includes("html")) ?? alternates[0] ?? links[0];
  return chosen && resolveLink(chosen.attrs["href"], chosen.base, fallbackBase);
}

/** RFC 4287 §4.2.7.2: rel="enclosure", or the same relation written as its full IANA IRI. */
function isEnclosure(link: XmlElement): boolean {
  const rel = (link.attrs["rel"] ?? "").trim().toLowerCase();
  return rel === "enclosure" || rel === "http://www.iana.org/assignments/relation/enclosure";
}

import { createHash } from "node:crypto";
import { xml, type Element } from "@xmpp/client";
import type { Entry } from "../sources/entry.js";
import { foldToOneLine, htmlToPlainText, removeForbiddenChars } from "../text/plain-text.js";
import { summarize, truncateAtWord } from "../text/summary.js";
import { cleanLine, UNTITLED } from "../text/title.js";
import { safeLink } from "../text/link.js";

export const NS_ATOM = "http://www.w3.org/2005/Atom";

/** The summary a reader sees in a list of posts (as long as a room's announcement allows). */
const SUMMARY_CHARS = 300;
/** The post's text in full, as plain text, up to this much: services limit an item's size (XEP-0060 §7.1.3.5). */
export const CONTENT_CHARS = 20_000;

export interface AtomEntryOptions {
  /** The feed's name or title: the author when the post names none (RFC 4287 §4.1.2 wants one). */
  readonly feedTitle: string;
  /** The atom:id when the post's own id is no IRI (RFC 4287 §4.2.6), e.g. the item's xmpp: URI. */
  readonly fallbackId: string;
  /** atom:updated: when this version of the post was made (a correction is newer than the post). */
  readonly updated: Date;
  /** Leave out atom:content (a service that found the item too big gets the summary alone). */
  readonly withoutContent?: boolean;
}

/**
 * The PubSub item id of a post: its stable identity, the same on every read, restart and
 * correction, so a republish replaces the item (XEP-0060 §7.1.2) instead of adding one. A digest
 * of feed name and entry key rather than the key itself: keys can be long URLs, and item ids of
 * one node must not collide across the feeds that fill it.
 */
export function itemIdOf(feed: string, entryKey: string): string {
  return createHash("sha256").update(`${feed}\u0000${entryKey}`).digest("hex").slice(0, 40);
}

/**
 * A post as an Atom entry (RFC 4287 §4.1.2), the payload XEP-0277 §3.1 and XEP-0472 §4.1 publish
 * so that social clients (Movim, Libervia) show it as a blog post: title, link, id, published,
 * updated, author, summary, content and categories where the post has them. Text is plain text
 * (type="text"): feeds' HTML is not passed on to readers' clients to sanitise.
 */
export function atomEntry(entry: Entry, options: AtomEntryOptions): Element {
  const text = (value: string) => removeForbiddenChars(value);
  const link = safeLink(entry.link);
  const author = entry.author === undefined ? "" : cleanLine(entry.author, 100);
  const plain = foldParagraphs(htmlToPlainText(entry.summaryHtml));
  const summary = summarize(entry.summaryHtml, SUMMARY_CHARS);
  const content = options.withoutContent || plain === "" || plain === summary ? undefined : truncateAtWord(plain, CONTENT_CHARS);
  return xml(
    "entry",
    { xmlns: NS_ATOM },
    xml("title", { type: "text" }, text(cleanLine(entry.title, 500) || UNTITLED)),
    link === undefined ? null : xml("link", { rel: "alternate", type: "text/html", href: link }),
    xml("id", {}, text(atomId(entry, options.fallbackId))),
    entry.published === undefined ? null : xml("published", {}, entry.published.toISOString()),
    xml("updated", {}, options.updated.toISOString()),
    xml("author", {}, xml("name", {}, text(author || cleanLine(options.feedTitle, 100) || "Herald"))),
    summary === "" ? null : xml("summary", { type: "text" }, text(summary)),
    content === undefined ? null : xml("content", { type: "text" }, text(content)),
    ...entry.categories.slice(0, 20).map((term) => xml("category", { term: text(cleanLine(term, 100)) })),
  );
}

/**
 * RFC 4287 §4.2.6: an entry's id is a permanent IRI. The feed's own id (an Atom id, an RSS guid)
 * when it is one, else the post's link, else the fallback (the item's xmpp: URI).
 */
function atomId(entry: Entry, fallback: string): string {
  const own = /^id:(.*)$/s.exec(entry.key)?.[1]?.trim();
  if (own !== undefined && /^[a-z][a-z0-9+.-]*:\S+$/i.test(own)) return own;
  return safeLink(entry.link) ?? fallback;
}

/** Paragraphs kept apart by one blank line; each paragraph on one line. */
function foldParagraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map(foldToOneLine)
    .filter((p) => p !== "")
    .join("\n\n");
}

/**
 * Media of an RSS item or Atom entry: the format's own enclosures (read by rss.ts and atom.ts),
 * Media RSS (https://www.rssboard.org/media-rss) and the iTunes podcast image, found in one walk
 * over the item's children so that "document order" means what it says.
 */
import { mediaLength, mediaRole, mediaType, settleMedia, type Media, type MediaCandidate } from "../media.js";
import { childElements, type XmlElement } from "./xml-tree.js";
import { resolveLink } from "./values.js";

/** Media RSS 1.5.1 names http://search.yahoo.com/mrss/; feeds in the wild drop the slash or write https. */
export const MEDIA_RSS_NAMESPACES: readonly string[] = ["http://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss", "https://search.yahoo.com/mrss/"];
/** Apple's podcast namespace, as published and as sometimes miswritten with https. */
export const ITUNES_NAMESPACES: readonly string[] = ["http://www.itunes.com/dtds/podcast-1.0.dtd", "https://www.itunes.com/dtds/podcast-1.0.dtd"];

/**
 * Reads one child of the item as the format's own enclosure, or says it is none. `namespaces`
 * are the format's own (passed through, so that a reader needs no closure per item).
 */
export type EnclosureReader = (element: XmlElement, fallbackBase: string | undefined, namespaces: readonly string[]) => MediaCandidate | undefined;

/** The media of every item that has none: never changed, and an entry only copies media it has. */
const NO_MEDIA: Media[] = [];

/**
 * The item's media. References resolve against the element's xml:base (the document's URL when
 * none is set), else `fallbackBase`: the item's link, else the feed's home page.
 */
export function readItemMedia(item: XmlElement, enclosure: EnclosureReader, namespaces: readonly string[], fallbackBase: string | undefined): Media[] {
  let found: MediaCandidate[] | undefined;
  const add = (candidate: MediaCandidate): void => {
    if (isAvatar(candidate.url)) return;
    if (found === undefined) found = [candidate];
    else found.push(candidate);
  };
  const children = item.children;
  for (let i = 0; i < children.length; i++) {
    const child = children[i]!;
    if (typeof child === "string") continue; // text between the elements
    const own = enclosure(child, fallbackBase, namespaces);
    if (own !== undefined) add(own);
    else if (MEDIA_RSS_NAMESPACES.includes(child.ns)) mediaRss(child, fallbackBase).forEach(add);
    else if (ITUNES_NAMESPACES.includes(child.ns) && child.local === "image") add(image(child, "href", fallbackBase));
  }
  // Most items have no media: no need to settle nothing.
  return found === undefined ? NO_MEDIA : settleMedia(found);
}

const GRAVATAR = /gravatar\.com/i;

/**
 * WordPress feeds (TechCrunch's among them) list each author's Gravatar as a media:content
 * image: a face, not the post's picture, and never worth showing with the post.
 */
function isAvatar(url: string | undefined): boolean {
  // Most URLs are no Gravatar: a substring test spares parsing each of them.
  if (url === undefined || !GRAVATAR.test(url)) return false;
  const { hostname, pathname } = new URL(url);
  return (hostname === "gravatar.com" || hostname.endsWith(".gravatar.com")) && pathname.startsWith("/avatar/");
}

/**
 * An enclosure as RSS 2.0 (`<enclosure url length type>`) and Atom (`<link rel="enclosure" href
 * length type>`, RFC 4287 §4.2.7.2) write it: a picture when its type or extension says so, else
 * an enclosure whatever its type (RSS allows any file).
 */
export function enclosureCandidate(element: XmlElement, urlAttribute: string, fallbackBase: string | undefined): MediaCandidate {
  const url = resolveLink(attribute(element, urlAttribute), element.base, fallbackBase);
  const type = mediaType(attribute(element, "type"));
  return { url, type, length: mediaLength(attribute(element, "length")), role: mediaRole({ type, url }) === "image" ? "image" : "enclosure" };
}

/** media:content, media:thumbnail and media:group; any other Media RSS element holds no medium. */
function mediaRss(element: XmlElement, fallbackBase: string | undefined): MediaCandidate[] {
  switch (element.local) {
    case "content": {
      const url = resolveLink(attribute(element, "url"), element.base, fallbackBase);
      const type = mediaType(attribute(element, "type"));
      const content = { url, type, length: mediaLength(attribute(element, "filesize")), role: mediaRole({ medium: attribute(element, "medium"), type, url }) };
      // Media RSS: the optional elements (media:thumbnail among them) may sit inside media:content.
      return element.children.length === 0 ? [content] : [content, ...thumbnailsIn(element, fallbackBase)];
    }
    case "thumbnail":
      return [image(element, "url", fallbackBase)];
    case "group": {
      // Media RSS: a group holds representations of the same thing; isDefault marks the one to use.
      const contents = childElements(element, "content", MEDIA_RSS_NAMESPACES);
      const isDefault = (c: XmlElement): boolean => attribute(c, "isdefault")?.trim().toLowerCase() === "true";
      const ordered = [...contents.filter(isDefault), ...contents.filter((c) => !isDefault(c))];
      return [...ordered.flatMap((c) => mediaRss(c, fallbackBase)), ...thumbnailsIn(element, fallbackBase)];
    }
    default:
      return [];
  }
}

function thumbnailsIn(element: XmlElement, fallbackBase: string | undefined): MediaCandidate[] {
  return childElements(element, "thumbnail", MEDIA_RSS_NAMESPACES).map((t) => image(t, "url", fallbackBase));
}

function image(element: XmlElement, urlAttribute: string, fallbackBase: string | undefined): MediaCandidate {
  const url = resolveLink(attribute(element, urlAttribute), element.base, fallbackBase);
  return { url, type: undefined, length: undefined, role: "image" };
}

/** An attribute by name, matched without regard to case: feeds write fileSize, filesize and URL. */
function attribute(element: XmlElement, name: string): string | undefined {
  const exact = element.attrs[name];
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  const key = Object.keys(element.attrs).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : element.attrs[key];
}

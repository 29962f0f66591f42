/**
 * OPML 2.0 (http://opml.org/spec2.opml), the feed list format every feed reader imports and
 * exports: subscriptions are <outline type="rss" xmlUrl=…/>, possibly nested in folders.
 */
import { childElements, parseXml, type XmlElement } from "../sources/feeds/xml-tree.js";
import { httpUrl } from "../util/url.js";

export interface OpmlFeed {
  readonly title: string | undefined;
  readonly xmlUrl: string;
  readonly htmlUrl: string | undefined;
}

export interface OpmlRead {
  readonly feeds: readonly OpmlFeed[];
  /** One line per outline that could not be used, saying why. */
  readonly skipped: readonly string[];
}

/** Reads every outline with an xmlUrl, at any depth. Throws when the text is not OPML at all. */
export function parseOpml(text: string): OpmlRead {
  const root = parseXml(text, undefined).roots[0];
  if (!root || root.local !== "opml") throw new Error(`not an OPML file: the root element is ${root ? `<${root.qname}>` : "missing"}; expected <opml>`);
  const body = childElements(root, "body")[0];
  if (!body) throw new Error("not an OPML file: it has no <body>");
  const feeds: OpmlFeed[] = [];
  const skipped: string[] = [];
  const walk = (outline: XmlElement): void => {
    const attr = (name: string) => outline.attrs[name] ?? outline.attrs[name.toLowerCase()];
    const xmlUrl = attr("xmlUrl");
    const label = attr("title") ?? attr("text");
    if (xmlUrl !== undefined) {
      const url = httpUrl(xmlUrl.trim());
      if (url) feeds.push({ title: label?.trim() || undefined, xmlUrl: url, htmlUrl: httpUrl(attr("htmlUrl")?.trim() ?? "") });
      else skipped.push(`${label ?? xmlUrl}: "${xmlUrl.slice(0, 80)}" is not an http(s) URL`);
    }
    childElements(outline, "outline").forEach(walk);
  };
  childElements(body, "outline").forEach(walk);
  return { feeds, skipped };
}

export function buildOpml(title: string, feeds: readonly { name: string; title?: string | undefined; url: string }[], now: Date): string {
  const outlines = feeds.map((f) => `    <outline type="rss" text="${attr(f.title ?? f.name)}" title="${attr(f.title ?? f.name)}" xmlUrl="${attr(f.url)}" herald:name="${attr(f.name)}"/>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<opml version="2.0" xmlns:herald="urn:x-herald:opml">',
    "  <head>",
    `    <title>${attr(title)}</title>`,
    `    <dateCreated>${now.toUTCString()}</dateCreated>`,
    "  </head>",
    "  <body>",
    ...outlines,
    "  </body>",
    "</opml>",
    "",
  ].join("\n");
}

/** A feed name (as config and commands use) from an outline's title, unique among `taken`. */
export function feedName(title: string | undefined, url: string, taken: ReadonlySet<string>): string {
  const base =
    (title ?? new URL(url).hostname)
      .normalize("NFKD")
      .replace(/\p{M}/gu, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 28) || "feed";
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

function attr(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;").replace(/\n/g, "&#10;");
}

/**
 * Small readers shared by the RSS and Atom mappings: namespaces, dates, links, text constructs.
 */
import { childElement, escapeText, innerXml, textContent, type XmlElement } from "./xml-tree.js";
import { httpUrl } from "../../util/url.js";

export const NS = {
  atom: "http://www.w3.org/2005/Atom",
  atom03: "http://purl.org/atom/ns#",
  rss1: "http://purl.org/rss/1.0/",
  rss090: "http://my.netscape.com/rdf/simple/0.9/",
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  dc: "http://purl.org/dc/elements/1.1/",
  content: "http://purl.org/rss/1.0/modules/content/",
  xhtml: "http://www.w3.org/1999/xhtml",
  /** RSS 1.0 syndication module: <sy:updatePeriod>, <sy:updateFrequency>. */
  sy: "http://purl.org/rss/1.0/modules/syndication/",
} as const;

/**
 * One-namespace lists for the lookups (childText(item, "creator", DC)): made once, not an array
 * literal per lookup per item.
 */
export const DC: readonly string[] = [NS.dc];
export const ATOM: readonly string[] = [NS.atom];
export const SY: readonly string[] = [NS.sy];
export const NONE: readonly string[] = [];

/** Namespaces that only ever hold extension elements: never mistaken for RSS's own elements. */
export const EXTENSION_NAMESPACES: ReadonlySet<string> = new Set([NS.atom, NS.atom03, NS.rdf, NS.dc, NS.content, NS.xhtml]);

/** Trimmed text of the first matching child, or undefined when absent or blank. */
export function childText(parent: XmlElement, local: string, namespaces: readonly string[]): string | undefined {
  const child = childElement(parent, local, namespaces);
  return child === undefined ? undefined : nonBlank(textContent(child));
}

export function nonBlank(text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

/**
 * An Atom text construct (RFC 4287 §3.1) as HTML: type="html" is HTML already, type="xhtml" is
 * the markup inside its wrapping div, anything else is text and is escaped so that the later
 * HTML-to-text step shows it literally. Atom 0.3 uses mode="escaped" | "xml" | "base64"
 * (draft-ietf-atompub-format-03 §3.1.2); base64 content is not worth decoding for a summary.
 */
export function textConstructHtml(element: XmlElement): string {
  const type = (element.attrs["type"] ?? "text").trim().toLowerCase();
  const mode = (element.attrs["mode"] ?? "").trim().toLowerCase();
  if (mode === "base64") return "";
  if (type === "xhtml" || mode === "xml" || type === "application/xhtml+xml") {
    // RFC 4287 §3.1.1.3: the content is a single xhtml:div whose children are the markup.
    const div = element.children.find((c): c is XmlElement => typeof c !== "string" && c.local === "div");
    return innerXml(div ?? element);
  }
  if (type === "html" || type === "text/html" || mode === "escaped") return textContent(element);
  return escapeText(textContent(element));
}

/**
 * An absolute http(s) URL for `reference`, resolved against the element's base (xml:base chain
 * rooted at the document's URL, RFC 3986 §5.1), else against `fallbackBase` (the feed's own
 * home page): a feed read from a file has a file: base, which would make every relative link
 * useless. Other schemes (javascript:, data:, mailto:) give undefined: they are never announced.
 */
export function resolveLink(reference: string | undefined, base: string | undefined, fallbackBase?: string): string | undefined {
  const ref = nonBlank(reference);
  if (ref === undefined) return undefined;
  // Most links are absolute already, and a reference with a scheme takes nothing from its base
  // (RFC 3986 §5.2.2): parsing the base too would double the cost of the commonest case.
  if (ABSOLUTE_HTTP.test(ref)) return isSerializedHttpUrl(ref) ? ref : httpUrl(ref);
  return httpUrl(ref, base) ?? (fallbackBase === undefined ? undefined : httpUrl(ref, fallbackBase));
}

const ABSOLUTE_HTTP = /^https?:\/\//i;

/**
 * An absolute http(s) URL that the URL parser would give back unchanged (WHATWG URL §4.5, its
 * serializer): most links in feeds are, and parsing them all is a tenth of reading a feed. Narrow
 * on purpose; anything else goes through the parser. A lower-case scheme; a host of lower-case
 * ASCII letters, digits and inner hyphens in dot-separated labels, the last one starting with a
 * letter (so that it is no IPv4 address, §3.5 "ends in a number"), no "xn--" label (punycode is
 * checked and may fail), no port (a default one is dropped), no userinfo; then a "/" (a bare host
 * gets one) and only characters that no percent-encode set of §1.3 encodes: no space or control,
 * no quote or apostrophe (encoded in a special URL's query), no backslash (read as "/"), no < > ^ `
 * { } |, no "#" inside the fragment. Finally no "/." and no "%2e" anywhere, so no dot segment
 * that the parser would remove (§4.4 path state).
 */
export function isSerializedHttpUrl(ref: string): boolean {
  return SERIALIZED_HTTP.test(ref) && !DOT_SEGMENT.test(ref) && !PUNYCODE.test(ref);
}

const LABEL = "[a-z0-9](?:[a-z0-9-]*[a-z0-9])?";
const URL_CHARS = "A-Za-z0-9\\-._~!$&()*+,;=:@%/";
const SERIALIZED_HTTP = new RegExp(`^https?://(?:${LABEL}\\.)*[a-z](?:[a-z0-9-]*[a-z0-9])?/[${URL_CHARS}]*(?:\\?[${URL_CHARS}?]*)?(?:#[${URL_CHARS}?]*)?$`);
const DOT_SEGMENT = /\/\.|%2e/i;
const PUNYCODE = /^https?:\/\/(?:[^/]*\.)?xn--/;

/**
 * Month and weekday names seen in real feeds in other languages (RFC 822 §5.1 wants English).
 * Only abbreviations that differ from English are listed.
 */
const MONTHS: Record<string, string> = {
  jan: "Jan", ene: "Jan", gen: "Jan", janv: "Jan", fev: "Feb", fév: "Feb", févr: "Feb", feb: "Feb",
  mar: "Mar", mär: "Mar", mrz: "Mar", mars: "Mar", abr: "Apr", avr: "Apr", apr: "Apr", mai: "May",
  may: "May", mag: "May", jun: "Jun", juin: "Jun", giu: "Jun", jul: "Jul", juil: "Jul", lug: "Jul",
  ago: "Aug", aoû: "Aug", aug: "Aug", set: "Sep", sep: "Sep", sept: "Sep", out: "Oct", okt: "Oct",
  ott: "Oct", oct: "Oct", nov: "Nov", dez: "Dec", dic: "Dec", déc: "Dec", dec: "Dec",
};

/**
 * A feed date: RFC 822/1123 (RSS 2.0), RFC 3339 / W3C-DTF (Atom, dc:date), or bare epoch seconds
 * (seen in dc:date). Undefined when nothing sensible can be read.
 */
export function parseFeedDate(text: string | undefined): Date | undefined {
  const raw = nonBlank(text);
  if (raw === undefined) return undefined;
  if (/^\d{9,11}$/.test(raw)) return validDate(new Date(Number(raw) * 1000));
  // Other bare numbers ("2", "2017") would be read by Date as odd local dates: no date at all.
  if (/^\d+$/.test(raw)) return undefined;
  // RFC 3339 requires an offset; one that lacks it is read as UTC, not as the server's local time.
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/.test(raw)) return validDate(new Date(`${raw.replace(" ", "T")}Z`));
  const direct = validDate(new Date(raw));
  if (direct !== undefined) return direct;
  // "Seg, 24 Set 2018 10:00:00 -0300": drop the weekday, translate the month, try again.
  const english = raw
    .replace(/^\p{L}+\.?,?\s+/u, "")
    .replace(/(\d)\s+(\p{L}+)\.?\s+(\d)/u, (_m, a: string, month: string, b: string) => `${a} ${MONTHS[month.toLowerCase()] ?? month} ${b}`);
  return validDate(new Date(english));
}

function validDate(date: Date): Date | undefined {
  const time = date.getTime();
  return Number.isNaN(time) ? undefined : date;
}

/** An Atom person construct's name (RFC 4287 §3.2), also used for RSS items' atom:author. */
export function personName(element: XmlElement | undefined, namespaces: readonly string[]): string | undefined {
  if (element === undefined) return undefined;
  return childText(element, "name", namespaces) ?? nonBlank(textContent(element));
}

/** Distinct, non-blank values in first-seen order. */
export function distinct(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.map((v) => nonBlank(v)).filter((v): v is string => v !== undefined))];
}

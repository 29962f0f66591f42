/**
 * Links of Markdown posts: a template like "https://xmpp.org/{year}/{month}/{slug}/" filled from
 * the post's date (in the feed's time zone) and slug; a front-matter `url` wins over it.
 */
import { httpUrl } from "../../util/url.js";
export const LINK_PLACEHOLDERS = ["year", "month", "day", "slug"] as const;
type Placeholder = (typeof LINK_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** What is wrong with a link template, as "<problem>; expected <what>", or undefined. */
export function linkTemplateProblem(template: string): string | undefined {
  const expected = `expected an http(s) URL using ${LINK_PLACEHOLDERS.map((p) => `{${p}}`).join(" ")}`;
  const unknown = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!).find((name) => !(LINK_PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown !== undefined) return `has an unknown placeholder {${unknown}}; ${expected}`;
  const sample = fill(template, { year: "2017", month: "01", day: "27", slug: "post" });
  let url: URL;
  try {
    url = new URL(sample);
  } catch {
    return `"${template}" is not an absolute URL; ${expected}, e.g. https://blog.example.org/{year}/{month}/{slug}/`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `has scheme "${url.protocol}"; ${expected}`;
  return undefined;
}

export interface LinkInput {
  /** Front-matter `url`: absolute, or relative to the site (the template's origin). */
  readonly url: string | undefined;
  readonly slug: string;
  readonly published: Date | undefined;
}

/** The post's absolute http(s) link, or undefined when neither `url` nor the template can give one. */
export function postLink(input: LinkInput, template: string | undefined, timeZone: string): string | undefined {
  const site = template === undefined ? undefined : siteOf(template);
  if (input.url !== undefined && input.url.trim() !== "") {
    const fromUrl = httpUrl(input.url.trim(), site);
    if (fromUrl !== undefined) return fromUrl;
  }
  if (template === undefined) return undefined;
  const usesDate = /\{(?:year|month|day)\}/.test(template);
  if (usesDate && input.published === undefined) return undefined;
  const parts = input.published === undefined ? { year: "", month: "", day: "" } : dateParts(input.published, timeZone);
  // Each path segment keeps its slashes: a slug "2020/06/newsletter" is three segments.
  const slug = input.slug.split("/").map(encodeURIComponent).join("/");
  return httpUrl(fill(template, { ...parts, slug }), undefined);
}

function fill(template: string, values: Record<Placeholder, string>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (name in values ? values[name as Placeholder] : whole));
}

function siteOf(template: string): string | undefined {
  try {
    return new URL(fill(template, { year: "2000", month: "01", day: "01", slug: "x" })).origin + "/";
  } catch {
    return undefined;
  }
}


const partFormatters = new Map<string, Intl.DateTimeFormat>();

/** Year, month and day of `date` on the calendar of `timeZone`, zero-padded. */
function dateParts(date: Date, timeZone: string): { year: string; month: string; day: string } {
  let formatter = partFormatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    partFormatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? "";
  return { year: get("year"), month: get("month"), day: get("day") };
}

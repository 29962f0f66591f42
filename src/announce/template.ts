/**
 * Per-room announcement templates: plain text with placeholders such as "{title}" and "{link}".
 * Validated when set, so a typo is refused with the list of valid names instead of showing up
 * literally in every later announcement.
 */
import type { Entry } from "../sources/entry.js";
import { removeForbiddenChars } from "../text/plain-text.js";
import { DEFAULT_SUMMARY_CHARS, summarize } from "../text/summary.js";
import { guardBlockStart, MAX_AUTHOR_CHARS } from "./format.js";
import { safeLink } from "../text/link.js";
import { cleanLine, MAX_TITLE_CHARS, UNTITLED } from "../text/title.js";

export const PLACEHOLDERS = ["title", "link", "summary", "author", "date", "feed", "categories"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** Longest template accepted, in characters; an announcement is a chat line, not a page. */
export const MAX_TEMPLATE_CHARS = 1000;

export type TemplateCheck = { readonly ok: true; readonly template: string } | { readonly ok: false; readonly error: string };

/**
 * Checks a template as an admin typed it. "\n" (backslash n) stands for a line break, since a
 * chat command is one line. Returns the template to store, or a one-line reason.
 */
export function checkTemplate(input: string): TemplateCheck {
  const template = removeForbiddenChars(input.replace(/\\n/g, "\n")).trim();
  if (template === "") return { ok: false, error: "the template is empty" };
  if (template.length > MAX_TEMPLATE_CHARS) return { ok: false, error: `the template is longer than ${MAX_TEMPLATE_CHARS} characters` };
  const unknown = [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!).filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    return { ok: false, error: `unknown placeholder {${unknown[0]}}; expected any of ${PLACEHOLDERS.map((p) => `{${p}}`).join(" ")}` };
  }
  if (!/\{(title|link)\}/.test(template)) return { ok: false, error: "the template must contain {title} or {link}, or nobody can tell which post it is" };
  return { ok: true, template };
}

export interface RenderContext {
  readonly feed: string;
  readonly summaryChars?: number;
}

/** Fills a checked template. Every value is plain text on one line; unknown values are empty. */
export function renderTemplate(template: string, entry: Entry, context: RenderContext): string {
  const values: Record<Placeholder, () => string> = {
    title: () => cleanLine(entry.title, MAX_TITLE_CHARS) || UNTITLED,
    // The same check as the default format: only an http(s) URL, whitespace and controls encoded.
    link: () => safeLink(entry.link) ?? "",
    summary: () => summarize(entry.summaryHtml, context.summaryChars ?? DEFAULT_SUMMARY_CHARS),
    author: () => cleanLine(entry.author ?? "", MAX_AUTHOR_CHARS),
    date: () => entry.published?.toISOString().slice(0, 10) ?? "",
    feed: () => context.feed,
    categories: () => entry.categories.map((c) => cleanLine(c, 50)).join(", "),
  };
  const text = template.replace(/\{(title|link|summary|author|date|feed|categories)\}/g, (_m, name: Placeholder) => guardBlockStart(values[name]()));
  // Lines left empty by missing values are dropped.
  return removeForbiddenChars(text)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .join("\n");
}

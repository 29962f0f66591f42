/**
 * The part of a Markdown post its announcement summarises, still as Markdown/HTML:
 *   1. the front matter's `summary` (Hugo, Pelican);
 *   2. else the text before an excerpt marker: Hugo's `<!--more-->` (gohugo.io, "Content
 *      summaries"), or between Pelican's summary-plugin markers `<!-- PELICAN_BEGIN_SUMMARY -->`
 *      and `<!-- PELICAN_END_SUMMARY -->` (either may be left out);
 *   3. else the first real paragraph: not a heading, list, table, quote, code block, picture,
 *      shortcode or embed, but prose. When it is only a greeting ("Hi all,"), the following
 *      paragraphs join it until there is a lead's worth of text.
 * (Current Hugo lets the marker win over the front matter; the issue that specified Herald's
 * rule puts the author's explicit summary first, and the XSF blog has no markers.)
 */
import { htmlToPlainText } from "../../text/plain-text.js";
import { LEAD_CHARS } from "../../text/summary.js";
import type { FrontMatterValue } from "./front-matter.js";

const MORE = /<!--\s*more\s*-->/i;
const PELICAN_BEGIN = /<!--\s*PELICAN_BEGIN_SUMMARY\s*-->/;
const PELICAN_END = /<!--\s*PELICAN_END_SUMMARY\s*-->/;

export function postExcerpt(summary: FrontMatterValue | undefined, body: string): string {
  if (typeof summary === "string" && summary.trim() !== "") return summary.trim();
  return markedExcerpt(body) ?? leadParagraphs(body);
}

function markedExcerpt(body: string): string | undefined {
  const more = MORE.exec(body);
  if (more !== null) return body.slice(0, more.index).trim() || undefined;
  const begin = PELICAN_BEGIN.exec(body);
  const end = PELICAN_END.exec(body);
  if (begin === null && end === null) return undefined;
  const from = begin === null ? 0 : begin.index + begin[0].length;
  const to = end === null || end.index < from ? body.length : end.index;
  return body.slice(from, to).trim() || undefined;
}

function leadParagraphs(body: string): string {
  const chosen: string[] = [];
  let length = 0;
  for (const block of blocks(body)) {
    if (!isProse(block)) continue;
    const text = htmlToPlainText(block);
    if (text === "") continue;
    chosen.push(block);
    length += text.length;
    if (length >= LEAD_CHARS) break;
  }
  return chosen.join("\n\n");
}

/** Blocks separated by blank lines; a fenced code block is one block even with blank lines inside. */
function blocks(body: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let fence: string | undefined;
  const flush = (): void => {
    if (current.length > 0) out.push(current.join("\n"));
    current = [];
  };
  for (const line of body.replace(/\r\n?/g, "\n").split("\n")) {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker !== undefined) {
      flush();
      fence = marker;
      current.push(line);
    } else if (fence !== undefined) {
      current.push(line);
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) {
        fence = undefined;
        flush();
      }
    } else if (line.trim() === "") {
      flush();
    } else {
      current.push(line);
    }
  }
  flush();
  return out;
}

/** Prose, as opposed to structure (CommonMark block kinds) or markup that renders no text. */
function isProse(block: string): boolean {
  const first = block.trimStart();
  if (/^(?:`{3,}|~{3,})/.test(first)) return false; // code block
  if (/^(?:#{1,6}\s|#{2,6}[^#\s])/.test(first)) return false; // ATX heading; Python-Markdown's "##19th" too
  if (/^.+\n\s{0,3}(?:=+|-+)\s*$/.test(block)) return false; // setext heading
  if (/^(?:>|\||[*+-]\s|\d{1,9}[.)]\s)/.test(first)) return false; // quote, table, list
  if (/^(?:[-*_]\s*){3,}$/.test(first)) return false; // thematic break
  if (/^<(?:blockquote|table|figure|div|iframe|script|form|pre|h[1-6])\b/i.test(first)) return false; // HTML blocks
  return true;
}

/**
 * The default announcement of an entry: plain text with XEP-0393 (Message Styling) markup.
 *
 *   *Title* — Author
 *   Summary of the post, on one line…
 *   https://example.org/post
 *
 * Each part is one line; lines with nothing to say are left out.
 */
import type { Entry } from "../sources/entry.js";
import { DEFAULT_SUMMARY_CHARS, summarize } from "../text/summary.js";
import { cleanLine, cleanTitle } from "../text/title.js";
import { safeLink } from "../text/link.js";

export const MAX_AUTHOR_CHARS = 100;

export interface AnnouncementOptions {
  /** Summary length budget in characters; 0 leaves the summary out. Default 300. */
  readonly summaryChars?: number;
}

export function formatAnnouncement(entry: Entry, options: AnnouncementOptions = {}): string {
  const author = cleanLine(entry.author ?? "", MAX_AUTHOR_CHARS);
  const title = `*${cleanTitle(entry.title)}*`;
  const lines = [author === "" ? title : `${title} — ${author}`];
  const summary = summarize(entry.summaryHtml, options.summaryChars ?? DEFAULT_SUMMARY_CHARS);
  if (summary !== "") lines.push(guardBlockStart(summary));
  const link = safeLink(entry.link);
  if (link !== undefined) lines.push(link);
  return lines.join("\n");
}

/**
 * XEP-0393 §6.1.3: a line starting with ">" is a quotation; §6.1.2: a line starting with "```"
 * opens a preformatted block that runs to the end of the message and would swallow the link.
 * The summary is prose, so its first character is swapped for the fullwidth look-alike
 * (U+FF1E "＞", U+FF40 "｀"), which no client parses as a directive. Visible and unambiguous,
 * unlike a zero-width prefix that clients may strip.
 */
export function guardBlockStart(line: string): string {
  if (line.startsWith(">")) return `\uFF1E${line.slice(1)}`;
  if (line.startsWith("```")) return `\uFF40${line.slice(1)}`;
  return line;
}

import { foldToOneLine, htmlToPlainText } from "./plain-text.js";
import { truncateAtWord } from "./summary.js";

export const MAX_TITLE_CHARS = 200;
export const UNTITLED = "(untitled)";

/**
 * One line of plain text from a title or an author name, at most `maxChars` long, cut at a word.
 * Titles and names are not Markdown: "# of users" is not a heading.
 */
export function cleanLine(html: string, maxChars = Infinity): string {
  return truncateAtWord(foldToOneLine(htmlToPlainText(html, { markdown: false })), maxChars);
}

/**
 * A post's title as it goes inside XEP-0393 bold: one clean line, never empty. XEP-0393 §6.2
 * ends a span at the first "*" not preceded by whitespace, so any "*" inside the title (after
 * cleaning: "&#42;" is one too) becomes U+2217 ASTERISK OPERATOR, which looks the same and styles
 * nothing.
 */
export function cleanTitle(html: string, maxChars = MAX_TITLE_CHARS): string {
  return cleanLine(html, maxChars).replace(/\*/g, "\u2217") || UNTITLED;
}

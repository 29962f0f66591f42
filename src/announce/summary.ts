/**
 * One-line summaries of a post, cut to a length budget without cutting words.
 * Lengths are JavaScript string lengths (UTF-16 code units); a surrogate pair is never split.
 */
import { foldToOneLine, htmlToPlainText } from "./plain-text.js";

export const ELLIPSIS = "…";
export const DEFAULT_SUMMARY_CHARS = 300;

/**
 * Ellipsis rule: whenever text was cut, the result ends with "…", so a reader can always tell a
 * shortened summary from a complete one. After a whole sentence it is set off by a space and the
 * sentence keeps its punctuation ("…ends here. …"); after a word it is attached, replacing a
 * trailing comma, colon, dash or full stop ("…the last whole word…").
 */
const AFTER_SENTENCE = ` ${ELLIPSIS}`;

/**
 * A sentence cut is preferred only while it keeps at least this share of the budget; otherwise
 * "Hi. …" would win over 290 characters of a long first sentence.
 */
const MIN_SENTENCE_SHARE = 0.5;

/**
 * ".", "!" or "?" (maybe followed by closing quotes or brackets), then a space. Not the last dot
 * of "...": a trailing-off is no sentence end, and "Wait... …" would read badly.
 */
const SENTENCE_END = /(?<![.…])[.!?]["'”’»)\]]*(?= )/g;

/** Punctuation that reads badly right before an ellipsis ("word,…", "word.…", "word...…"). */
const TRAILING_PUNCTUATION = /[\s,;:.…\-–—]+$/;

/**
 * The plain text of `html` on one line, at most `maxChars` long including the ellipsis.
 * Cut at the last sentence end that fits, else at the last word boundary; a single word longer
 * than the budget is the only thing ever cut in the middle. `maxChars` 0 (or less) means no summary.
 */
export function summarize(html: string, maxChars: number = DEFAULT_SUMMARY_CHARS): string {
  const limit = toLimit(maxChars);
  if (limit === 0) return "";
  const text = foldToOneLine(htmlToPlainText(html));
  if (text.length <= limit) return text;
  return cutAtSentence(text, limit) ?? cutAtWord(text, limit);
}

/** `text` (one line) cut at a word boundary to at most `maxChars` including the ellipsis. */
export function truncateAtWord(text: string, maxChars: number): string {
  const limit = toLimit(maxChars);
  if (limit === 0) return "";
  return text.length <= limit ? text : cutAtWord(text, limit);
}

function toLimit(maxChars: number): number {
  // NaN and negatives mean "nothing"; Infinity means "no limit".
  return maxChars > 0 ? Math.floor(maxChars) : 0;
}

function cutAtSentence(text: string, limit: number): string | undefined {
  const budget = limit - AFTER_SENTENCE.length;
  if (budget <= 0) return undefined;
  // The space after the sentence may sit at index `budget`, so look one character further.
  let end = 0;
  for (const match of text.slice(0, budget + 1).matchAll(SENTENCE_END)) {
    end = match.index + match[0].length;
  }
  if (end === 0 || end < budget * MIN_SENTENCE_SHARE) return undefined;
  return text.slice(0, end) + AFTER_SENTENCE;
}

function cutAtWord(text: string, limit: number): string {
  const budget = limit - ELLIPSIS.length;
  // A space at index `budget` still lets text[0, budget) be kept whole.
  const space = text.lastIndexOf(" ", budget);
  const kept = space > 0 ? text.slice(0, space) : hardCut(text, budget);
  return kept.replace(TRAILING_PUNCTUATION, "") + ELLIPSIS;
}

/** The first `length` code units, one fewer if that would split a surrogate pair. */
function hardCut(text: string, length: number): string {
  if (length <= 0) return "";
  const last = text.charCodeAt(length - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? length - 1 : length);
}

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
 * The lead: a summary in a chat room is read at a glance, like a news lede, so it stops at the
 * first sentence end after this many characters even when more would fit the budget. One long
 * sentence is a lead on its own ("This year, the XSF again gathered … in Brussels, Belgium."), a
 * run of short ones ("Hi! Big news.") continues until it says something. With small budgets the
 * lead shrinks with them (LEAD_SHARE of the budget).
 */
export const LEAD_CHARS = 120;
const LEAD_SHARE = 0.6;

/**
 * When the text has to be cut and no lead fits, a sentence cut is preferred only while it keeps
 * at least this share of the budget; otherwise "Hi. …" would win over 290 characters of a long
 * first sentence.
 */
const MIN_SENTENCE_SHARE = 0.5;

/**
 * ".", "!" or "?" (maybe followed by closing quotes or brackets), then a space and no lower-case
 * letter. Not the last dot of "...": a trailing-off is no sentence end, and "Wait... …" would read
 * badly. Not after a one-letter initial ("J. R. R.") or a common abbreviation ("e.g. Prosody").
 */
const SENTENCE_END =
  /(?<![.…])(?<!(?:^|[\s(])(?:\p{L}|e\.g|i\.e|vs|cf|approx|ca|Dr|Mr|Mrs|Ms|Fig|Vol|Jr|Sr))[.!?]["'”’»)\]]*(?= +[^\s\p{Ll}])/gu;

/** Punctuation that reads badly right before an ellipsis ("word,…", "word.…", "word...…"). */
const TRAILING_PUNCTUATION = /[\s,;:.…\-–—]+$/;

/**
 * A paragraph this short without closing punctuation, followed by more text, is a heading (the
 * post's title repeated, "Release notes") rather than the start of the prose.
 */
const MAX_HEADING_CHARS = 100;
const ENDS_LIKE_PROSE = /[.!?…:;,"'”’»)\]]$/;

/**
 * The plain text of `html` on one line, at most `maxChars` long including the ellipsis: the lead
 * (see LEAD_CHARS) when the text has one, else everything that fits, cut at the last sentence end
 * that fits, else at the last word boundary; a single word longer than the budget is the only
 * thing ever cut in the middle. Leading headings are skipped. `maxChars` 0 (or less) means no
 * summary.
 */
export function summarize(html: string, maxChars: number = DEFAULT_SUMMARY_CHARS): string {
  const limit = toLimit(maxChars);
  if (limit === 0) return "";
  const text = foldToOneLine(withoutLeadingHeadings(htmlToPlainText(html)));
  const lead = cutAtLead(text, limit);
  if (lead !== undefined) return lead;
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

/** Paragraphs ("\n\n"-separated plain text) after any leading heading-like ones. */
function withoutLeadingHeadings(text: string): string {
  const paragraphs = text.split(/\n{2,}/);
  let first = 0;
  while (first < paragraphs.length - 1 && isHeadingLike(paragraphs[first]!)) first++;
  return paragraphs.slice(first).join("\n\n");
}

function isHeadingLike(paragraph: string): boolean {
  const line = foldToOneLine(paragraph);
  return line.length <= MAX_HEADING_CHARS && !ENDS_LIKE_PROSE.test(line);
}

/** Indexes just after each sentence end in `text` (one line). */
function sentenceEnds(text: string): number[] {
  return [...text.matchAll(SENTENCE_END)].map((match) => match.index + match[0].length);
}

function cutAtLead(text: string, limit: number): string | undefined {
  const minimum = Math.min(LEAD_CHARS, Math.floor(limit * LEAD_SHARE));
  for (const end of sentenceEnds(text)) {
    if (end + AFTER_SENTENCE.length > limit) return undefined;
    if (end >= minimum) return text.slice(0, end) + AFTER_SENTENCE;
  }
  return undefined;
}

function cutAtSentence(text: string, limit: number): string | undefined {
  const budget = limit - AFTER_SENTENCE.length;
  if (budget <= 0) return undefined;
  // The space after the sentence may sit at index `budget`, so look one character further.
  const end = sentenceEnds(text.slice(0, budget + 2)).filter((e) => e <= budget).pop() ?? 0;
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

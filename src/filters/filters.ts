/**
 * Room filters (issue 13): which posts a room announces. A room may list `include` terms (announce
 * only posts that match one of them) and `exclude` terms (never posts that match one of them; exclude
 * wins). Pure: parsing a term, matching an entry, describing a filter in one line.
 *
 * A term is a word or phrase, matched as a whole word without regard to case ("omemo" matches
 * "OMEMO's" and "(OMEMO)" but not "Nomemory"), or a regular expression written /…/flags.
 */
import type { Entry } from "../sources/entry.js";
import { foldToOneLine, htmlToPlainText } from "../text/plain-text.js";
import { MAX_PATTERN_CHARS, regexRefusal } from "./regex-safety.js";

export interface FilterTerm {
  /** The term as written, outer whitespace removed (a phrase's inner whitespace as one space): for replies and storage. */
  readonly text: string;
  readonly kind: "words" | "regex";
  /** Never global or sticky, so `test` keeps no state between calls. */
  readonly pattern: RegExp;
}

export interface Filters {
  readonly include: readonly FilterTerm[];
  readonly exclude: readonly FilterTerm[];
}

export type FilterTermResult = { readonly ok: true; readonly term: FilterTerm } | { readonly ok: false; readonly error: string };

/** Longest word or phrase, in characters (a regular expression may have MAX_PATTERN_CHARS between its slashes). */
export const MAX_TERM_CHARS = MAX_PATTERN_CHARS;

/**
 * Each field (title, summary, category, author) is matched on its first this many characters only.
 * This is the second guard against slow matching, after regex-safety.ts: what that allows can
 * still cost about the square of the text's length (a repetition retried from every position), so
 * a hostile feed with a megabyte of text must not reach the engine. At this length the slowest
 * accepted pattern we know (`.*` before a 120-character literal, /iu, on text built to defeat it)
 * takes about a quarter of a second; ordinary terms take well under a millisecond. A post's
 * subject is in its first paragraphs, and an announcement shows a few hundred characters.
 */
export const MAX_MATCHED_CHARS = 4000;

const REGEX_FLAGS = new Set(["i", "m", "s", "u"]);

/**
 * Letters, digits and combining marks make up words. A mark counts so that a term cannot end in
 * the middle of a letter its mark belongs to (Devanagari vowel signs, a decomposed "é").
 */
const WORD_CHAR = "[\\p{L}\\p{N}\\p{M}]";
const WORD_START = new RegExp(`^${WORD_CHAR}`, "u");
const WORD_END = new RegExp(`${WORD_CHAR}$`, "u");

/** A term as written, in a chat command or the config file: checked, compiled, or why not. */
export function parseFilterTerm(text: string): FilterTermResult {
  const written = text.trim().normalize("NFC");
  const name = `“${shorten(foldToOneLine(written))}”`;
  if (written === "") return { ok: false, error: "an empty term matches nothing; expected a word, a phrase or a /regular expression/" };
  const slash = written.lastIndexOf("/");
  if (written.startsWith("/") && slash > 0) return parseRegexTerm(written, written.slice(1, slash), written.slice(slash + 1), name);
  if (written.length > MAX_TERM_CHARS) {
    return { ok: false, error: `${name} is refused: it is ${written.length} characters long, more than the ${MAX_TERM_CHARS} a term may have; shorten it` };
  }
  return { ok: true, term: { text: written.split(/\s+/).join(" "), kind: "words", pattern: wordsPattern(written) } };
}

function parseRegexTerm(text: string, source: string, flags: string, name: string): FilterTermResult {
  // Checked before compiling, so that no huge pattern is ever handed to the engine.
  if (source.length > MAX_PATTERN_CHARS) {
    const length = `it is ${source.length} characters long between the slashes, more than the ${MAX_PATTERN_CHARS} a regular expression may have`;
    return { ok: false, error: `${name} is refused: ${length}; shorten it` };
  }
  const seen = new Set<string>();
  for (const flag of flags) {
    if (!REGEX_FLAGS.has(flag)) return { ok: false, error: `${name} has the flag “${flag}”, which a filter does not take; expected only i, m, s or u after the closing /` };
    if (seen.has(flag)) return { ok: false, error: `${name} has the flag “${flag}” twice; expected each flag once` };
    seen.add(flag);
  }
  if (source === "") return { ok: false, error: `${name} is an empty regular expression, which matches every post; expected a pattern between the slashes` };
  let pattern: RegExp;
  try {
    pattern = new RegExp(source, flags);
  } catch (err) {
    // V8: "Invalid regular expression: /(/: Unterminated group" — keep what follows the pattern.
    const reason = err instanceof SyntaxError ? err.message.replace(/^.*\/[a-z]*: /s, "") : String(err);
    return { ok: false, error: `${name} is not a valid regular expression (${reason}); expected JavaScript regular expression syntax` };
  }
  const refusal = regexRefusal(source, flags);
  if (refusal !== undefined) return { ok: false, error: `${name} is refused: ${refusal.reason}; ${refusal.fix}` };
  return { ok: true, term: { text, kind: "regex", pattern } };
}

/**
 * A word or phrase as a whole word, any case, its words apart by any whitespace. The boundaries
 * are lookarounds for a word character (not \b, which knows only ASCII), and only where the term
 * itself starts or ends with one: "c++" matches in "c++20", ".net" in "asp.net".
 */
function wordsPattern(text: string): RegExp {
  const body = text.split(/\s+/).map(escapeRegex).join("\\s+");
  const before = WORD_START.test(text) ? `(?<!${WORD_CHAR})` : "";
  const after = WORD_END.test(text) ? `(?!${WORD_CHAR})` : "";
  return new RegExp(before + body + after, "iu");
}

/** Escapes the syntax characters (with the u flag, escaping anything else is an error). */
function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

/**
 * True when the room announces `entry`: no exclude term matches it, and there are no include
 * terms or one of them matches. Terms are matched against the title, the summary as plain text,
 * each category and the author, each on its own (so ^ and $ mean the start and end of a field).
 */
export function matchesFilters(entry: Entry, filters: Filters): boolean {
  if (filters.include.length === 0 && filters.exclude.length === 0) return true;
  const fields = filterFields(entry);
  const matches = (term: FilterTerm) => fields.some((field) => term.pattern.test(field));
  if (filters.exclude.some(matches)) return false;
  return filters.include.length === 0 || filters.include.some(matches);
}

function filterFields(entry: Entry): string[] {
  const fields = [
    htmlToPlainText(entry.title, { markdown: false }),
    htmlToPlainText(entry.summaryHtml),
    ...entry.categories.map((category) => htmlToPlainText(category, { markdown: false })),
    entry.author === undefined ? "" : htmlToPlainText(entry.author, { markdown: false }),
  ];
  return fields.filter((field) => field !== "").map((field) => field.slice(0, MAX_MATCHED_CHARS).normalize("NFC"));
}

/**
 * The filter in one line, for `status` and `room` replies: "every post", "only posts matching
 * “omemo” or “/^Release \d+/”", "every post except those matching “draft”", or both.
 */
export function describeFilters(filters: Filters): string {
  const list = (terms: readonly FilterTerm[]) => terms.map((term) => `“${foldToOneLine(term.text)}”`).join(" or ");
  const { include, exclude } = filters;
  if (include.length === 0 && exclude.length === 0) return "no filter: every post";
  if (include.length === 0) return `every post except those matching ${list(exclude)}`;
  const only = `only posts matching ${list(include)}`;
  return exclude.length === 0 ? only : `${only}, except those matching ${list(exclude)}`;
}

/** A long term named in an error: its start is enough to find it. */
function shorten(text: string): string {
  return text.length <= 60 ? text : `${text.slice(0, 59)}…`;
}

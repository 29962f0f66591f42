import { htmlToPlainText } from "../../text/plain-text.js";

/**
 * Search in PostgreSQL with SQLite's semantics (sqlite/entries.ts: FTS5, `unicode61
 * remove_diacritics 2`, every word a quoted string with a prefix star): a post matches when its
 * title or text has every word; a word matches a token by prefix; case and diacritics are folded;
 * a word that is several tokens ("xep-0198") is a phrase, its tokens adjacent, the last by prefix;
 * user input never reaches query syntax.
 *
 * Both sides are tokenized here, in JS, and handed to PostgreSQL as literal tsvector / tsquery
 * values, so PostgreSQL's parser and dictionaries (stemming, stop words, URL and e-mail tokens) play
 * no part: the same words give the same matches in both engines.
 */

/** Token characters, as unicode61's defaults: letters, numbers and private-use characters. */
const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;
/** PostgreSQL's limits: a lexeme under 2 KB, positions up to 16383, 256 positions per lexeme kept. */
const MAX_LEXEME_BYTES = 2046;
const MAX_POSITION = 16383;
const MAX_POSITIONS_PER_LEXEME = 256;

/** The tokens of a text: lower case, diacritics removed ("Café" → "cafe"). */
export function searchTokens(text: string): string[] {
  const folded = text.toLowerCase().normalize("NFD").replace(/\p{Mn}/gu, "").normalize("NFC");
  return (folded.match(TOKEN) ?? []).map(fitLexeme);
}

function fitLexeme(token: string): string {
  if (Buffer.byteLength(token) <= MAX_LEXEME_BYTES) return token;
  let cut = token;
  while (Buffer.byteLength(cut) > MAX_LEXEME_BYTES) cut = Array.from(cut).slice(0, -16).join("");
  return cut;
}

const quote = (lexeme: string) => `'${lexeme.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;

/**
 * A post's search document, as a tsvector literal: the title's tokens at positions 1…n, the text's
 * after a gap, so a phrase never runs from the title into the text (FTS5 keeps columns apart).
 */
export function searchDocument(titleHtml: string, summaryHtml: string): string {
  const positions = new Map<string, number[]>();
  let position = 0;
  const add = (tokens: readonly string[]) => {
    for (const token of tokens) {
      position = Math.min(position + 1, MAX_POSITION);
      const list = positions.get(token) ?? [];
      if (list.length < MAX_POSITIONS_PER_LEXEME && list[list.length - 1] !== position) list.push(position);
      positions.set(token, list);
    }
  };
  add(searchTokens(htmlToPlainText(titleHtml)));
  position = Math.min(position + 1, MAX_POSITION); // the gap between the columns
  add(searchTokens(htmlToPlainText(summaryHtml)));
  return [...positions].map(([lexeme, at]) => `${quote(lexeme)}:${at.join(",")}`).join(" ");
}

/**
 * The tsquery literal for the search words (each must match), or undefined when nothing can match.
 * A word with no token at all (punctuation only) is an empty FTS5 phrase, which FTS5 leaves out of
 * the query: ["stream", "*"] finds what ["stream"] finds, and ["*"] alone finds nothing.
 */
export function searchQuery(words: readonly string[]): string | undefined {
  const phrases: string[] = [];
  for (const word of words) {
    const tokens = searchTokens(word);
    if (tokens.length === 0) continue;
    const last = tokens.length - 1;
    phrases.push(`(${tokens.map((t, i) => (i === last ? `${quote(t)}:*` : quote(t))).join(" <-> ")})`);
  }
  return phrases.length > 0 ? phrases.join(" & ") : undefined;
}

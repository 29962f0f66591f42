import { summarize } from "../text/summary.js";
import { cleanTitle } from "../text/title.js";
import type { StoredEntry } from "../store/store.js";
import { tokenize, UserError } from "./command.js";
import { parseFilterTerm } from "../filters/filters.js";

/** A date as people read it in a chat: 2026-03-04 (UTC). */
export function day(ms: number | Date | undefined): string {
  if (ms === undefined) return "no date";
  return new Date(ms).toISOString().slice(0, 10);
}

export function duration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export function title(entry: StoredEntry): string {
  return cleanTitle(entry.title, Infinity);
}

/** A numbered list of posts, newest first; a single post also gets its summary. */
export function entryList(entries: readonly StoredEntry[]): string {
  if (entries.length === 1) {
    const e = entries[0]!;
    const summary = summarize(e.summaryHtml, 300);
    return [`*${title(e)}* (${day(e.published ?? e.firstSeen)}, ${e.feed})`, summary, e.link].filter(Boolean).join("\n");
  }
  return entries
    .map((e, i) => `${i + 1}. *${title(e)}* (${day(e.published ?? e.firstSeen)}, ${e.feed})${e.link ? `\n   ${e.link}` : ""}`)
    .join("\n");
}

/** A bare JID as typed by a person, checked and lower-cased, or a UserError saying what is wrong. */
export function parseBareJid(text: string | undefined, what: string): string {
  if (!text) throw new UserError(`Which ${what}? Give its address, like news@conference.example.org.`);
  const jid = text.toLowerCase();
  if (!/^[^@/\s]+@[^@/\s]+\.?[^@/\s]*$/.test(jid)) throw new UserError(`“${text}” is not a ${what} address; expected something like news@conference.example.org.`);
  return jid;
}

/**
 * Filter terms typed in a chat: words, "quoted phrases" and /regular expressions/, each checked
 * (a pattern that could stall the bot is refused here, with the reason).
 */
export function parseTerms(text: string, options: { readonly wordsOnly?: boolean } = {}): string[] {
  const terms = tokenize(text);
  if (terms.length === 0) throw new UserError("Which terms? Example: “room R set include omemo \"group chat\"”, or “… off”.");
  if (terms.length > MAX_TERMS) throw new UserError(`At most ${MAX_TERMS} terms, please (got ${terms.length}).`);
  for (const term of terms) {
    const parsed = parseFilterTerm(term);
    if (!parsed.ok) throw new UserError(`Filter not set: ${parsed.error}.`);
    // Anyone may subscribe: regular expressions (each one matched on every new post) are for admins' room filters.
    if (options.wordsOnly && parsed.term.kind === "regex") throw new UserError(`“${term}”: a subscription takes words and "phrases", not regular expressions.`);
  }
  return terms;
}

/** Terms in one filter: enough for any topic, few enough that matching stays cheap. */
export const MAX_TERMS = 10;

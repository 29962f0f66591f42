import { removeForbiddenChars } from "../text/plain-text.js";

/** Longest message body Herald sends; a chat line, well inside servers' stanza size limits. */
export const MAX_BODY_CHARS = 8000;

/**
 * Every body Herald sends passes through here: characters XML 1.0 forbids are removed (one
 * control character in a title must never make the server close our stream for invalid XML,
 * RFC 6120 §11.1), and the length is capped.
 */
export function outgoingText(text: string): string {
  const clean = removeForbiddenChars(text);
  if (clean.length <= MAX_BODY_CHARS) return clean;
  // Never split a surrogate pair.
  let end = MAX_BODY_CHARS - 1;
  if (/[\uD800-\uDBFF]/.test(clean[end - 1]!)) end--;
  return `${clean.slice(0, end)}…`;
}

/**
 * Where a YAML syntax error really is. The yaml package reports an error at the offset where its
 * parser noticed it, which is often lines away from the mistake:
 * - a bad indent is reported at the start of the blank lines and comments before the bad line
 *   (they belong to the next token), e.g. an over-indented line 17 at 13:1;
 * - an unclosed quote is reported where the quoted text finally ends, e.g. line 33's at 34:1;
 * - an unclosed `[` or `{` is reported where the next block item starts.
 * This module moves such positions to the line a person has to fix, using the parser's own tokens
 * (the CST), never the message text.
 */
import { CST, Parser, type YAMLError } from "yaml";

export interface LinePos {
  readonly line: number;
  readonly col: number;
}

type Span = { readonly type: string; readonly start: number; readonly end: number };

/** The 1-based line and column a person should look at for `error` in `text`. */
export function syntaxErrorPosition(text: string, error: YAMLError): LinePos | undefined {
  const offset = error.pos?.[0];
  if (offset === undefined) return error.linePos?.[0];
  const spans = tokenSpans(text);
  const opened = innermostOpening(spans, offset, error);
  return lineAndColumn(text, opened ?? firstSignificant(text, offset));
}

/** Quoted scalars and flow collections, which are what an unclosed error runs to the end of. */
function tokenSpans(text: string): Span[] {
  const spans: Span[] = [];
  const add = (token: CST.Token | undefined) => {
    if (token === undefined) return;
    if (token.type === "double-quoted-scalar" || token.type === "single-quoted-scalar" || token.type === "flow-collection") {
      spans.push({ type: token.type, start: token.offset, end: token.offset + CST.stringify(token).length });
    }
  };
  for (const token of new Parser().parse(text)) {
    if (token.type !== "document") continue;
    add(token.value);
    CST.visit(token, (item) => {
      add(item.key ?? undefined);
      add(item.value);
    });
  }
  return spans;
}

/**
 * For "missing closing quote" and "flow collection ... end with ]": the quote or bracket that was
 * opened and never closed, i.e. the innermost such token that starts before the error and runs up
 * to it.
 */
function innermostOpening(spans: readonly Span[], offset: number, error: YAMLError): number | undefined {
  const quote = error.code === "MISSING_CHAR" && /quote/i.test(error.message);
  const flow = /flow (sequence|mapping|collection)/i.test(error.message);
  if (!quote && !flow) return undefined;
  const wanted = quote ? ["double-quoted-scalar", "single-quoted-scalar"] : ["flow-collection"];
  let best: Span | undefined;
  for (const span of spans) {
    if (!wanted.includes(span.type) || span.start >= offset || span.end < offset) continue;
    if (best === undefined || span.start > best.start) best = span;
  }
  return best?.start;
}

/** The first character at or after `offset` that is not white space or part of a comment line. */
function firstSignificant(text: string, offset: number): number {
  let at = offset;
  while (at < text.length) {
    const char = text[at]!;
    if (char === " " || char === "\t" || char === "\r" || char === "\n") {
      at++;
    } else if (char === "#" && (at === 0 || /\s/.test(text[at - 1]!))) {
      const end = text.indexOf("\n", at);
      at = end === -1 ? text.length : end + 1;
    } else {
      return at;
    }
  }
  return offset; // only blanks and comments follow: keep the parser's own position
}

function lineAndColumn(text: string, offset: number): LinePos {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, col: offset - lineStart + 1 };
}

/**
 * HTML (or entity-laden / Markdown-ish text) to plain text for announcements.
 *
 * Pure and total: whatever string comes in, a string comes out — no exception, no markup, no
 * entity, no character that XML 1.0 forbids. Paragraphs are separated by "\n\n", lines inside a
 * paragraph by "\n", and all other whitespace is folded to single spaces.
 */
import { Parser } from "htmlparser2";

/**
 * Input beyond this many UTF-16 code units is ignored. An announcement needs a few hundred
 * characters, and htmlparser2 keeps its open-element stack with Array#unshift, so deeply nested
 * malformed input (e.g. 300 k unclosed <div>s) costs quadratic time: capping the input caps the
 * worst case at roughly a tenth of a second.
 */
export const MAX_INPUT_CHARS = 100_000;

/** Elements dropped together with everything inside them: code, styling, widgets, forms, media. */
const DROPPED_ELEMENTS = new Set([
  "script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math", "form",
  "head", "video", "audio", "canvas", "button", "select", "textarea",
]);

/** Class names of embedded social-media widgets: their content is a copy of someone else's post. */
const WIDGET_CLASSES = new Set([
  "twitter-tweet", "twitter-video", "twitter-timeline", "instagram-media", "tiktok-embed",
  "bluesky-embed", "mastodon-embed", "reddit-embed-bq", "fb-post", "fb-video",
  "wp-embedded-content", "wp-block-embed",
]);

const PARAGRAPH_ELEMENTS = new Set([
  "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "dl", "table",
  "section", "article", "header", "footer", "aside", "nav", "main", "figure", "hr", "address",
  "details", "center", "hgroup", "fieldset",
]);

const LINE_ELEMENTS = new Set([
  "div", "li", "tr", "dt", "dd", "figcaption", "summary", "caption", "legend",
]);

/** Table cells sit side by side: a space keeps their words apart. */
const CELL_ELEMENTS = new Set(["td", "th"]);

/**
 * XML 1.0 §2.2 Char excludes C0 controls other than tab, LF and CR, U+FFFE, U+FFFF and unpaired
 * surrogates; DEL and the C1 controls are allowed but discouraged, and invisible in a chat, so
 * they go too. Tab, LF and CR are left to the whitespace folding.
 */
const FORBIDDEN_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Removes every character XML 1.0 forbids (and DEL/C1 controls). */
export function removeForbiddenChars(text: string): string {
  return text.replace(FORBIDDEN_CHARS, "");
}

/**
 * Invisible characters a hostile feed can use to disguise text: the bidirectional embeddings,
 * overrides and isolates (U+202A–202E, U+2066–2069) and marks (U+200E, U+200F, U+061C), which
 * reorder what follows them ("moc.knab" shown as "bank.com") and can run on past a title into the
 * link line; and the zero-width space, word joiner and its invisible kin, BOM and Mongolian vowel
 * separator (U+200B, U+2060–2064, U+FEFF, U+180E), which split or hide words and styling markup.
 * Zero-width (non-)joiners U+200C/U+200D stay: Persian, Indic scripts and emoji sequences need them.
 */
const DISGUISE_CHARS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u200B\u2060-\u2064\uFEFF\u180E]/g;

/** Removes the characters that can reorder or hide text (see DISGUISE_CHARS). */
export function removeDisguises(text: string): string {
  return text.replace(DISGUISE_CHARS, "");
}

/** One line: forbidden and disguising characters removed, every whitespace run (newlines too) one space, trimmed. */
export function foldToOneLine(text: string): string {
  // VT, FF and NEL are whitespace, not just junk: turn them into spaces before the removal.
  return removeDisguises(removeForbiddenChars(text.replace(/[\u000B\u000C\u0085]/g, " ")))
    .replace(/\s+/g, " ")
    .trim();
}

/** The text before the first blank line, trimmed. */
export function firstParagraph(text: string): string {
  const blank = /\n[^\S\n]*\n/.exec(text);
  return (blank === null ? text : text.slice(0, blank.index)).trim();
}

export interface PlainTextOptions {
  /**
   * Also undo common Markdown syntax found in text (links, images, headings, lists, quote markers,
   * code, emphasis) and remove site-generator syntax (Hugo shortcodes, Liquid tags, [TOC]).
   * Default true; titles turn it off, where "# of users" is not a heading.
   */
  readonly markdown?: boolean;
}

/** Plain text of an HTML fragment (or of text with entities or Markdown). Never throws. */
export function htmlToPlainText(html: string, options: PlainTextOptions = {}): string {
  const input = typeof html === "string" ? html.slice(0, MAX_INPUT_CHARS) : "";
  const markdown = options.markdown ?? true;
  try {
    return removeDisguises(convert(markdown ? removeTemplateSyntax(input) : input, markdown));
  } catch {
    // htmlparser2 is built never to throw on text; should it ever, an announcement without the
    // text beats no announcement at all.
    return "";
  }
}

function convert(html: string, markdown: boolean): string {
  const out = createTextBuilder(markdown);
  // Depth inside a dropped element. htmlparser2 reports a close for every open (implied ones
  // included, and all still open at end()), always innermost first, so a counter is enough.
  let skipDepth = 0;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (skipDepth > 0) {
          skipDepth += 1;
        } else if (isDropped(name, attribs)) {
          skipDepth = 1;
          separate(out, name);
        } else if (name === "br") {
          out.br();
        } else {
          separate(out, name);
        }
      },
      onclosetag(name) {
        if (skipDepth > 0) {
          skipDepth -= 1;
          if (skipDepth === 0) separate(out, name);
        } else if (name !== "br") {
          separate(out, name);
        }
      },
      ontext(text) {
        if (skipDepth === 0) out.text(text);
      },
    },
    // recognizeSelfClosing: feed content is often XHTML, where "<iframe … />" must not swallow the
    // rest of the post. recognizeCDATA: a stray CDATA section is text, not a comment.
    { decodeEntities: true, recognizeSelfClosing: true, recognizeCDATA: true },
  );
  parser.write(html);
  parser.end();
  return out.result();
}

function isDropped(name: string, attribs: Record<string, string>): boolean {
  if (DROPPED_ELEMENTS.has(name)) return true;
  if (attribs["hidden"] !== undefined || attribs["aria-hidden"] === "true") return true;
  const classes = attribs["class"];
  return classes !== undefined && classes.split(/\s+/).some((c) => WIDGET_CLASSES.has(c));
}

/** What an element boundary does to the text around it; never lets two words touch. */
function separate(out: TextBuilder, name: string): void {
  if (PARAGRAPH_ELEMENTS.has(name)) out.paragraphBreak();
  else if (LINE_ELEMENTS.has(name)) out.lineBreak();
  else if (CELL_ELEMENTS.has(name) || DROPPED_ELEMENTS.has(name)) out.text(" ");
}

interface TextBuilder {
  text(raw: string): void;
  br(): void;
  lineBreak(): void;
  paragraphBreak(): void;
  result(): string;
}

function createTextBuilder(markdown: boolean): TextBuilder {
  const paragraphs: string[] = [];
  let lines: string[] = [];
  let raw = "";
  let brRun = 0; // consecutive <br>s with no text between: two of them make a paragraph break

  const endParagraph = (): void => {
    if (lines.length > 0) paragraphs.push(lines.join("\n"));
    lines = [];
  };
  /** Turns the raw text gathered since the last break into lines; true when there was any. */
  const flush = (): boolean => {
    const pieces = splitParagraphs(markdown ? stripMarkdown(raw) : raw);
    raw = "";
    let any = false;
    pieces.forEach((piece, i) => {
      if (i > 0) endParagraph();
      const line = foldToOneLine(piece);
      if (line !== "") {
        lines.push(line);
        any = true;
      }
    });
    return any;
  };

  return {
    text(t) {
      raw += t;
    },
    br() {
      brRun = flush() ? 1 : brRun + 1;
      if (brRun >= 2) endParagraph();
    },
    lineBreak() {
      flush();
      brRun = 0;
    },
    paragraphBreak() {
      flush();
      endParagraph();
      brRun = 0;
    },
    result() {
      flush();
      endParagraph();
      return paragraphs.join("\n\n");
    },
  };
}

/** In text, a blank line separates paragraphs (plain text and Markdown); other newlines are spaces. */
function splitParagraphs(text: string): string[] {
  return text.replace(/\r\n?/g, "\n").split(/\n[^\S\n]*\n/);
}

/**
 * Template syntax of static site generators, which means nothing outside the site: it goes before
 * the HTML is parsed, since a shortcode like `{{<figure src="x">}}` would otherwise open a tag.
 * Bounded quantifiers keep every expression linear on hostile input.
 */
function removeTemplateSyntax(text: string): string {
  return (
    text
      // Hugo shortcodes, opening and closing: {{< name … >}}, {{% name … %}}
      // (gohugo.io/content-management/shortcodes). The text between a pair stays.
      .replace(/\{\{[<%][\s\S]{0,2000}?[>%]\}\}/g, " ")
      // Liquid/Jinja tags: {% youtube … %} (Jekyll, Pelican's liquid_tags plugin).
      .replace(/\{%[\s\S]{0,2000}?%\}/g, " ")
      // Python-Markdown's table-of-contents marker (Pelican), on a line of its own.
      .replace(/^[^\S\n]*\[TOC\][^\S\n]*$/gim, "")
      // WordPress [caption] shortcodes left by an import: a picture and its caption, not prose.
      .replace(/\[caption[^\]\n]{0,1000}\][\s\S]{0,3000}?\[\/caption\]/gi, " ")
      // CommonMark autolinks <https://…> would be read as tags: keep the address as text.
      .replace(/<((?:https?|mailto|xmpp):[^\s<>]{1,2000})>/gi, "$1")
  );
}

/**
 * Undoes the Markdown that reads badly as plain text (CommonMark, plus Python-Markdown's "##19th"
 * headings without a space). Quantifiers are bounded so that no input (say, a megabyte of "[")
 * makes these regular expressions quadratic.
 */
function stripMarkdown(text: string): string {
  return (
    text
      .replace(/\r\n?/g, "\n")
      // Code fence lines (the code itself stays). As in CommonMark, a backtick fence's info string
      // has no backtick, so "```rm -rf``` is bad" is text, not a fence.
      .replace(/^[^\S\n]{0,3}(?:```+[^`\n]*|~~~+[^\n]*)$/gm, "")
      // Thematic breaks and setext heading underlines: a line of three or more -, *, _ or =.
      .replace(/^[^\S\n]{0,3}([-*_=])(?:[^\S\n]{0,3}\1){2,}[^\S\n]*$/gm, "")
      // ATX headings become a paragraph of their own; "#hashtag" (one #, no space) is no heading.
      .replace(/^[^\S\n]{0,3}(?:#{1,6}[^\S\n]+|#{2,6}(?=[^#\s]))([^\n]*?)(?:[^\S\n]+#+)?[^\S\n]*$/gm, "\n\n$1\n\n")
      // Quote markers "> " (but not ">50%", which is text).
      .replace(/^[^\S\n]{0,3}(?:>+(?:[^\S\n]+|$))+/gm, "")
      // List markers: "* ", "- ", "+ ", "1. ", "1) ".
      .replace(/^[^\S\n]{0,3}(?:[*+-]|\d{1,9}[.)])[^\S\n]+/gm, "")
      // Link reference definitions: "[id]: https://…" lines.
      .replace(/^[^\S\n]{0,3}\[[^\]\n]{1,500}\]:[^\S\n]*\S[^\n]*$/gm, "")
      // Images vanish, links keep their text (inline [t](url) and reference [t][id] forms).
      .replace(/!\[[^\]\n]{0,500}\](?:\([^)\n]{0,2000}\)|\[[^\]\n]{0,500}\])/g, "")
      .replace(/\[([^\]\n]{0,500})\](?:\([^)\n]{0,2000}\)|\[[^\]\n]{0,500}\])/g, "$1")
      .replace(/(`+)([^`\n]{1,500}?)\1/g, "$2")
      .replace(/(\*\*|__)(?=\S)([^\n]{0,1000}?\S)\1/g, "$2")
      .replace(/~~(?=\S)([^\n]{0,200}?\S)~~/g, "$1")
      // Emphasis, but not inside words (snake_case, 2*3*4) nor around spaces (2 * 3). It may run
      // over several lines of one paragraph (a translator's note in italics).
      .replace(/(?<![\p{L}\p{N}*\\])\*(?=[^\s*])((?:[^*\n]|\n(?![^\S\n]*\n)){0,1000}?[^\s*\\])\*(?![\p{L}\p{N}*])/gu, "$1")
      .replace(/(?<![\p{L}\p{N}_\\])_(?=[^\s_])((?:[^_\n]|\n(?![^\S\n]*\n)){0,1000}?[^\s_\\])_(?![\p{L}\p{N}_])/gu, "$1")
      // Backslash escapes of ASCII punctuation (CommonMark §2.4): "attachment\_346".
      .replace(/\\([!-/:-@[-`{-~])/g, "$1")
  );
}

/**
 * A lenient XML tokenizer for feeds: start tags with their attributes, end tags, and text, in one
 * pass over the string. It replaces htmlparser2's Parser in XML mode, whose behaviour it keeps
 * (xml-tree.ts says what the reader needs and why it must never throw), because a profile of the
 * bench's `parse` scenario put 40% of the reader's time and most of its garbage there: that
 * tokenizer looks at every character through a state machine and hands every piece of text and
 * every attribute over as a separate slice. Here text, CDATA sections, comments and declarations
 * are skipped with indexOf, and a string is made only for what the tree keeps.
 *
 * What it reads (XML 1.0, leniently, as htmlparser2 does in XML mode):
 * - Start tags `<name attr="v" attr='v' attr=v attr>` and `<name/>` (§3.1). A repeated attribute
 *   keeps its first value. A tag still open at the end of the input is dropped.
 * - End tags `</name>`; what they close is the tree's business (xml-tree.ts).
 * - Text, with XML's five predefined entities and character references decoded (§4.6, §4.1);
 *   references need their ";", and any other "&" stays literal, so undeclared HTML entities and
 *   bare ampersands survive as text. A character reference to 0, a surrogate or beyond U+10FFFF
 *   gives U+FFFD, and one to 0x80–0x9F gives windows-1252's character, as HTML and htmlparser2
 *   read them (HTML §13.2.5.80).
 * - CDATA sections (§2.7) as text, undecoded; one cut off by the end of the input still gives
 *   its text.
 * - Comments, processing instructions (the XML declaration among them) and declarations
 *   (`<!DOCTYPE ...>`, up to the first ">": an internal subset's entity declarations are never
 *   read, so they are never expanded) are skipped.
 * - "<" that cannot start a tag (followed by whitespace, or last) is text.
 */
import { WINDOWS_1252_C1 } from "./decode.js";

export interface XmlScanHandler {
  /**
   * A start tag; `selfClosing` for `<name/>`. `attrs` is a fresh object the handler may keep, or
   * the frozen NO_ATTRIBUTES for a tag without any (most of a feed's tags: one object fewer each).
   */
  open(qname: string, attrs: Readonly<Record<string, string>>, selfClosing: boolean, xmlAttributes: number): void;
  /** An end tag: its name is text[start, end) (a span, not a string: most are only compared). */
  close(text: string, start: number, end: number): void;
  /**
   * Text: text[start, end), never empty, with references still to decode (decodeReferences)
   * unless `cdata`. A span, not a string, so that the handler makes a string only of what it
   * keeps: most of a feed's text nodes are indentation it drops.
   */
  text(text: string, start: number, end: number, cdata: boolean): void;
}

const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const AMP = 0x26;

/** XML 1.0 §2.3 S, plus form feed as htmlparser2 has it. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || c === 0x0c;
}

/** Where a tag or attribute name ends: whitespace, "/", ">" (and "=" for attribute names). */
function endsName(c: number): boolean {
  // Names are mostly letters: one comparison rules out whitespace for them.
  return c === SLASH || c === GT || (c <= 0x20 && isSpace(c));
}

/** The hash of the name nameEnd last read, for intern: the name is hashed as it is scanned. */
let nameHash = 0;

/** Where the name starting at `at` ends (endsName; also "=" for an attribute name); hashes it into nameHash. */
function nameEnd(text: string, at: number, attribute: boolean): number {
  const length = text.length;
  let hash = 0;
  let i = at;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (endsName(c) || (attribute && c === EQUALS)) break;
    hash = (Math.imul(hash, 31) + c) | 0;
  }
  nameHash = hash;
  return i;
}

export const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Bits of XmlScanHandler.open's `xmlAttributes`: the tag has an attribute named xmlns or
 * xmlns:*, or one named xml:base. Most tags have neither, and then the tree need not look.
 */
export const HAS_XMLNS = 1;
export const HAS_XML_BASE = 2;

function xmlAttribute(name: string): number {
  if (name.charCodeAt(0) !== 0x78 || !name.startsWith("xml")) return 0; // x
  if (name.startsWith("xmlns")) return HAS_XMLNS;
  return name === "xml:base" ? HAS_XML_BASE : 0;
}

export function scanXml(text: string, handler: XmlScanHandler): void {
  try {
    scan(text, handler);
  } finally {
    ampText = ""; // the memo below must not keep the document alive
  }
}

/**
 * Where the first "&" at or after a position of the document being scanned is (-1: none): the
 * decoding of one attribute value after another asks for it, and indexOf alone would run on past
 * each value to the next "&" of the whole document, which in a feed without any is its end.
 */
let ampText = "";
let ampFrom = 0;
let ampAt = -1;

/** The first "&" in text[start, ...) as indexOf gives it, remembered while scanning one document. */
export function ampAfter(text: string, start: number): number {
  if (text !== ampText || start < ampFrom || (ampAt >= 0 && ampAt < start)) {
    ampText = text;
    ampFrom = start;
    ampAt = text.indexOf("&", start);
  }
  return ampAt;
}

function scan(text: string, handler: XmlScanHandler): void {
  const length = text.length;
  let i = 0;
  while (i < length) {
    const lt = text.indexOf("<", i);
    if (lt < 0) {
      handler.text(text, i, length, false);
      return;
    }
    if (lt > i) handler.text(text, i, lt, false);
    const c = text.charCodeAt(lt + 1);
    if (c === BANG) {
      if (text.startsWith("<!--", lt)) {
        const end = text.indexOf("-->", lt + 4);
        if (end < 0) return; // a comment running to the end: nothing more to read
        i = end + 3;
      } else if (text.startsWith("<![CDATA[", lt)) {
        const end = text.indexOf("]]>", lt + 9);
        if (end < 0) {
          if (lt + 9 < length) handler.text(text, lt + 9, length, true);
          return;
        }
        if (end > lt + 9) handler.text(text, lt + 9, end, true);
        i = end + 3;
      } else {
        const end = text.indexOf(">", lt + 2);
        if (end < 0) return;
        i = end + 1;
      }
    } else if (c === QUESTION) {
      const end = text.indexOf(">", lt + 2);
      if (end < 0) return;
      i = end + 1;
    } else if (c === SLASH) {
      const end = text.indexOf(">", lt + 2);
      if (end < 0) return;
      let nameStart = lt + 2;
      while (nameStart < end && isSpace(text.charCodeAt(nameStart))) nameStart++;
      let nameEnd = nameStart;
      while (nameEnd < end && !isSpace(text.charCodeAt(nameEnd))) nameEnd++;
      if (nameEnd > nameStart) handler.close(text, nameStart, nameEnd);
      i = end + 1;
    } else if (lt + 1 >= length || endsName(c)) {
      // "< " or "<>" or "</" handled above: a literal "<" in text.
      handler.text(text, lt, lt + 1, false);
      i = lt + 1;
    } else {
      const next = openTag(text, lt + 1, handler);
      if (next < 0) return; // the input ended inside the tag
      i = next;
    }
  }
}

/** Reads a start tag whose name starts at `at`; returns the index after its ">", or -1 at the end of the input. */
function openTag(text: string, at: number, handler: XmlScanHandler): number {
  const length = text.length;
  let i = nameEnd(text, at, false);
  const qname = intern(text, at, i, nameHash);
  let attrs: Record<string, string> | undefined;
  let xml = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === GT) {
      handler.open(qname, attrs ?? NO_ATTRIBUTES, false, xml);
      return i + 1;
    }
    if (c === SLASH) {
      if (text.charCodeAt(i + 1) === GT) {
        handler.open(qname, attrs ?? NO_ATTRIBUTES, true, xml);
        return i + 2;
      }
      i++; // a stray "/" inside a tag is ignored
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    // An attribute name, then optionally "=" and a value.
    const nameStart = i;
    i = nameEnd(text, i, true);
    let hash = nameHash;
    if (i === nameStart) {
      i++; // "=" with no name: skip it
      hash = EQUALS;
    }
    const name = intern(text, nameStart, i, hash);
    let j = i;
    while (j < length && isSpace(text.charCodeAt(j))) j++;
    let value = "";
    if (text.charCodeAt(j) === EQUALS) {
      j++;
      while (j < length && isSpace(text.charCodeAt(j))) j++;
      const q = text.charCodeAt(j);
      if (q === DQUOTE || q === SQUOTE) {
        const end = text.indexOf(q === DQUOTE ? '"' : "'", j + 1);
        if (end < 0) return -1;
        value = decodeReferences(text, j + 1, end, ampAfter(text, j + 1));
        i = end + 1;
      } else {
        let end = j;
        while (end < length && !isSpace(text.charCodeAt(end)) && text.charCodeAt(end) !== GT) end++;
        value = decodeReferences(text, j, end, ampAfter(text, j));
        i = end;
      }
    }
    attrs ??= {};
    if (name !== "" && !Object.prototype.hasOwnProperty.call(attrs, name)) {
      attrs[name] = value;
      xml |= xmlAttribute(name);
    }
  }
  return -1;
}

/**
 * Tag and attribute names repeat all through a feed (item, title, link, href...): the same string
 * is handed out for the same name, from a small table, instead of a new copy for every tag. A
 * table slot is checked against the text, so a collision only costs a copy.
 */
const INTERNED: string[] = new Array<string>(512).fill("");

/**
 * Whether text[start, start + name.length) is `name`. A loop rather than startsWith: names are
 * short, and the builtin call (with its checks on the argument) cost more than the comparison,
 * a quarter of reading a start tag in a profile.
 */
export function spanEquals(text: string, start: number, name: string): boolean {
  for (let k = 0; k < name.length; k++) if (text.charCodeAt(start + k) !== name.charCodeAt(k)) return false;
  return true;
}

/** text[start, end), whose hash (as nameEnd computes it) is `hash`, from the table or into it. */
function intern(text: string, start: number, end: number, hash: number): string {
  const length = end - start;
  if (length > 32) return text.slice(start, end);
  const slot = (hash + length) & 511;
  const cached = INTERNED[slot]!;
  if (cached.length === length && spanEquals(text, start, cached)) return cached;
  const name = copyOf(text, start, end);
  INTERNED[slot] = name;
  return name;
}

/**
 * text[start, end) as a string of its own, flat: for short names only (at most a few hundred
 * characters). A slice of 13 characters or more is, in V8, a view of the whole text: kept in a
 * module-level table (INTERNED here, the tree's name table), it would keep a whole feed document
 * alive after its parse, for as long as the process runs. Made from character codes rather than
 * joined, so that the copy is one flat string, as fast to compare and to use as a key as a slice.
 */
export function copyOf(text: string, start: number, end: number): string {
  const codes: number[] = [];
  for (let i = start; i < end; i++) codes.push(text.charCodeAt(i));
  return String.fromCharCode(...codes);
}

/**
 * text[start, end) with XML's predefined entities and character references decoded; other "&"s
 * kept. `firstAmp` is text.indexOf("&", start) when the caller knows it already (ampAfter).
 */
export function decodeReferences(text: string, start: number, end: number, firstAmp?: number): string {
  let amp = firstAmp ?? text.indexOf("&", start);
  if (amp < 0 || amp >= end) return text.slice(start, end);
  let out = "";
  let copied = start;
  while (amp >= 0 && amp < end) {
    // The longest reference worth reading is "&#x0010FFFF;": look no further for its ";", so that
    // a text of bare "&"s costs no more than its length.
    let semi = amp + 1;
    const limit = Math.min(end, amp + 12);
    while (semi < limit && text.charCodeAt(semi) !== 0x3b) semi++;
    if (semi > amp + 1 && semi < limit) {
      const decoded = reference(text, amp + 1, semi);
      if (decoded !== undefined) {
        out += text.slice(copied, amp) + decoded;
        copied = semi + 1;
      }
    }
    amp = text.indexOf("&", amp + 1);
  }
  return out + text.slice(copied, end);
}

/**
 * The character that text[start, end) (between "&" and ";") stands for, or undefined. Read in
 * place, character by character: escaped HTML has thousands of references, and a slice, a regex
 * and a lookup for each would be garbage for each.
 */
function reference(text: string, start: number, end: number): string | undefined {
  const length = end - start;
  const c = text.charCodeAt(start);
  if (c !== 0x23) {
    // not "#": one of XML's five predefined entities (XML 1.0 §4.6), or nothing
    if (length === 2 && text.charCodeAt(start + 1) === 0x74) return c === 0x6c ? "<" : c === 0x67 ? ">" : undefined; // lt gt
    if (length === 3 && text.startsWith("amp", start)) return "&";
    if (length === 4) return text.startsWith("quot", start) ? '"' : text.startsWith("apos", start) ? "'" : undefined;
    return undefined;
  }
  const x = text.charCodeAt(start + 1);
  const hex = x === 0x78 || x === 0x58; // x X
  let i = start + (hex ? 2 : 1);
  if (i >= end) return undefined;
  let cp = 0;
  for (; i < end; i++) {
    const d = text.charCodeAt(i);
    let value: number;
    if (d >= 0x30 && d <= 0x39) value = d - 0x30;
    else if (hex && d >= 0x61 && d <= 0x66) value = d - 0x57;
    else if (hex && d >= 0x41 && d <= 0x46) value = d - 0x37;
    else return undefined;
    cp = cp * (hex ? 16 : 10) + value;
  }
  if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
  else if (cp >= 0x80 && cp <= 0x9f) return WINDOWS_1252_C1[cp - 0x80];
  return String.fromCodePoint(cp);
}

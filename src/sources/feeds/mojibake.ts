/**
 * Repairs "double-encoded" text: UTF-8 that somebody upstream decoded as ISO-8859-1 or
 * windows-1252 and wrote out again, so that "…" (UTF-8 bytes E2 80 A6) arrives as "â€¦" or, in
 * HTML, as "&acirc;&#128;&brvbar;". Python's feedparser repairs this too (it re-encodes a field as
 * ISO-8859-1 and keeps the result when it decodes as UTF-8); this does the same, more carefully:
 *
 * - All or nothing, per field: every non-ASCII character of the field, written literally or as an
 *   HTML character reference (HTML §13.5 maps &#128;–&#159; to windows-1252's characters), must
 *   map back to one byte (ISO-8859-1, or windows-1252 for “ ” € … and friends), and those bytes
 *   must be well-formed UTF-8 (RFC 3629 §3: no overlong forms, no surrogates). One character that
 *   does not fit, and the field is left as it is. So "Mãe" (E3 then "e", no continuation byte) and
 *   any text holding a character beyond windows-1252 (real Unicode) are never touched.
 * - Plausible only: a sequence that decodes to a C1 control character (U+0080–U+009F) is no
 *   repair. A two-byte sequence led by Ä–ß (C4–DF) could be legitimate Latin-1 text, an
 *   upper-case accented letter before a quote or a symbol ("CAFÉ…", "Ö“"), so such sequences
 *   alone need company: at least two of them, or one sequence of the unmistakable kinds, led by
 *   Â or Ã (C2, C3: "Ã©" is "é") or three or four bytes long ("â€™" is "’"). Legitimate text
 *   never writes those.
 *
 * The repaired characters are written literally (an HTML field stays HTML); every other character,
 * and every other character reference, is kept exactly as written.
 */
import { WINDOWS_1252_C1 } from "./decode.js";

/** windows-1252's characters for bytes 0x80–0x9F, back to their byte. */
const CP1252_BYTE = new Map<number, number>([...WINDOWS_1252_C1].map((c, i) => [c.codePointAt(0)!, 0x80 + i]));

/**
 * HTML named references (HTML §13.5) for the characters a windows-1252 byte can become: the
 * ISO-8859-1 upper half (&nbsp; to &yuml;, in code point order) and windows-1252's 0x80–0x9F.
 */
const LATIN1_NAMES =
  "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest " +
  "Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig " +
  "agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml";
const CP1252_NAMES: Record<string, number> = {
  euro: 0x20ac, sbquo: 0x201a, fnof: 0x192, bdquo: 0x201e, hellip: 0x2026, dagger: 0x2020, Dagger: 0x2021, circ: 0x2c6,
  permil: 0x2030, Scaron: 0x160, lsaquo: 0x2039, OElig: 0x152, Zcaron: 0x17d, lsquo: 0x2018, rsquo: 0x2019, ldquo: 0x201c,
  rdquo: 0x201d, bull: 0x2022, ndash: 0x2013, mdash: 0x2014, tilde: 0x2dc, trade: 0x2122, scaron: 0x161, rsaquo: 0x203a,
  oelig: 0x153, zcaron: 0x17e, Yuml: 0x178,
};
const NAMED = new Map<string, number>([...LATIN1_NAMES.split(" ").map((name, i): [string, number] => [name, 0xa0 + i]), ...Object.entries(CP1252_NAMES)]);

/** A character that may be part of mojibake: non-ASCII, or "&" (the start of a reference). */
const CANDIDATE = /[&\u0080-\uffff]/g;
const REFERENCE = /&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,7}));/y;

/** The byte a character came from when UTF-8 was read as windows-1252, or -1 when none did. */
function byteOf(codePoint: number): number {
  if (codePoint < 0x100) return codePoint;
  return CP1252_BYTE.get(codePoint) ?? -1;
}

/** Returns `text` with double-encoded UTF-8 decoded, or `text` itself when it is not clearly that. */
export function repairMojibake(text: string): string {
  // test() with lastIndex rather than exec(): no match array for each of the many fields that
  // hold nothing to repair.
  CANDIDATE.lastIndex = 0;
  if (!CANDIDATE.test(text)) return text;
  const first = CANDIDATE.lastIndex - 1;
  let out = "";
  let copiedTo = 0; // text[copiedTo..] has not been written to `out` yet
  let strong = 0;
  let weak = 0;
  let i = first;
  // Reads the byte the token at `at` stands for: { byte, end }, byte -1 for an ASCII character
  // (or a reference to one, or an "&" that starts no reference), -2 for a character no byte maps to.
  let byte = 0;
  let end = 0;
  const read = (at: number): void => {
    const code = text.charCodeAt(at);
    if (code === 0x26) {
      REFERENCE.lastIndex = at;
      const m = REFERENCE.exec(text);
      const cp = m === null ? undefined : m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? parseInt(m[2], 16) : NAMED.get(m[3]!);
      if (m === null || cp === undefined) {
        byte = -1;
        end = at + 1;
        return;
      }
      end = at + m[0].length;
      byte = cp < 0x80 ? -1 : byteOf(cp) < 0 ? -2 : byteOf(cp);
      return;
    }
    end = at + 1;
    byte = code < 0x80 ? -1 : byteOf(code) < 0 ? -2 : byteOf(code);
  };
  while (i < text.length) {
    read(i);
    if (byte === -1) {
      // ASCII: skip straight to the next candidate.
      CANDIDATE.lastIndex = end;
      i = CANDIDATE.test(text) ? CANDIDATE.lastIndex - 1 : text.length;
      continue;
    }
    if (byte < 0) return text; // real Unicode: not mojibake
    const start = i;
    const lead = byte;
    const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0) return text; // a continuation byte or an invalid lead on its own
    let cp = lead & (length === 2 ? 0x1f : length === 3 ? 0x0f : 0x07);
    i = end;
    for (let k = 1; k < length; k++) {
      if (i >= text.length) return text;
      read(i);
      if (byte < 0x80 || byte > 0xbf) return text; // ASCII, unmappable, or not a continuation byte
      cp = (cp << 6) | (byte & 0x3f);
      i = end;
    }
    // RFC 3629 §3: overlong forms, surrogates and code points above U+10FFFF are not UTF-8.
    const min = length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return text;
    if (cp <= 0x9f) return text; // a C1 control character is no repair
    if (length > 2 || lead <= 0xc3) strong++;
    else weak++;
    out += text.slice(copiedTo, start) + String.fromCodePoint(cp);
    copiedTo = i;
  }
  if (strong === 0 && weak < 2) return text;
  return out + text.slice(copiedTo);
}

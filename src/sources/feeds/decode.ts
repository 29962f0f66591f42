import { TextDecoder } from "node:util";
import { gunzipSync } from "node:zlib";
import { SourceError } from "../errors.js";

/**
 * Turns a feed's bytes into text. The charset comes, in order of authority, from a byte-order mark,
 * the Content-Type header, then the XML declaration (XML 1.0 Appendix F; RFC 7303 §3.2 puts the
 * header before the declaration). With none of them, UTF-8 (XML 1.0 §4.3.3), unless the bytes are
 * not UTF-8 at all: then windows-1252, the superset of ISO-8859-1 that undeclared legacy feeds are
 * written in (the fallback browsers and Python's feedparser use too). Unknown labels fall back to
 * UTF-8 rather than failing the feed.
 */
export function decodeFeedBody(bytes: Uint8Array, contentType: string | null): string {
  const declared = sniffBom(bytes) ?? charsetFromContentType(contentType) ?? charsetFromXmlDeclaration(bytes);
  if (declared !== undefined) {
    const decoder = decoderFor(declared);
    if (decoder !== undefined) return decode(decoder, bytes); // strips a BOM matching its encoding
  }
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return decode(decoderFor("windows-1252")!, bytes);
  }
}

/**
 * WHATWG Encoding maps the labels windows-1252, iso-8859-1 and latin1 to windows-1252, whose bytes
 * 0x80–0x9F are “ ” € … and friends. Node 20's decoder returns them as C1 control characters
 * instead (fixed in later Node versions), and curly quotes would then vanish from titles.
 */
export const WINDOWS_1252_C1 = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ";

function decode(decoder: TextDecoder, bytes: Uint8Array): string {
  const text = decoder.decode(bytes);
  if (decoder.encoding !== "windows-1252") return text;
  return text.replace(/[\u0080-\u009F]/g, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]!);
}

/**
 * Decoders by label, made once: a TextDecoder keeps no state between whole-buffer decode()
 * calls, and making one (its options, its converter) is a cost per feed. Unknown labels are not
 * remembered, so a hostile set of labels cannot grow the map; known ones are a few dozen at most.
 */
const DECODERS = new Map<string, TextDecoder>();

function decoderFor(label: string): TextDecoder | undefined {
  let decoder = DECODERS.get(label);
  if (decoder !== undefined) return decoder;
  try {
    decoder = new TextDecoder(label);
  } catch {
    return undefined;
  }
  if (DECODERS.size < 64) DECODERS.set(label, decoder);
  return decoder;
}

function sniffBom(b: Uint8Array): string | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return "utf-8";
  if (b[0] === 0xff && b[1] === 0xfe) return "utf-16le";
  if (b[0] === 0xfe && b[1] === 0xff) return "utf-16be";
  // UTF-16 without a BOM still starts "<?" as two-byte units (XML 1.0 Appendix F.1).
  if (b[0] === 0x3c && b[1] === 0x00 && b[2] === 0x3f && b[3] === 0x00) return "utf-16le";
  if (b[0] === 0x00 && b[1] === 0x3c && b[2] === 0x00 && b[3] === 0x3f) return "utf-16be";
  return undefined;
}

function charsetFromContentType(contentType: string | null): string | undefined {
  const match = contentType?.match(/charset\s*=\s*"?([\w.:-]+)"?/i);
  return match?.[1]?.toLowerCase();
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

function charsetFromXmlDeclaration(bytes: Uint8Array): string | undefined {
  const head = decoderFor("latin1")!.decode(bytes.subarray(0, 512));
  const label = head.match(/<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/i)?.[1]?.toLowerCase();
  // Bytes we could read the declaration from as ASCII are not UTF-16: a declaration that says
  // "utf-16" there is left over from a conversion (UTF-16 starts with a BOM or "<\0?\0", above).
  if (label !== undefined && label.startsWith("utf-16")) return undefined;
  return label;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Undoes gzip when the body itself is gzip data (RFC 1952 §2.3.1: it starts 1f 8b). Servers do
 * send a .xml.gz file as application/octet-stream or application/x-gzip without
 * Content-Encoding, so fetch() does not decompress it; no XML document can start with byte 0x1f,
 * so the sniff cannot misfire. The output is capped at `maxBytes` against gzip bombs.
 */
export function gunzipIfCompressed(bytes: Uint8Array, maxBytes: number): Uint8Array {
  if (bytes[0] !== GZIP_MAGIC[0] || bytes[1] !== GZIP_MAGIC[1]) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) {
      throw new BodyError(`the gzip-compressed body unpacks to more than ${Math.round(maxBytes / 1024 / 1024)} MB`);
    }
    throw new BodyError(`the body starts like gzip data but does not decompress (${(err as Error).message})`);
  }
}

/** A body that cannot be turned into text. Never temporary: the same bytes fail again. */
export class BodyError extends SourceError {
  constructor(message: string) {
    super(message, false);
    this.name = "BodyError";
  }
}

import { TextDecoder } from "node:util";

/**
 * Turns a feed's bytes into text. The charset comes, in order of authority, from a byte-order mark,
 * the Content-Type header, then the XML declaration (XML 1.0 Appendix F; RFC 7303 §3.2 puts the
 * header before the declaration). Unknown labels fall back to UTF-8 rather than failing the feed.
 */
export function decodeFeedBody(bytes: Uint8Array, contentType: string | null): string {
  const bom = sniffBom(bytes);
  const label = bom ?? charsetFromContentType(contentType) ?? charsetFromXmlDeclaration(bytes) ?? "utf-8";
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label);
  } catch {
    decoder = new TextDecoder("utf-8");
  }
  return decoder.decode(bytes); // TextDecoder strips a BOM matching its encoding.
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

function charsetFromXmlDeclaration(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 512));
  const match = head.match(/<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/i);
  return match?.[1]?.toLowerCase();
}

import { gzipSync } from "node:zlib";
import { BodyError, decodeFeedBody, gunzipIfCompressed } from "../../../src/sources/feeds/decode.js";

const latin1 = (s: string) => Buffer.from(s, "latin1");

test("UTF-8 by default, with a BOM stripped", () => {
  expect(decodeFeedBody(Buffer.from("\uFEFF<rss>é</rss>", "utf8"), null)).toBe("<rss>é</rss>");
});

test("the XML declaration's encoding is honoured when the header names none", () => {
  expect(decodeFeedBody(latin1('<?xml version="1.0" encoding="ISO-8859-1"?><t>caf\u00e9</t>'), "text/xml")).toContain("café");
});

test("the Content-Type charset wins over the declaration (RFC 7303 §3.2)", () => {
  const bytes = Buffer.from([0x3c, 0x74, 0x3e, 0xc6, 0x3c, 0x2f, 0x74, 0x3e]); // <t>Ж</t> in windows-1251
  expect(decodeFeedBody(bytes, "application/rss+xml; charset=windows-1251")).toBe("<t>Ж</t>");
});

test("UTF-16 with a BOM", () => {
  const body = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<?xml version="1.0"?><t>ok</t>', "utf16le")]);
  expect(decodeFeedBody(body, "text/xml; charset=utf-8")).toBe('<?xml version="1.0"?><t>ok</t>');
});

test("an unknown charset label falls back to UTF-8 instead of failing", () => {
  expect(decodeFeedBody(Buffer.from("<t>ok</t>"), "text/xml; charset=x-nonsense")).toBe("<t>ok</t>");
});

test("bytes that are not UTF-8 and declare nothing are windows-1252 (the legacy default)", () => {
  expect(decodeFeedBody(latin1("<t>Not\u00edcias \u0093quoted\u0094</t>"), null)).toBe("<t>Notícias “quoted”</t>");
  // Declared UTF-8 stays UTF-8 even when some bytes are broken: the declaration is believed.
  expect(decodeFeedBody(latin1('<?xml version="1.0" encoding="utf-8"?><t>caf\u00e9</t>'), null)).toContain("caf\uFFFD");
});

test('a "utf-16" declaration in 8-bit bytes is a leftover and ignored (XML 1.0 F.1: UTF-16 starts with a BOM)', () => {
  expect(decodeFeedBody(Buffer.from('<?xml version="1.0" encoding="utf-16"?><t>ok</t>'), null)).toBe('<?xml version="1.0" encoding="utf-16"?><t>ok</t>');
});

test("decoders are reused from feed to feed: nothing of one body carries over to the next", () => {
  // A cut-off multi-byte sequence, then whole bodies, through the same (cached) decoders.
  const bodies: [Uint8Array, string | null, string][] = [
    [Buffer.from([0xe2, 0x80]), "text/xml; charset=utf-8", "\uFFFD"],
    [Buffer.from("<r>é</r>"), "text/xml; charset=utf-8", "<r>é</r>"],
    [Buffer.from([0xff, 0xfe, ...Buffer.from("<r/>", "utf16le")]), null, "<r/>"],
    [Buffer.from([0xff, 0xfe, ...Buffer.from("<r/>", "utf16le")]), null, "<r/>"],
    [Buffer.from([0x3c, 0x72, 0x3e, 0xe9, 0x3c]), null, "<r>é<"], // not UTF-8: windows-1252
    [Buffer.from("<r>é</r>"), null, "<r>é</r>"],
    [Buffer.from([0x93, 0x78, 0x94]), "text/xml; charset=iso-8859-1", "“x”"],
    [Buffer.from([0x93, 0x78, 0x94]), "text/xml; charset=iso-8859-1", "“x”"],
  ];
  for (const [bytes, contentType, text] of bodies) expect(decodeFeedBody(bytes, contentType)).toBe(text);
});

describe("gunzipIfCompressed", () => {
  test("undoes a gzip body and leaves anything else alone", () => {
    const xml = Buffer.from("<rss/>");
    expect(Buffer.from(gunzipIfCompressed(gzipSync(xml), 1024)).toString()).toBe("<rss/>");
    expect(gunzipIfCompressed(xml, 1024)).toBe(xml);
  });

  test("a gzip bomb stops at the cap; corrupt gzip is a clear, permanent error", () => {
    const bomb = gzipSync(Buffer.alloc(5 * 1024 * 1024));
    expect(bomb.byteLength).toBeLessThan(10 * 1024);
    expect(() => gunzipIfCompressed(bomb, 1024 * 1024)).toThrow(new BodyError("the gzip-compressed body unpacks to more than 1 MB"));
    expect(() => gunzipIfCompressed(Buffer.from([0x1f, 0x8b, 1, 2, 3]), 1024)).toThrow(/^the body starts like gzip data but does not decompress/);
    expect(new BodyError("x").temporary).toBe(false);
  });
});

import { decodeFeedBody } from "../../../src/sources/decode.js";

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

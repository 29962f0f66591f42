import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildOpml, feedName, parseOpml } from "../../../src/ops/opml.js";

const fixture = readFileSync(join(__dirname, "../../fixtures/opml/reader-export.opml"), "utf8");

test("every outline with an xmlUrl, at any depth; unusable ones are reported", () => {
  const read = parseOpml(fixture);
  expect(read.feeds).toEqual([
    { title: "XMPP Standards Foundation", xmlUrl: "https://xmpp.org/feeds/all.atom.xml", htmlUrl: "https://xmpp.org/" },
    { title: "Prosody IM", xmlUrl: "https://blog.prosody.im/index.xml", htmlUrl: undefined },
    { title: "Café & Crème", xmlUrl: "http://cafe.example.org/rss", htmlUrl: undefined },
  ]);
  expect(read.skipped).toEqual(['Broken: "javascript:alert(1)" is not an http(s) URL']);
});

test("what is not OPML is refused with the reason", () => {
  expect(() => parseOpml("<rss><channel/></rss>")).toThrow("not an OPML file: the root element is <rss>; expected <opml>");
  expect(() => parseOpml("<opml version='2.0'><head/></opml>")).toThrow("it has no <body>");
});

test("names are short, readable and unique", () => {
  expect(feedName("Café & Crème", "http://x/", new Set())).toBe("cafe-creme");
  expect(feedName("XMPP", "http://x/", new Set(["xmpp"]))).toBe("xmpp-2");
  expect(feedName(undefined, "https://blog.prosody.im/index.xml", new Set())).toBe("blog-prosody-im");
  expect(feedName("!!!", "http://x/", new Set())).toBe("feed");
});

test("export round-trips through import, with markup escaped", () => {
  const text = buildOpml("Herald feeds", [{ name: "a", title: 'Tom & "Jerry" <3', url: "https://x/feed?a=1&b=2" }], new Date(0));
  expect(parseOpml(text).feeds).toEqual([{ title: 'Tom & "Jerry" <3', xmlUrl: "https://x/feed?a=1&b=2", htmlUrl: undefined }]);
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseFeed, FeedParseError, entryKey } from "../../../src/sources/feeds/parse-feed.js";
import { parseFeedDate } from "../../../src/sources/feeds/values.js";

const fixture = (name: string) => readFileSync(join(__dirname, "../../fixtures/feeds", name), "utf8");

test("RSS 2.0: guid identity, relative links resolved, author, categories, dates", async () => {
  const feed = await parseFeed(fixture("rss2.xml"), "https://blog.example.org/feed.xml");
  expect(feed.title).toBe("Example & Co blog");
  const [second, noGuid, bare] = feed.entries;
  expect(second).toMatchObject({
    key: "id:post-2",
    title: "Second post",
    link: "https://blog.example.org/2026/02/second/",
    author: "Ada Lovelace",
    categories: ["release", "xmpp"],
    summaryHtml: "<p>Hello &amp; welcome</p>",
  });
  expect(second!.published?.toISOString()).toBe("2026-02-02T10:00:00.000Z");
  // No guid: the link is the identity; an unparsable date is simply unknown.
  expect(noGuid).toMatchObject({ key: "link:https://blog.example.org/2026/01/first/", published: undefined });
  // Neither guid nor link: a hash of title and date, stable across fetches.
  expect(bare!.key).toMatch(/^hash:[0-9a-f]{32}$/);
  expect(bare!.title).toBe("");
  const again = await parseFeed(fixture("rss2.xml"), "https://blog.example.org/feed.xml");
  expect(again.entries[2]!.key).toBe(bare!.key);
});

test("Atom 1.0: id identity, alternate link, author name, category term", async () => {
  const feed = await parseFeed(fixture("atom.xml"), "https://atom.example.org/feed");
  expect(feed.entries).toHaveLength(1);
  expect(feed.entries[0]).toMatchObject({
    key: "id:tag:atom.example.org,2026:1",
    title: "Atom entry",
    link: "https://atom.example.org/posts/atom-entry",
    author: "Grace Hopper",
    categories: ["news"],
    summaryHtml: "<b>Bold</b> summary",
  });
});

test("RSS 1.0 (RDF) and RSS 0.91 are read", async () => {
  const rdf = await parseFeed(fixture("rss1.rdf"), "https://rdf.example.org/rss");
  expect(rdf.entries.map((e) => e.title)).toEqual(["RDF item"]);
  const old = await parseFeed(fixture("rss091.xml"), "http://old.example.org/rss");
  expect(old.entries.map((e) => [e.title, e.link])).toEqual([["Café opens", "http://old.example.org/cafe"]]);
});

test("an HTML page is refused with a reason", async () => {
  await expect(parseFeed(fixture("not-a-feed.html"), "https://x/")).rejects.toThrow(FeedParseError);
  await expect(parseFeed("", "https://x/")).rejects.toThrow(/not/);
});

test("a javascript: link is dropped rather than announced", async () => {
  const xml = `<rss version="2.0"><channel><title>t</title><item><title>x</title><link>javascript:alert(1)</link><guid>g</guid></item></channel></rss>`;
  const feed = await parseFeed(xml, "https://x/");
  expect(feed.entries[0]!.link).toBeUndefined();
});

test("entry identity prefers id, then link, then a hash", () => {
  expect(entryKey("g", "https://l", "t", undefined)).toBe("id:g");
  expect(entryKey(undefined, "https://l", "t", undefined)).toBe("link:https://l");
  expect(entryKey(undefined, undefined, "t", new Date(0))).not.toBe(entryKey(undefined, undefined, "t", new Date(1)));
});

test.each([
  ["Mon, 02 Feb 2026 10:00:00 GMT", "2026-02-02T10:00:00.000Z"],
  ["Sun, 10 Dec 17 13:01:36 -0800", "2017-12-10T21:01:36.000Z"],
  ["Tue, 17 Jun 2008 10:00:00 PST", "2008-06-17T18:00:00.000Z"],
  ["2016-02-08T22:25:00+01:00", "2016-02-08T21:25:00.000Z"],
  ["2016-02-08T22:25:00", "2016-02-08T22:25:00.000Z"],
  ["1518478934", "2018-02-12T23:42:14.000Z"],
  ["Seg, 24 Set 2018 10:00:00 -0300", "2018-09-24T13:00:00.000Z"],
  ["Do, 05 Dez 2019 08:00:00 +0100", "2019-12-05T07:00:00.000Z"],
])("the date %j is read as %s", (text, iso) => {
  expect(parseFeedDate(text)?.toISOString()).toBe(iso);
});

test.each(["", "not a date", "2", "2017", "32 Foo 2020"])("%j is no date", (text) => {
  expect(parseFeedDate(text)).toBeUndefined();
});

describe("RSS items read as they close", () => {
  // parse-feed.ts reads an RSS item as soon as its end tag is parsed when the channel's home page
  // is settled, and at the end otherwise; either way the entries must be the same.
  const item = (n: number) => `<item><title>Post ${n}</title><link>/posts/${n}</link><enclosure url="/media/${n}.mp3" type="audio/mpeg"/></item>`;
  const expected = [1, 2].map((n) => ({ title: `Post ${n}`, link: `https://home.example.org/posts/${n}`, media: [expect.objectContaining({ url: `https://home.example.org/media/${n}.mp3` })] }));

  test.each([
    ["the channel's link before the items", `<rss><channel><link>https://home.example.org/</link>${item(1)}${item(2)}</channel></rss>`],
    ["the channel's link after the items", `<rss><channel>${item(1)}${item(2)}<link>https://home.example.org/</link></channel></rss>`],
    ["a blank link first, then an atom:link", `<rss xmlns:atom="http://www.w3.org/2005/Atom"><channel><link> </link>${item(1)}${item(2)}<atom:link href="https://home.example.org/"/></channel></rss>`],
    ["RSS 1.0 items after a closed channel", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel><link>https://home.example.org/</link></channel>${item(1)}${item(2)}</rdf:RDF>`],
  ])("%s", async (_name, xml) => {
    // A file: base, as for a feed read from disk, so that relative links can only use the home page.
    const feed = await parseFeed(xml, "file:///tmp/feed.xml");
    expect(feed.link).toBe("https://home.example.org/");
    expect(feed.entries).toEqual(expected.map((e) => expect.objectContaining(e)));
  });

  test("an item nested in an item is still ignored, and a cut-off item still held back", async () => {
    const feed = await parseFeed(`<rss><channel><link>https://h.example/</link><item><title>A</title><item><title>B</title></item></item>${item(2).replace("</item>", "")}`, "https://h.example/rss");
    expect(feed.entries.map((e) => e.title)).toEqual(["A"]);
    expect(feed).toMatchObject({ truncated: true, heldBack: 1 });
  });
});

describe("Atom entries read as they close", () => {
  // parse-feed.ts reads an Atom entry as soon as its end tag is parsed when the feed's home page
  // is settled (atom.ts AtomEarlyReader), and at the end otherwise; the feed's author is filled in
  // at the end either way. The entries must be the same whichever way they were read.
  const A = 'xmlns="http://www.w3.org/2005/Atom"';
  const entry = (n: number, author = "") =>
    `<entry><id>urn:${n}</id><title>Post ${n}</title><link href="/posts/${n}"/><link rel="enclosure" href="/media/${n}.mp3" type="audio/mpeg"/>${author}</entry>`;
  const expected = (author: string) =>
    [1, 2].map((n) => ({ title: `Post ${n}`, author: n === 2 ? "Own" : author, link: `https://home.example.org/posts/${n}`, media: [expect.objectContaining({ url: `https://home.example.org/media/${n}.mp3` })] }));
  const own = "<author><name>Own</name></author>";
  const home = '<link rel="alternate" type="text/html" href="https://home.example.org/"/>';

  test.each([
    ["home page and author before the entries", `<feed ${A}>${home}<author><name>Feed</name></author>${entry(1)}${entry(2, own)}</feed>`],
    ["the author after the entries", `<feed ${A}>${home}${entry(1)}${entry(2, own)}<author><name>Feed</name></author></feed>`],
    ["the home page after the entries", `<feed ${A}><author><name>Feed</name></author>${entry(1)}${entry(2, own)}${home}</feed>`],
    // An alternate of another type first: an HTML alternate after the entries would still win.
    ["an Atom alternate first, the HTML one after", `<feed ${A}><link rel="alternate" type="application/atom+xml" href="https://other.example.org/"/><author><name>Feed</name></author>${entry(1)}${entry(2, own)}${home}</feed>`],
  ])("%s", async (_name, xml) => {
    const feed = await parseFeed(xml, "file:///tmp/feed.atom");
    expect(feed.link).toBe("https://home.example.org/");
    expect(feed.entries).toEqual(expected("Feed").map((e) => expect.objectContaining(e)));
  });

  test("without a feed author, an entry without one has none", async () => {
    const feed = await parseFeed(`<feed ${A}>${home}${entry(1)}${entry(2, own)}</feed>`, "file:///tmp/feed.atom");
    expect(feed.entries.map((e) => e.author)).toEqual([undefined, "Own"]);
  });

  test("an entry nested in an entry is still ignored, and a cut-off entry still held back", async () => {
    const feed = await parseFeed(`<feed ${A}>${home}<entry><title>A</title><entry><title>B</title></entry></entry>${entry(2).replace("</entry>", "")}`, "https://h.example/atom");
    expect(feed.entries.map((e) => e.title)).toEqual(["A"]);
    expect(feed).toMatchObject({ truncated: true, heldBack: 1 });
  });
});

test("an RSS item's fields come from the first element of each kind, then the fallbacks in order", async () => {
  const ns = 'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/"';
  const feed = await parseFeed(
    `<rss ${ns}><channel><link>https://h.example/</link>` +
      // A blank first <title> hides the second: dc:title is next. A blank <description>: content:encoded.
      `<item><title> </title><title>Second</title><dc:title>DC</dc:title><guid>g1</guid><description> </description><content:encoded>Full</content:encoded>` +
      `<atom:updated>2024-01-02T00:00:00Z</atom:updated><dc:date>not a date</dc:date><atom:author><atom:name>Ann</atom:name></atom:author><link>https://h.example/1</link><link>https://h.example/other</link></item>` +
      `<item><pubDate>Tue, 03 Sep 2019 15:56:00 GMT</pubDate><dc:creator>Bo</dc:creator><author>x@example.org (X)</author><title>T2</title><guid>g2</guid></item>` +
      `</channel></rss>`,
    "https://h.example/rss",
  );
  expect(feed.entries.map((e) => [e.title, e.summaryHtml, e.link, e.author, e.published?.toISOString()])).toEqual([
    ["DC", "Full", "https://h.example/1", "Ann", "2024-01-02T00:00:00.000Z"],
    ["T2", "", undefined, "Bo", "2019-09-03T15:56:00.000Z"],
  ]);
});

// Feeds as they are served in the wild: odd encodings, prefixes, relative links, junk, broken XML.
// Each fixture is a small file modelled on a quirk of a real feed (see ../shared/corpus/feeds/SOURCES.md).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { formatAnnouncement } from "../../../src/announce/format.js";
import { readFeedFile } from "../../../src/sources/feeds/feed-file.js";
import { FeedParseError, parseFeedText, readFeedText } from "../../../src/sources/feeds/parse-feed.js";

const path = (name: string) => join(__dirname, "../../fixtures/feeds", name);
const text = (name: string) => readFileSync(path(name), "utf8");

describe("formats", () => {
  test("prefixed Atom: elements are matched by namespace, not by prefix", () => {
    const feed = parseFeedText(text("prefixed-atom.xml"), "https://ignored.example/feed");
    expect(feed.title).toBe("Prefixed Atom");
    expect(feed.link).toBe("https://prefixed.example.org/blog/");
    expect(feed.entries).toHaveLength(1);
    const [entry] = feed.entries;
    expect(entry).toMatchObject({
      key: "id:urn:uuid:8f2a7c1e-0000-4000-8000-000000000002",
      // type="text" is escaped, so the announcement shows it literally.
      title: "Prefixes &amp; &lt;namespaces&gt;",
      // rel="self" is not the post; xml:base on the entry applies to its link (XML Base §4.2).
      link: "https://prefixed.example.org/blog/2026/03/prefixes/",
      // RFC 4287 §4.2.1: the entry inherits the feed's author.
      author: "Feed Author",
      categories: ["xml"],
      summaryHtml: "<p>If you can read <em>this</em>, prefixes work.</p>",
    });
    expect(entry!.published?.toISOString()).toBe("2026-03-02T09:00:00.000Z");
    expect(formatAnnouncement(entry!).split("\n").slice(0, 2)).toEqual(["*Prefixes & <namespaces>* — Feed Author", "If you can read this, prefixes work."]);
  });

  test("Atom 0.3: issued date, escaped content, the alternate link", () => {
    const [entry] = parseFeedText(text("atom03.xml"), "http://old.example.org/atom.xml").entries;
    expect(entry).toMatchObject({
      key: "id:tag:old.example.org,2008:entry-1",
      link: "http://old.example.org/weblog/2008/12/old-style.html",
      author: "Tom",
      summaryHtml: "<p>Escaped <b>HTML</b> content.</p>",
    });
    expect(entry!.published?.toISOString()).toBe("2008-12-09T02:47:00.000Z");
  });

  test("a Pelican Atom feed: tweets and scripts leave the summary, relative links resolve", () => {
    const feed = parseFeedText(text("pelican-atom.xml"), "https://site.example.org/feeds/all.atom.xml");
    const [entry] = feed.entries;
    expect(entry!.key).toBe("id:tag:,2017-02-27:2017/02/team-meeting-9");
    expect(entry!.link).toBe("https://site.example.org/2017/02/team-meeting-9");
    expect(formatAnnouncement(entry!)).toBe(
      [
        "*Team Meeting 9* — Robin",
        "Once again the whole team met in the old library by the river for two days of talks, plans and rather too much coffee, as it does every winter. …",
        "https://site.example.org/2017/02/team-meeting-9",
      ].join("\n"),
    );
  });
});

describe("links", () => {
  test("relative links resolve against xml:base, then the document's URL (RFC 3986 §5.1)", () => {
    const feed = parseFeedText(text("relative-links.xml"), "https://relative.example.org/news/rss");
    expect(feed.link).toBe("https://relative.example.org/news/");
    expect(feed.entries.map((e) => e.link)).toEqual([
      "https://relative.example.org/news/1-first",
      "https://cdn.example.net/archive/2-second",
      "https://other.example.com/3",
      "https://relative.example.org/news/4",
    ]);
  });

  test("read from a file, relative links resolve against --base, else they are left out", async () => {
    const fromFile = await readFeedFile(path("relative-links.xml"));
    expect(fromFile.entries.map((e) => e.link)).toEqual([undefined, "https://cdn.example.net/archive/2-second", undefined, "https://relative.example.org/news/4"]);
    const rebased = await readFeedFile(path("relative-links.xml"), "https://relative.example.org/news/rss");
    expect(rebased.entries[0]!.link).toBe("https://relative.example.org/news/1-first");
  });

  test("a file's relative links fall back to the feed's absolute home page", async () => {
    const feed = await readFeedFile(path("rss2.xml"));
    expect(feed.entries[0]!.link).toBe("https://blog.example.org/2026/02/second/");
  });
});

describe("encodings", () => {
  test("Latin-1 without any declaration is read as windows-1252, not as broken UTF-8", async () => {
    const feed = await readFeedFile(path("latin1-undeclared.rss"));
    expect(feed.title).toBe("Notícias");
    expect(feed.entries[0]).toMatchObject({ title: "Simulações de 2º turno", link: "https://latin.example.com.br/1" });
  });

  test("windows-1251 declared in the XML prolog", async () => {
    const feed = await readFeedFile(path("windows-1251.rss"));
    expect(feed.title).toBe("Новости");
    expect(feed.entries[0]).toMatchObject({ title: "Детский сад", link: "http://cyr.example.ru/news/1/" });
  });

  test("UTF-16LE with a byte-order mark", async () => {
    const feed = await readFeedFile(path("utf16le-bom.xml"));
    expect(feed.entries.map((e) => [e.key, e.title])).toEqual([["id:u16-1", "Ünïcödé ✓"]]);
  });
});

describe("broken documents", () => {
  test("junk before the XML declaration is skipped", () => {
    const feed = parseFeedText(text("junk-before.xml"), "https://junk.example.org/feed");
    expect(feed.entries.map((e) => e.title)).toEqual(["Still read"]);
  });

  test("a bare & and an undeclared &nbsp; do not lose the items after them", () => {
    const feed = parseFeedText(text("not-well-formed.xml"), "http://sloppy.example.com/rss");
    expect(feed.entries.map((e) => e.link)).toEqual([
      "http://sloppy.example.com/good",
      "http://sloppy.example.com/bad?a=1&b=2",
      "http://sloppy.example.com/after",
    ]);
    // The undeclared entity stays text until the announcement decodes it as HTML.
    expect(feed.entries[1]!.title).toBe("Bad&nbsp;item");
    expect(formatAnnouncement(feed.entries[1]!).split("\n")[0]).toBe("*Bad item*");
  });

  test("a truncated file keeps its complete items and drops the cut one", () => {
    const feed = parseFeedText(text("truncated.xml"), "http://cut.example.com/rss");
    expect(feed.entries.map((e) => e.title)).toEqual(["Complete one", "Complete two"]);
    // dc:date as epoch seconds.
    expect(feed.entries[0]!.published?.toISOString()).toBe("2018-02-12T23:42:14.000Z");
  });

  test("a file cut off inside its first item is refused with the reason", () => {
    expect(() => parseFeedText(text("truncated-first-item.xml"), "http://x/")).toThrow(
      new FeedParseError("not a readable feed: the document ends inside <rss> before any complete item (truncated?)"),
    );
  });

  test("read leniently, a file cut off inside its first item gives its channel and holds the item back", () => {
    // What feedparser returns from its tests/illformed/rss_incomplete_cdata.xml: the channel, and
    // of the item nothing, since the end of the file cut its title.
    const feed = readFeedText(text("truncated-first-item.xml"), "http://x/");
    expect(feed).toMatchObject({ title: "cut in the first item", entries: [], truncated: true, heldBack: 1 });
  });

  test("a file cut off inside a CDATA section keeps the items before it and holds back the cut one", () => {
    for (const read of [parseFeedText, readFeedText]) {
      const feed = read(text("truncated-in-cdata.xml"), "http://cdata.example.com/rss");
      expect(feed).toMatchObject({ title: "Cut in a CDATA section", link: "http://cdata.example.com/", truncated: true, heldBack: 1 });
      expect(feed.entries.map((e) => [e.key, e.title])).toEqual([["id:http://cdata.example.com/1", "Whole <b>one</b>"]]);
    }
  });

  test("a whole document is neither truncated nor holds anything back", () => {
    expect(parseFeedText(text("rss2.xml"), "https://x/")).toMatchObject({ truncated: false, heldBack: 0 });
  });

  test("UTF-8 read as Latin-1 upstream is repaired in text fields, legitimate Latin-1 is not", () => {
    const feed = parseFeedText(text("double-encoded.xml"), "https://double.example.org/rss");
    expect(feed.title).toBe("Café reviews");
    expect(feed.entries.map((e) => [e.key, e.title, e.summaryHtml, e.author, e.categories])).toEqual([
      // feedparser's case: "…" written as &acirc;&#128;&brvbar;.
      ["id:de-1", "Wait for… it", "…", undefined, ["Cafés"]],
      ["id:de-2", "Mãe de utente é a nova presidente", "<p>O caf&eacute; & a m&atilde;e</p>", "João", []],
      // "CAFÉ…" is valid UTF-8 by accident, but no evidence; a curly quote keeps the summary as is.
      ["id:de-3", "CAFÉ…", "Mixed: CafÃ© and “quotes”", undefined, []],
    ]);
  });

  test("an entity bomb is never expanded: DTD entities stay literal text", () => {
    const started = process.memoryUsage().heapUsed;
    const feed = parseFeedText(text("entity-bomb.xml"), "https://bomb.example.org/rss");
    expect(feed.title).toBe("&lol9;");
    expect(feed.entries[0]).toMatchObject({ title: "Laughs &lol9;", summaryHtml: "&ext;" });
    // A billion "lol"s would be gigabytes; nothing near even a megabyte was allocated for them.
    expect(process.memoryUsage().heapUsed - started).toBeLessThan(50 * 1024 * 1024);
  });

  test.each([
    ["", "not an RSS or Atom feed: no XML element found"],
    ["just text", "not an RSS or Atom feed: no XML element found"],
    ["<html><body>hi</body></html>", "not an RSS or Atom feed: the root element is <html> (an HTML page, not a feed); expected <rss>, <rdf:RDF> or <feed>"],
    ["<opml version='2.0'/>", "not an RSS or Atom feed: the root element is <opml>; expected <rss>, <rdf:RDF> or <feed>"],
    ["\u001f\u008b\u0008binary", "not an RSS or Atom feed: no XML element found"],
    ["<\u0000\u0001\u0002>", "not an RSS or Atom feed: the content is not XML (binary data?)"],
  ])("%j is refused with a one-line reason", (input, reason) => {
    expect(() => parseFeedText(input, "https://x/")).toThrow(new FeedParseError(reason));
  });

  test("gzip bytes in a file are undone first", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const file = join(mkdtempSync(join(tmpdir(), "herald-gz-")), "feed.xml");
    writeFileSync(file, gzipSync(readFileSync(path("windows-1251.rss"))));
    expect((await readFeedFile(file)).title).toBe("Новости");
  });
});

describe("identity", () => {
  test("items without titles are kept, with a stable hash identity", () => {
    const first = parseFeedText(text("untitled.xml"), "https://x/");
    const again = parseFeedText(text("untitled.xml"), "https://x/");
    expect(first.entries).toHaveLength(1);
    expect(first.entries[0]!.title).toBe("");
    expect(first.entries[0]!.key).toMatch(/^hash:[0-9a-f]{32}$/);
    expect(again.entries[0]!.key).toBe(first.entries[0]!.key);
    expect(formatAnnouncement(first.entries[0]!).split("\n")[0]).toBe("*(untitled)*");
  });

  test("duplicate guids: repeats collapse; the oldest keeps a shared guid, newer ones add their link", () => {
    const feed = parseFeedText(text("guid-dupes.xml"), "https://dupes.example.org/rss");
    expect(feed.entries.map((e) => [e.key, e.title])).toEqual([
      ["id:https://dupes.example.org/#https://dupes.example.org/newer", "Newer post, reused guid"],
      ["id:https://dupes.example.org/twice", "Twice the guid"],
      ["id:https://dupes.example.org/", "Older post, first with that guid"],
    ]);
  });
});

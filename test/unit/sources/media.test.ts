// Media of entries: RSS enclosures, Atom rel="enclosure", Media RSS, iTunes images; junk is left out.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseFeedText } from "../../../src/sources/feeds/parse-feed.js";
import { MAX_MEDIA_PER_ENTRY, mediaLength, mediaRole, mediaType, settleMedia } from "../../../src/sources/media.js";

const text = (name: string) => readFileSync(join(__dirname, "../../fixtures/feeds", name), "utf8");
const byKey = (name: string, base: string) => new Map(parseFeedText(text(name), base).entries.map((e) => [e.key, e]));

describe("reading values at the edge", () => {
  test.each([
    ["audio/mpeg", "audio/mpeg"],
    ["  Audio/MPEG ", "audio/mpeg"],
    ['video/mp4; codecs="avc1"', 'video/mp4; codecs="avc1"'],
    ["mp3", undefined],
    ["image", undefined],
    ["", undefined],
    ["audio/", undefined],
    [undefined, undefined],
  ])("type %j reads as %j", (raw, type) => {
    expect(mediaType(raw)).toBe(type);
  });

  test.each([
    ["12345678", 12345678],
    [" 512 ", 512],
    ["0", undefined], // RSS Best Practices: 0 means the publisher does not know
    ["-1", undefined],
    ["12.5", undefined],
    ["1,024", undefined],
    ["1e6", undefined],
    ["lots", undefined],
    ["99999999999999999999", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("length %j reads as %j", (raw, length) => {
    expect(mediaLength(raw)).toBe(length);
  });

  test("the role comes from the medium, else the type, else the URL's extension", () => {
    expect(mediaRole({ medium: "image", type: "audio/mpeg", url: undefined })).toBe("image");
    expect(mediaRole({ medium: " Video ", type: undefined, url: undefined })).toBe("enclosure");
    expect(mediaRole({ medium: "document", type: "image/png", url: undefined })).toBeUndefined();
    expect(mediaRole({ type: "image/webp", url: "https://x.org/a.mp3" })).toBe("image");
    expect(mediaRole({ type: "audio/ogg", url: undefined })).toBe("enclosure");
    expect(mediaRole({ type: "application/pdf", url: "https://x.org/a.jpg" })).toBeUndefined();
    expect(mediaRole({ type: undefined, url: "https://x.org/a.JPG?w=460" })).toBe("image");
    expect(mediaRole({ type: undefined, url: "https://x.org/episode.m4a" })).toBe("enclosure");
    expect(mediaRole({ type: undefined, url: "https://x.org/watch?v=1" })).toBeUndefined();
  });

  test("settling: enclosures first, then images, each URL once (filling in what it lacked), at most 8", () => {
    const image = (n: number) => ({ url: `https://x.org/${n}.jpg`, type: undefined, length: undefined, role: "image" as const });
    const settled = settleMedia([
      image(0),
      { url: "https://x.org/a.mp3", type: undefined, length: undefined, role: "enclosure" },
      { url: undefined, type: "audio/mpeg", length: 1, role: "enclosure" },
      { url: "https://x.org/what", type: undefined, length: undefined, role: undefined },
      { url: "https://x.org/a.mp3", type: "audio/mpeg", length: 42, role: "image" },
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map(image),
    ]);
    expect(settled).toHaveLength(MAX_MEDIA_PER_ENTRY);
    expect(settled[0]).toEqual({ url: "https://x.org/a.mp3", type: "audio/mpeg", length: 42, role: "enclosure" });
    expect(settled.slice(1).map((m) => m.url)).toEqual([0, 1, 2, 3, 4, 5, 6].map((n) => `https://x.org/${n}.jpg`));
  });
});

describe("feeds", () => {
  test("a podcast: enclosures then the episode's itunes:image; relative URLs resolved; the media:content twin merged", () => {
    const entries = byKey("podcast.rss", "https://cast.example.org/feed.xml");
    expect(entries.get("id:ep-1")!.media).toEqual([
      { url: "https://cast.example.org/audio/ep1.mp3", type: "audio/mpeg", length: 12345678, role: "enclosure" },
      { url: "https://cast.example.org/covers/ep1.jpg", type: undefined, length: undefined, role: "image" },
    ]);
    // The cover comes first in the document, the audio still comes first in the list; an image
    // enclosure is an image; length="0" is unknown.
    expect(entries.get("id:ep-2")!.media).toEqual([
      { url: "https://cast.example.org/audio/ep2.m4a", type: undefined, length: undefined, role: "enclosure" },
      { url: "https://cast.example.org/cover-2.jpg", type: undefined, length: undefined, role: "image" },
      { url: "https://cast.example.org/audio/ep2-notes.png", type: "image/png", length: 2048, role: "image" },
    ]);
    // The channel's itunes:image is the show's, not the post's; a post without media has none.
    expect(entries.get("id:news")).not.toHaveProperty("media");
  });

  test("a podcast read from a file: relative enclosures resolve against the item's link", () => {
    const entries = byKey("podcast.rss", "file:///srv/feeds/podcast.rss");
    expect(entries.get("id:ep-2")!.media!.map((m) => m.url)).toEqual([
      "https://cast.example.org/audio/ep2.m4a",
      "https://cast.example.org/episodes/2/cover-2.jpg",
      "https://cast.example.org/audio/ep2-notes.png",
    ]);
  });

  test("Atom: rel=enclosure, also as the IANA IRI, against xml:base; types lower-cased, junk lengths unknown", () => {
    const [entry] = parseFeedText(text("atom-enclosure.xml"), "https://audio.example.org/feed.atom").entries;
    expect(entry!.link).toBe("https://audio.example.org/2026/talk/");
    expect(entry!.media).toEqual([
      { url: "https://audio.example.org/2026/talk/talk.ogg", type: "audio/ogg", length: 2048000, role: "enclosure" },
      { url: "https://cdn.example.org/talk.webm", type: "video/webm", length: undefined, role: "enclosure" },
    ]);
  });

  test("Media RSS: media:group with its default first, thumbnails as images, documents and Gravatars left out", () => {
    const entries = byKey("media-rss.xml", "https://media.example.org/rss");
    expect(entries.get("id:video")!.media).toEqual([
      { url: "https://media.example.org/v/large.mp4", type: "video/mp4", length: 9000000, role: "enclosure" },
      { url: "https://media.example.org/v/small.mp4", type: "video/mp4", length: 1000000, role: "enclosure" },
      { url: "https://media.example.org/v/poster.jpg", type: undefined, length: undefined, role: "image" },
    ]);
    // medium="image"; a thumbnail inside media:content; a media:content with neither medium nor
    // type read by its extension; one that says nothing is left out; the namespace without its slash.
    expect(entries.get("id:pictures")!.media!.map((m) => [m.role, m.url])).toEqual([
      ["image", "https://media.example.org/p/lead.jpg"],
      ["image", "https://media.example.org/p/lead-small.jpg"],
      ["image", "https://media.example.org/p/second.jpg?w=460&q=55"],
      ["image", "https://media.example.org/p/slashless.png"],
    ]);
  });

  test("junk values: nothing throws, unusable URLs are dropped, bad types and lengths become unknown, 8 at most", () => {
    const entries = byKey("media-junk.xml", "file:///srv/feeds/junk.xml");
    expect(entries.get("id:bad-values")!.media).toEqual([
      { url: "http://junk.example.org/a.mp3", type: undefined, length: undefined, role: "enclosure" },
      { url: "http://junk.example.org/b.mp3", type: undefined, length: undefined, role: "enclosure" },
      { url: "http://junk.example.org/c.mp3", type: "audio/mpeg", length: undefined, role: "enclosure" },
      { url: "http://junk.example.org/d.mp3", type: undefined, length: undefined, role: "enclosure" },
      { url: "http://junk.example.org/e.jpg", type: "image/jpeg", length: 512, role: "image" },
    ]);
    const many = entries.get("id:too-many")!.media!;
    expect(many).toHaveLength(8);
    expect(many.map((m) => m.url.replace("http://junk.example.org/", ""))).toEqual(["last-but-first.mp3", "1.jpg", "2.jpg", "3.jpg", "4.jpg", "5.jpg", "6.jpg", "7.jpg"]);
  });

  test("feeds without media give entries without the field", () => {
    for (const entry of parseFeedText(text("rss2.xml"), "https://blog.example.org/feed.xml").entries) expect(entry).not.toHaveProperty("media");
  });
});

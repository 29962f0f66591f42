// Media of entries: RSS enclosures, Atom rel="enclosure", Media RSS, iTunes images; junk is left out.
import { MAX_MEDIA_PER_ENTRY, mediaLength, mediaRole, mediaType, settleMedia } from "../../../src/sources/media.js";

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

import { formatDigest, MAX_DIGEST_LINES } from "../../../src/announce/digest-text.js";

const since = Date.parse("2026-03-09T09:00:00Z");

test("a digest lists each post's clean title and link under a bold header", () => {
  const text = formatDigest(
    [
      { feed: "blog", title: "A <b>bold</b> *claim*", link: "https://b/a" },
      { feed: "blog", title: "   ", link: undefined },
    ],
    since,
  );
  expect(text).toBe("*Digest: 2 new posts since 2026-03-09 09:00 UTC*\n• A bold \u2217claim\u2217 https://b/a\n• (untitled)");
});

test("a long period is cut with a count of the rest", () => {
  const posts = Array.from({ length: MAX_DIGEST_LINES + 3 }, (_, i) => ({ feed: "blog", title: `Post ${i}`, link: `https://b/${i}` }));
  const lines = formatDigest(posts, since).split("\n");
  expect(lines).toHaveLength(1 + MAX_DIGEST_LINES + 1);
  expect(lines[lines.length - 1]).toBe("…and 3 more");
  expect(lines[0]).toBe(`*Digest: ${MAX_DIGEST_LINES + 3} new posts since 2026-03-09 09:00 UTC*`);
});

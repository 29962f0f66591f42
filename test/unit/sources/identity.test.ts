import { isMassIdChange, linkKey } from "../../../src/sources/identity.js";

test("links that name the same page have the same key", () => {
  const same = [
    "http://blog.example.org/2026/03/release/",
    "https://blog.example.org/2026/03/release",
    "https://BLOG.example.org:443/2026/03/release/index.html",
    "https://www.blog.example.org/2026/03/release/#comments",
    "https://blog.example.org/2026/03/release/?utm_source=rss&utm_medium=feed&fbclid=x",
  ];
  expect(new Set(same.map(linkKey))).toEqual(new Set(["blog.example.org/2026/03/release"]));
});

test("links to different pages keep different keys", () => {
  expect(linkKey("https://blog.example.org/a/")).not.toBe(linkKey("https://blog.example.org/b/"));
  expect(linkKey("https://blog.example.org/post?id=1")).not.toBe(linkKey("https://blog.example.org/post?id=2"));
  expect(linkKey("https://blog.example.org:8443/a")).not.toBe(linkKey("https://blog.example.org/a"));
  expect(linkKey("https://Blog.example.org/A")).not.toBe(linkKey("https://blog.example.org/a")); // paths are case-sensitive
});

test("what is not an http(s) URL has no key", () => {
  for (const link of [undefined, "", "mailto:a@b", "javascript:alert(1)", "not a url", "tag:blog.example.org,2026:1"]) expect(linkKey(link)).toBeUndefined();
});

test("a mass id change is three or more unknown posts and at least half the read", () => {
  expect(isMassIdChange(10, 10)).toBe(true);
  expect(isMassIdChange(3, 6)).toBe(true);
  expect(isMassIdChange(3, 7)).toBe(false);
  expect(isMassIdChange(2, 2)).toBe(false);
  expect(isMassIdChange(1, 20)).toBe(false);
});

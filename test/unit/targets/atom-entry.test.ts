import { readFileSync } from "node:fs";
import { join } from "node:path";
import { atomEntry, CONTENT_CHARS, itemIdOf, NS_ATOM } from "../../../src/targets/atom-entry.js";
import type { Entry } from "../../../src/sources/entry.js";

const FIXTURES = join(__dirname, "../../fixtures/pubsub");

const post: Entry = {
  key: "id:tag:blog.example.org,2026:herald-1-0",
  title: "Herald 1.0 &amp; <em>PubSub</em>",
  link: "https://blog.example.org/herald-1-0/",
  author: "Ada Lovelace",
  published: new Date("2026-11-30T10:00:00Z"),
  summaryHtml: "<p>Herald now publishes to <b>PubSub</b> nodes. Each post is one item.</p>",
  categories: ["release", "xmpp"],
};
const options = { feedTitle: "The blog", fallbackId: "xmpp:pubsub.example.org?;node=blog;item=x", updated: new Date("2026-11-30T10:00:00Z") };

test("a post becomes the Atom entry of the fixture: title, link, id, dates, author, summary, categories", () => {
  const expected = readFileSync(join(FIXTURES, "atom-entry.xml"), "utf8").trim();
  expect(atomEntry(post, options).toString()).toBe(expected);
});

test("the post's text in full goes in atom:content when the summary does not hold all of it", () => {
  const long = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} of the post.`).join(" ");
  const entry = atomEntry({ ...post, summaryHtml: `<p>${long}</p><p>Second paragraph.</p>` }, options);
  expect(entry.getChild("content", NS_ATOM)?.attrs.type).toBe("text");
  expect(entry.getChildText("content", NS_ATOM)).toBe(`${long}\n\nSecond paragraph.`);
  expect(entry.getChildText("summary", NS_ATOM)!.length).toBeLessThanOrEqual(300);
  // A service that found the item too big gets it without.
  expect(atomEntry({ ...post, summaryHtml: long }, { ...options, withoutContent: true }).getChild("content", NS_ATOM)).toBeUndefined();
  // Never more than the cap, however long the post.
  const huge = atomEntry({ ...post, summaryHtml: "word ".repeat(30_000) }, options);
  expect(huge.getChildText("content", NS_ATOM)!.length).toBeLessThanOrEqual(CONTENT_CHARS);
});

test("RFC 4287 needs an id and an author: the link, then the fallback; the feed's title", () => {
  const noGuid = atomEntry({ ...post, key: "hash:abc", author: undefined }, options);
  expect(noGuid.getChildText("id", NS_ATOM)).toBe(post.link);
  expect(noGuid.getChild("author", NS_ATOM)?.getChildText("name", NS_ATOM)).toBe("The blog");
  // A guid that is no IRI (a bare number) is not an atom:id.
  const bare = atomEntry({ ...post, key: "id:12345", link: undefined, published: undefined, title: "" }, options);
  expect(bare.getChildText("id", NS_ATOM)).toBe(options.fallbackId);
  expect(bare.getChild("link", NS_ATOM)).toBeUndefined();
  expect(bare.getChild("published", NS_ATOM)).toBeUndefined();
  expect(bare.getChildText("title", NS_ATOM)).toBe("(untitled)");
  expect(bare.getChildText("updated", NS_ATOM)).toBe("2026-11-30T10:00:00.000Z");
});

test("text that XML cannot carry (control characters) is left out; a javascript: link is no link", () => {
  const entry = atomEntry({ ...post, title: "Bell\u0007 title", summaryHtml: "Null\u0000 byte", link: "javascript:alert(1)" }, options);
  expect(entry.toString()).not.toMatch(/[\u0000\u0007]/);
  expect(entry.getChild("link", NS_ATOM)).toBeUndefined();
});

test("an item id is the post's identity: the same for the same feed and key, different otherwise", () => {
  expect(itemIdOf("blog", post.key)).toBe(itemIdOf("blog", post.key));
  expect(itemIdOf("blog", post.key)).toMatch(/^[0-9a-f]{40}$/);
  expect(itemIdOf("other", post.key)).not.toBe(itemIdOf("blog", post.key));
  expect(itemIdOf("blog", "id:b")).not.toBe(itemIdOf("blog", "id:a"));
});

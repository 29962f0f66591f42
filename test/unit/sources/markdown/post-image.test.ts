// A post's lead image from its front matter (image, else Hugo's images), resolved against its link.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { postImage } from "../../../../src/sources/markdown/image.js";
import { postEntry, readPost, type PostOptions } from "../../../../src/sources/markdown/post.js";

const OPTIONS: PostOptions = { timeZone: "UTC", link: "https://blog.example.org/{year}/{month}/{slug}/", translations: "skip" };
const entryOf = (name: string, options: PostOptions = OPTIONS) => {
  const result = readPost(name, readFileSync(join(__dirname, "../../../fixtures/markdown/media", name), "utf8"), options);
  if (result.kind !== "post") throw new Error(`${name}: ${result.kind}`);
  return postEntry(result.post);
};

test("image: resolved against the post's link, and it wins over images", () => {
  expect(entryOf("with-image.md").media).toEqual([
    { url: "https://blog.example.org/2026/03/with-image/cover.jpg", type: undefined, length: undefined, role: "image" },
  ]);
});

test("Hugo's images: the first one, a site path resolved against the post's link", () => {
  expect(entryOf("hugo-images.md").media).toEqual([{ url: "https://blog.example.org/images/social/first.png", type: undefined, length: undefined, role: "image" }]);
});

test("an image that is no http(s) URL, or a relative one without a link to resolve it, gives no media", () => {
  expect(entryOf("bad-image.md")).not.toHaveProperty("media");
  expect(entryOf("with-image.md", { ...OPTIONS, link: undefined })).not.toHaveProperty("media");
});

test("posts without an image keep entries without the field", () => {
  const text = readFileSync(join(__dirname, "../../../fixtures/markdown/blog/more.md"), "utf8");
  const result = readPost("more.md", text, OPTIONS);
  expect(result.kind === "post" && postEntry(result.post)).not.toHaveProperty("media");
});

test.each([
  [{ image: "https://cdn.example.org/a.png" }, "https://cdn.example.org/a.png"],
  [{ image: ["", "b.png"] }, "https://blog.example.org/post/b.png"],
  [{ image: { path: "/c.png", alt: "C" } }, "https://blog.example.org/c.png"],
  [{ image: "  ", images: ["d.png"] }, "https://blog.example.org/post/d.png"],
  [{ image: 42 }, undefined],
  [{ image: null }, undefined],
  [{ image: "data:image/png;base64,AAAA" }, undefined],
  [{ cover: "e.png" }, undefined],
])("front matter %j gives %j", (data, url) => {
  expect(postImage(data, "https://blog.example.org/post/")[0]?.url).toBe(url);
});

test("Hugo's TOML front matter: images = [..] is a list, not one odd string", () => {
  const result = readPost("toml.md", '+++\ntitle = "TOML"\ndate = 2026-03-07\nimages = ["/img/a.png", "/img/b.png"]\n+++\n\nBody.\n', OPTIONS);
  expect(result.kind === "post" && result.post.media.map((m) => m.url)).toEqual(["https://blog.example.org/img/a.png"]);
});

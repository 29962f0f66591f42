import { checkTemplate, renderTemplate } from "../../../src/announce/template.js";
import type { Entry } from "../../../src/sources/entry.js";

const entry: Entry = {
  key: "k",
  title: "Caf&eacute; <b>news</b>",
  link: "https://example.org/p",
  author: undefined,
  published: new Date("2026-03-04T05:06:07Z"),
  summaryHtml: "<p>First sentence. Second one.</p>",
  categories: ["xmpp", "muc"],
};

test("placeholders are filled with plain text; lines left empty are dropped", () => {
  const check = checkTemplate("📰 {title} ({date}, {feed})\\n{author}\\n{link} [{categories}]");
  expect(check.ok).toBe(true);
  if (!check.ok) return;
  expect(renderTemplate(check.template, entry, { feed: "blog" })).toBe("📰 Café news (2026-03-04, blog)\nhttps://example.org/p [xmpp, muc]");
});

test("summary honours the room's length", () => {
  expect(renderTemplate("{title}: {summary}", entry, { feed: "f", summaryChars: 16 })).toBe("Café news: First sentence…");
});

test("an unknown placeholder is refused with the valid names", () => {
  expect(checkTemplate("{titel} {link}")).toEqual({
    ok: false,
    error: "unknown placeholder {titel}; expected any of {title} {link} {summary} {author} {date} {feed} {categories}",
  });
});

test("a template that cannot identify the post, or is empty, is refused", () => {
  expect(checkTemplate("{summary}")).toMatchObject({ ok: false, error: expect.stringContaining("{title} or {link}") });
  expect(checkTemplate("   ")).toMatchObject({ ok: false, error: "the template is empty" });
  expect(checkTemplate("{title}".padEnd(1200, "x"))).toMatchObject({ ok: false });
});

test("control characters typed into a template never reach a room", () => {
  const check = checkTemplate("{title}\u0007\u0000");
  expect(check).toEqual({ ok: true, template: "{title}" });
});

test("a template cannot be broken by hostile values: no block opened by a value, no link that is not http(s)", () => {
  const hostile: Entry = { ...entry, title: "```opens a block", summaryHtml: "<p>&gt; looks like a quote</p>", link: "javascript:alert(1)" };
  const text = renderTemplate("{title}\n{summary}\n{link}", hostile, { feed: "f" });
  expect(text.split("\n")).toEqual(["\uFF40``opens a block", "looks like a quote"]);
});

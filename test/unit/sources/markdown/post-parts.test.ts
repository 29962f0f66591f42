// The pieces of a post: excerpt, link template, translation suffixes.
import { postExcerpt } from "../../../../src/sources/markdown/excerpt.js";
import { stemLanguage } from "../../../../src/sources/markdown/language.js";
import { linkTemplateProblem, postLink } from "../../../../src/sources/markdown/link.js";

describe("postExcerpt", () => {
  test("the front matter summary comes first", () => {
    expect(postExcerpt("  Mine.  ", "Body.\n\n<!--more-->\n")).toBe("Mine.");
  });

  test("then Hugo's <!--more--> marker", () => {
    expect(postExcerpt(undefined, "One.\n\nTwo.\n<!-- more -->\nThree.")).toBe("One.\n\nTwo.");
  });

  test("then Pelican's summary markers, either of which may be missing", () => {
    expect(postExcerpt(undefined, "Intro.\n<!-- PELICAN_BEGIN_SUMMARY -->\nThis.\n<!-- PELICAN_END_SUMMARY -->\nRest.")).toBe("This.");
    expect(postExcerpt(undefined, "This.\n<!-- PELICAN_END_SUMMARY -->\nRest.")).toBe("This.");
    expect(postExcerpt(undefined, "Intro.\n<!-- PELICAN_BEGIN_SUMMARY -->\nTo the end.")).toBe("To the end.");
  });

  test("else the first real paragraph: headings, pictures, shortcodes, embeds, lists and code are skipped", () => {
    const body = [
      '{{< figure src="/a.png" caption="A picture" >}}',
      "## A heading",
      "##19th, a Python-Markdown heading",
      "[TOC]",
      "![alt](/b.png)",
      '<blockquote class="twitter-tweet"><p>A tweet</p></blockquote>\n<script src="//platform.twitter.com/widgets.js"></script>',
      "* a list\n* of things",
      "> a quotation",
      "```\ncode\n\nmore code\n```",
      "| a | table |\n|---|---|",
      "----",
      "The first paragraph of prose, which is long enough to be a lead on its own: it goes on for well over a hundred and twenty characters.",
      "The second paragraph.",
    ].join("\n\n");
    expect(postExcerpt(undefined, body)).toBe(
      "The first paragraph of prose, which is long enough to be a lead on its own: it goes on for well over a hundred and twenty characters.",
    );
  });

  test("a greeting alone is no lead: the next paragraphs join it", () => {
    expect(postExcerpt(undefined, "Hi all,\n\nWe have news.\n\n" + "Long enough now. ".repeat(8) + "\n\nNot this one.")).toBe(
      "Hi all,\n\nWe have news.\n\n" + "Long enough now. ".repeat(8),
    );
  });

  test("a post with no prose has an empty excerpt", () => {
    expect(postExcerpt(undefined, '{{< figure src="/x.png" >}}\n\n## Only a heading\n')).toBe("");
  });
});

describe("link templates", () => {
  const date = new Date("2017-01-26T23:30:00Z"); // 27 January in Paris

  test("placeholders come from the date in the feed's time zone and the slug", () => {
    const template = "https://xmpp.org/{year}/{month}/{day}/{slug}/";
    expect(postLink({ url: undefined, slug: "summit 21", published: date }, template, "Europe/Paris")).toBe("https://xmpp.org/2017/01/27/summit%2021/");
    expect(postLink({ url: undefined, slug: "summit", published: date }, template, "UTC")).toBe("https://xmpp.org/2017/01/26/summit/");
  });

  test("a front-matter url wins: absolute as is, relative to the template's site", () => {
    const template = "https://xmpp.org/{year}/{slug}/";
    expect(postLink({ url: "2020/06/newsletter/", slug: "x", published: date }, template, "UTC")).toBe("https://xmpp.org/2020/06/newsletter/");
    expect(postLink({ url: "/custom/", slug: "x", published: date }, template, "UTC")).toBe("https://xmpp.org/custom/");
    expect(postLink({ url: "https://elsewhere.example/p", slug: "x", published: undefined }, undefined, "UTC")).toBe("https://elsewhere.example/p");
  });

  test("no link without a template, or without a date when the template needs one", () => {
    expect(postLink({ url: undefined, slug: "x", published: date }, undefined, "UTC")).toBeUndefined();
    expect(postLink({ url: "/relative/", slug: "x", published: date }, undefined, "UTC")).toBeUndefined();
    expect(postLink({ url: undefined, slug: "x", published: undefined }, "https://b.example/{year}/{slug}", "UTC")).toBeUndefined();
    expect(postLink({ url: undefined, slug: "x", published: undefined }, "https://b.example/{slug}", "UTC")).toBe("https://b.example/x");
  });

  test("templates are checked when configured", () => {
    expect(linkTemplateProblem("https://xmpp.org/{year}/{month}/{slug}/")).toBeUndefined();
    expect(linkTemplateProblem("https://xmpp.org/{title}/")).toBe("has an unknown placeholder {title}; expected an http(s) URL using {year} {month} {day} {slug}");
    expect(linkTemplateProblem("{slug}")).toMatch(/^"\{slug\}" is not an absolute URL/);
    expect(linkTemplateProblem("javascript:{slug}")).toMatch(/^has scheme "javascript:"/);
  });
});

describe("translations by file name", () => {
  test.each([
    ["2021-01-20.de", "2021-01-20", "de"],
    ["2021-01-24_de", "2021-01-24", "de"],
    ["2021-01-20.pt-br", "2021-01-20", "pt-br"],
    ["post.IT", "post", "it"],
    ["how_to", "how_to", undefined],
    ["post_it", "post_it", undefined],
    ["Return_of_experience_on_XMPP_meetup_in_Krakow", "Return_of_experience_on_XMPP_meetup_in_Krakow", undefined],
    ["release-2.0", "release-2.0", undefined],
    ["notes.xx", "notes.xx", undefined],
    ["de", "de", undefined],
  ])("%s → %s, %s", (stem, base, lang) => {
    expect(stemLanguage(stem)).toEqual({ base, lang });
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formatAnnouncement } from "../../../src/announce/format.js";
import type { Entry } from "../../../src/sources/entry.js";

const fixture = (name: string): string =>
  readFileSync(join(__dirname, "../../fixtures/html", name), "utf8");

function entry(fields: Partial<Entry> = {}): Entry {
  return {
    key: "urn:uuid:1",
    title: "New server",
    link: "https://example.org/new-server",
    author: "Alice",
    published: new Date("2024-05-01T10:00:00Z"),
    summaryHtml: "<p>We moved the blog.</p>",
    categories: [],
    ...fields,
  };
}

/**
 * XEP-0393 §6.2 for our bold title: "*" at line start, not followed by whitespace, some text,
 * a closing "*" not preceded by whitespace, and no "*" inside (spans match lazily).
 */
const VALID_BOLD_TITLE_LINE = /^\*[^\s*](?:[^*\n]*[^\s*])?\*(?: — [^\n]+)?$/;

describe("formatAnnouncement", () => {
  test("title in bold, author, summary and link, one per line", () => {
    expect(formatAnnouncement(entry())).toBe(
      "*New server* — Alice\nWe moved the blog.\nhttps://example.org/new-server",
    );
  });

  test("a WordPress post becomes a clean announcement", () => {
    const text = formatAnnouncement(
      entry({
        title: "New server &amp; <em>faster</em> pages",
        author: "Alice &quot;Admin&quot; Example",
        summaryHtml: fixture("wordpress-post.html"),
      }),
      { summaryChars: 120 },
    );
    expect(text).toBe(
      [
        '*New server & faster pages* — Alice "Admin" Example',
        "We finally moved the blog to a new server — it’s faster, cheaper & quieter. …",
        "https://example.org/new-server",
      ].join("\n"),
    );
  });

  test("unknown or empty author: no dash", () => {
    expect(formatAnnouncement(entry({ author: undefined })).split("\n")[0]).toBe("*New server*");
    expect(formatAnnouncement(entry({ author: " <b></b> \n" })).split("\n")[0]).toBe(
      "*New server*",
    );
  });

  test("no summary line when the summary is empty or turned off", () => {
    const expected = "*New server* — Alice\nhttps://example.org/new-server";
    expect(formatAnnouncement(entry({ summaryHtml: "<img src=x.png><script>x()</script>" }))).toBe(
      expected,
    );
    expect(formatAnnouncement(entry(), { summaryChars: 0 })).toBe(expected);
  });

  test("the summary defaults to 300 characters and follows summaryChars", () => {
    const summaryLine = (text: string): string => text.split("\n")[1] ?? "";
    // No sentence end, so no lead: the budget alone decides.
    const unpunctuated = entry({ summaryHtml: `<p>${"all work and no play ".repeat(50)}</p>` });
    expect(summaryLine(formatAnnouncement(unpunctuated)).length).toBeLessThanOrEqual(300);
    expect(summaryLine(formatAnnouncement(unpunctuated)).length).toBeGreaterThan(250);
    const long = entry({ summaryHtml: `<p>${"All work and no play. ".repeat(50)}</p>` });
    expect(summaryLine(formatAnnouncement(long, { summaryChars: 50 }))).toBe(
      "All work and no play. All work and no play. …",
    );
  });

  test("no link line when the link is unknown, not absolute, or not http(s)", () => {
    for (const link of [undefined, "", "/relative/path", "javascript:alert(1)", "not a url"]) {
      expect(formatAnnouncement(entry({ link }))).toBe("*New server* — Alice\nWe moved the blog.");
    }
  });

  test("a link cannot smuggle in a line break or spaces", () => {
    const text = formatAnnouncement(entry({ link: " https://example.org/a b\n> c\u0001d " }));
    expect(text.split("\n")).toHaveLength(3);
    expect(text.split("\n")[2]).toBe("https://example.org/a%20b%3E%20c%01d");
  });

  describe("title", () => {
    const titleLine = (title: string): string =>
      formatAnnouncement(entry({ title, author: undefined })).split("\n")[0] ?? "";

    test("entities and tags are cleaned, whitespace folded to one line", () => {
      expect(titleLine("  Caf&eacute; &amp;\n <b>tea</b>&#33;  ")).toBe("*Café & tea!*");
    });

    test.each(["", "   ", "<img src=x>", "<script>t()</script>", "\u0001\u0002"])(
      "an empty title (%j) becomes (untitled)",
      (title) => {
        expect(titleLine(title)).toBe("*(untitled)*");
      },
    );

    test.each([
      ["*", "*∗*"],
      ["*Bold* claims", "*∗Bold∗ claims*"],
      ["5 * 3 = 15", "*5 ∗ 3 = 15*"],
      ["Footnote&#42;", "*Footnote∗*"],
      ["a*", "*a∗*"],
    ])("asterisks in %j become U+2217 so the bold span stays whole", (title, expected) => {
      expect(titleLine(title)).toBe(expected);
      expect(titleLine(title)).toMatch(VALID_BOLD_TITLE_LINE);
    });

    test.each(["_under_", "`code`", "~strike~", "> quote", "```fence", " - list", "\u00A0nbsp\u00A0"])(
      "the bold span stays valid for %j",
      (title) => {
        expect(titleLine(title)).toMatch(VALID_BOLD_TITLE_LINE);
      },
    );

    test("Markdown-looking titles are left alone", () => {
      expect(titleLine("# of users who [read](this)")).toBe("*# of users who [read](this)*");
    });

    test("a long title is capped at a word with an ellipsis", () => {
      const line = titleLine("word ".repeat(100));
      expect(line.length).toBeLessThanOrEqual(202);
      expect(line).toMatch(/^\*(word ){39}word…\*$/);
    });
  });

  describe("XEP-0393 block guard on the summary line", () => {
    test('a summary starting with ">" is not turned into a quotation', () => {
      expect(formatAnnouncement(entry({ summaryHtml: "<p>&gt;50% of readers use feeds.</p>" }))).toBe(
        "*New server* — Alice\n＞50% of readers use feeds.\nhttps://example.org/new-server",
      );
    });

    test('a summary starting with "```" does not open a preformatted block', () => {
      // Read as Markdown, a leading code span is text; a fence line vanishes; neither leaves
      // "```" at the start of the line.
      expect(
        formatAnnouncement(entry({ summaryHtml: "<p>```rm -rf``` is not a fence.</p>" })),
      ).toBe("*New server* — Alice\nrm -rf is not a fence.\nhttps://example.org/new-server");
      for (const summaryHtml of ["<p>```sh</p><p>text</p>", "<pre>```\ncode\n```</pre>", "<code>```</code>x"]) {
        expect(formatAnnouncement(entry({ summaryHtml }))).not.toMatch(/\n```/);
      }
    });

    test("quote markers in Markdown-ish summaries are removed rather than escaped", () => {
      expect(formatAnnouncement(entry({ summaryHtml: "> Quoted intro\n> goes on." }))).toBe(
        "*New server* — Alice\nQuoted intro goes on.\nhttps://example.org/new-server",
      );
    });
  });

  test("no HTML, entity or control character ever reaches the output", () => {
    const nasty = entry({
      title: "<script>alert(1)</script>T&#1;itle &lt;3 &#x7F;",
      author: "<a href='x'>Bob</a>\u0007",
      summaryHtml:
        fixture("control-chars.html") + fixture("twitter-embed.html") + fixture("malformed.html"),
    });
    for (const text of [formatAnnouncement(nasty), formatAnnouncement(nasty, { summaryChars: 2000 })]) {
      expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);
      expect(text).not.toMatch(/&(?:[a-z]+|#\d+|#x[0-9a-f]+);/i);
      expect(text).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\uFFFE\uFFFF]/);
      const lines = text.split("\n");
      expect(lines).toHaveLength(3);
      expect(lines[0]).toBe("*Title <3* — Bob");
      expect(lines[0]).toMatch(VALID_BOLD_TITLE_LINE);
    }
  });
});

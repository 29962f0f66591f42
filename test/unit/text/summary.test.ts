import { readFileSync } from "node:fs";
import { join } from "node:path";
import { htmlToPlainText } from "../../../src/text/plain-text.js";
import { ELLIPSIS, LEAD_CHARS, summarize, truncateAtWord } from "../../../src/text/summary.js";

const fixture = (name: string): string =>
  readFileSync(join(__dirname, "../../fixtures/html", name), "utf8");

const THREE_SENTENCES =
  "First sentence is here. Second sentence is also here. Third one is long enough to overflow.";

describe("summarize", () => {
  test("text that fits comes back whole, on one line, without ellipsis", () => {
    expect(summarize("<p>One.</p><ul><li>Two</li><li>three.</li></ul>")).toBe("One. Two three.");
  });

  test("leading headings are skipped: the summary starts with the prose", () => {
    expect(summarize("<h2>Hi</h2><p>One.</p><ul><li>Two</li><li>three.</li></ul>")).toBe("One. Two three.");
    expect(summarize("## Release notes\n\nWe shipped it.")).toBe("We shipped it.");
    // A short paragraph that ends like prose is prose; a lone heading is all there is.
    expect(summarize("<p>Hello, world!</p><p>More.</p>")).toBe("Hello, world! More.");
    expect(summarize("<h1>Only a heading</h1>")).toBe("Only a heading");
  });

  test("the lead: a summary stops at the first sentence end past LEAD_CHARS, even when more fits", () => {
    const first = "This year, the XSF again gathered in force to attend the summit that traditionally precedes FOSDEM in Brussels, Belgium.";
    const second = " Barely fitting in the room, the members had a fruitful two-day meeting.";
    expect(first.length).toBeGreaterThanOrEqual(LEAD_CHARS);
    expect(summarize(first + second)).toBe(`${first} …`);
    // Short sentences run on until the lead says something.
    expect(summarize(`Hi! Big news. ${first}${second}`)).toBe(`Hi! Big news. ${first} …`);
  });

  test("abbreviations, initials and lower-case continuations are no sentence ends", () => {
    const text = "Servers, e.g. Prosody and ejabberd, were written by J. R. Hacker and friends over many years of work. and so on. The end came later on.";
    expect(summarize(text, 120)).toBe(
      "Servers, e.g. Prosody and ejabberd, were written by J. R. Hacker and friends over many years of work. and so on. …",
    );
  });

  test.each([0, -5, Number.NaN, 0.5])("maxChars %p means no summary", (maxChars) => {
    expect(summarize("<p>Some text.</p>", maxChars)).toBe("");
  });

  test("maxChars Infinity means no limit", () => {
    expect(summarize(THREE_SENTENCES, Number.POSITIVE_INFINITY)).toBe(THREE_SENTENCES);
  });

  test("the default limit is 300 characters", () => {
    const long = "<p>" + "lorem ipsum dolor sit amet ".repeat(40) + "</p>";
    const summary = summarize(long);
    expect(summary.length).toBeLessThanOrEqual(300);
    expect(summary.length).toBeGreaterThan(250);
  });

  test("a cut at a sentence end keeps the punctuation and adds a spaced ellipsis", () => {
    // The two first sentences are 53 characters; " …" makes 55.
    expect(summarize(THREE_SENTENCES, 60)).toBe(
      "First sentence is here. Second sentence is also here. …",
    );
    expect(summarize(THREE_SENTENCES, 55)).toBe(
      "First sentence is here. Second sentence is also here. …",
    );
  });

  test("when the spaced ellipsis no longer fits, a word cut replaces the full stop", () => {
    expect(summarize(THREE_SENTENCES, 54)).toBe(
      "First sentence is here. Second sentence is also here…",
    );
    // "..." is no sentence end; the dots make way for the ellipsis.
    expect(summarize("Wait... then it continued for a long while", 12)).toBe("Wait…");
  });

  test("sentence ends may be ! or ?, and may carry closing quotes", () => {
    expect(summarize('Did it work? It did! She said "yes." Then the rest follows here.', 40)).toBe(
      'Did it work? It did! She said "yes." …',
    );
  });

  test("a dot not followed by a space (a version number) is not a sentence end", () => {
    expect(summarize("Release 2.0.1 brings many fixes and improvements to everyone", 30)).toBe(
      "Release 2.0.1 brings many…",
    );
  });

  test("a short first sentence does not beat a long word cut", () => {
    const text = "Hi. " + "This is a very long second sentence that goes on and on and on without end";
    const summary = summarize(text, 50);
    expect(summary).toBe("Hi. This is a very long second sentence that goes…");
  });

  test("a word cut never splits a word and drops a dangling comma or dash", () => {
    expect(summarize("alpha, beta gamma", 8)).toBe("alpha…");
    expect(summarize("alpha — beta gamma", 9)).toBe("alpha…");
  });

  test("a single word longer than the limit is cut inside", () => {
    expect(summarize("Supercalifragilisticexpialidocious indeed", 10)).toBe("Supercali…");
  });

  test("a surrogate pair is never split", () => {
    expect(summarize("😀😀😀😀😀", 4)).toBe("😀…");
  });

  test("the result never exceeds maxChars and only ever cuts at spaces when it can", () => {
    // The post's first paragraph is a heading ("Café notes"): the summary starts after it.
    const text = htmlToPlainText(fixture("wordpress-post.html")).split("\n\n").slice(1).join(" ").replace(/\s+/g, " ");
    for (let max = 1; max <= text.length + 5; max++) {
      const summary = summarize(fixture("wordpress-post.html"), max);
      expect(summary.length).toBeLessThanOrEqual(max);
      if (summary === text) continue;
      expect(summary.endsWith(ELLIPSIS)).toBe(true);
      const kept = summary.endsWith(` ${ELLIPSIS}`) ? summary.slice(0, -2) : summary.slice(0, -1);
      expect(text.startsWith(kept)).toBe(true);
      const firstWord = text.split(" ")[0] ?? "";
      if (kept.length > 0 && firstWord.length < max) {
        // The cut falls at a word boundary (possibly after dropped trailing punctuation).
        expect(text.slice(kept.length)).toMatch(/^[\s,;:.…\-–—]/);
      }
    }
  });

  test("summary of a real post: HTML gone, cut at a sentence", () => {
    expect(summarize(fixture("wordpress-post.html"), 120)).toBe(
      "We finally moved the blog to a new server — it’s faster, cheaper & quieter. …",
    );
  });

  test("embeds and scripts never reach the summary", () => {
    expect(summarize(fixture("twitter-embed.html"))).toBe(
      "Everyone was talking about the launch yesterday. Here is what we learned. A real quotation stays.",
    );
  });
});

describe("truncateAtWord", () => {
  test("leaves short text alone and cuts long text at a word", () => {
    expect(truncateAtWord("short title", 20)).toBe("short title");
    expect(truncateAtWord("a rather long title. With sentences", 22)).toBe("a rather long title…");
    expect(truncateAtWord("anything", 0)).toBe("");
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  MAX_INPUT_CHARS,
  firstParagraph,
  foldToOneLine,
  htmlToPlainText,
  removeForbiddenChars,
} from "../../../src/text/plain-text.js";

const fixture = (name: string): string =>
  readFileSync(join(__dirname, "../../fixtures/html", name), "utf8");

/** Characters XML 1.0 forbids, plus DEL and C1 controls (tab, LF, CR are allowed). */
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/;

describe("htmlToPlainText on fixtures", () => {
  test("a WordPress post keeps its prose and loses scripts, styles, comments, images and forms", () => {
    expect(htmlToPlainText(fixture("wordpress-post.html"))).toBe(
      [
        "Café notes",
        "We finally moved the blog to a new server — it’s faster, cheaper & quieter.",
        "The new rack",
        "Read the migration notes for the details.\nQuestions? Ask in the chat…",
        "Less downtime\nHTTPS everywhere",
        "The post New server appeared first on Example Blog.",
      ].join("\n\n"),
    );
  });

  test("social-media embeds vanish whole, an ordinary blockquote stays", () => {
    expect(htmlToPlainText(fixture("twitter-embed.html"))).toBe(
      "Everyone was talking about the launch yesterday.\n\nHere is what we learned.\n\nA real quotation stays.",
    );
  });

  test("malformed HTML still yields every word, none glued together", () => {
    expect(htmlToPlainText(fixture("malformed.html"))).toBe(
      [
        "First bold mixed up text",
        "Second paragraph with a stray closer and odd link",
        "Attribute soup kept words",
        "cell one cell two\nnext row",
        "Unclosed emphasis at the very end & more",
      ].join("\n\n"),
    );
  });

  test("control characters go; those that are whitespace separate words", () => {
    const text = htmlToPlainText(fixture("control-chars.html"));
    expect(text).toBe(
      [
        "Bell and backspace and escape[31m codes",
        "Vertical tab and form feed separate words",
        "DEL and C1 next and noncharacters gone",
        "Entities: one two three four",
        "Tabs and CRLF fold",
      ].join("\n\n"),
    );
    expect(text).not.toMatch(FORBIDDEN);
  });
});

describe("htmlToPlainText elements", () => {
  test.each(["script", "style", "iframe", "object", "noscript", "template", "svg", "form"])(
    "<%s> goes with its content and does not glue its neighbours",
    (tag) => {
      // A <div>, not a <p>: an opening <form> implicitly closes a <p> (HTML parsing rules).
      expect(htmlToPlainText(`<div>before<${tag}><b>secret</b> text</${tag}>after</div>`)).toBe(
        "before after",
      );
    },
  );

  test("<embed> (a void element) goes and does not glue its neighbours", () => {
    expect(htmlToPlainText('<p>before<embed src="movie.swf" type="video/x">after</p>')).toBe(
      "before after",
    );
  });

  test("a self-closed iframe (XHTML style) does not swallow the rest of the post", () => {
    expect(htmlToPlainText('<iframe src="https://video.example/1"/><p>After the video</p>')).toBe(
      "After the video",
    );
  });

  test.each(["twitter-tweet", "instagram-media", "tiktok-embed"])(
    "an element with class %s among others vanishes with its content",
    (cls) => {
      const html = `<p>Intro.</p><blockquote class="left ${cls} wide"><p>Their post</p>— them</blockquote><p>Outro.</p>`;
      expect(htmlToPlainText(html)).toBe("Intro.\n\nOutro.");
    },
  );

  test("hidden and aria-hidden elements vanish", () => {
    expect(
      htmlToPlainText('<h2>Title <a aria-hidden="true" href="#t">#</a></h2><p hidden>draft</p>'),
    ).toBe("Title");
  });

  test("images vanish without their alt text", () => {
    expect(htmlToPlainText('<p>Look <img src="cat.jpg" alt="a very long alt text"> here</p>')).toBe(
      "Look here",
    );
  });

  test("comments vanish, even an unclosed one at the end", () => {
    expect(htmlToPlainText("one<!-- a <p>comment</p> -->two<!-- never closed <p>x")).toBe("onetwo");
  });

  test("links keep their text and drop the URL", () => {
    const text = htmlToPlainText('<p>See <a href="https://example.org/secret-path">the notes</a>.</p>');
    expect(text).toBe("See the notes.");
  });

  test("inline elements join without spaces, as a browser shows them", () => {
    expect(htmlToPlainText("<p><b>con</b><i>cat</i><span>enated</span></p>")).toBe("concatenated");
  });

  test("block elements separate paragraphs and lines", () => {
    expect(htmlToPlainText("<h1>Head</h1><p>one</p><div>two</div><div>three</div>")).toBe(
      "Head\n\none\n\ntwo\nthree",
    );
    expect(htmlToPlainText("<ul><li>a</li><li>b</li></ul><blockquote>q</blockquote>")).toBe(
      "a\nb\n\nq",
    );
    expect(htmlToPlainText("<table><tr><th>k</th><td>v</td></tr><tr><td>w</td></tr></table>")).toBe(
      "k v\nw",
    );
  });

  test("one <br> breaks the line, two break the paragraph", () => {
    expect(htmlToPlainText("a<br>b<br/><br>c")).toBe("a\nb\n\nc");
  });

  test("CDATA content is text", () => {
    expect(htmlToPlainText("<p><![CDATA[kept & raw]]></p>")).toBe("kept & raw");
  });
});

describe("htmlToPlainText text", () => {
  test("named, decimal and hex entities are decoded", () => {
    expect(htmlToPlainText("&lt;b&gt; &copy; &#169; &#xA9; &eacute;&amp;&quot;&#x1F600;")).toBe(
      '<b> © © © é&"😀',
    );
  });

  test("entities that decode to forbidden characters are removed", () => {
    expect(htmlToPlainText("a&#1;b&#xFFFF;c&#x7F;d")).toBe("abcd");
  });

  test("whitespace folds to single spaces, non-breaking ones too", () => {
    expect(htmlToPlainText("<p>  many \t\n  spaces&nbsp;&nbsp;here  </p>")).toBe("many spaces here");
  });

  test("lone surrogates are removed, pairs kept", () => {
    expect(htmlToPlainText("a\uD800b\uDC00c \uD83D\uDE00")).toBe("abc 😀");
  });

  test("a blank line in text separates paragraphs", () => {
    expect(htmlToPlainText("First para\nsame para.\r\n\r\nSecond para.")).toBe(
      "First para same para.\n\nSecond para.",
    );
  });

  test("Markdown-ish text loses its syntax, not its words", () => {
    const md = [
      "## Release notes",
      "Read the [changelog](https://example.org/changes) ![shot](shot.png) for **all** changes.",
      "> Quoted line",
      ">50% of users are unaffected.",
      "```sh",
      "npm install",
      "```",
    ].join("\n");
    // The fence lines go; the code they held stands as a paragraph of its own.
    expect(htmlToPlainText(md)).toBe(
      "Release notes\n\nRead the changelog for all changes. Quoted line >50% of users are unaffected.\n\nnpm install",
    );
  });

  test("with markdown off, Markdown-looking text is left alone", () => {
    expect(htmlToPlainText("# of [users](x)", { markdown: false })).toBe("# of [users](x)");
    expect(htmlToPlainText("# of [users](x)")).toBe("of users");
  });
});

describe("htmlToPlainText never throws", () => {
  test.each([
    "",
    "<",
    "</",
    "<<<>>>",
    "<p",
    '<a href="unterminated',
    "<!--",
    "<![CDATA[",
    "<?xml version='1.0'?><!DOCTYPE html>",
    "&#xFFFFFFFF; &#99999999999; &#; &#x; &",
    "</p></div></br></table>",
    "<script>",
    "<svg><p>foreign</svg>",
    "\uD800\uDFFF\uDFFF\uD800",
  ])("on %j", (input) => {
    expect(() => htmlToPlainText(input)).not.toThrow();
    expect(htmlToPlainText(input)).not.toMatch(FORBIDDEN);
  });

  test("non-string input at run time gives an empty string", () => {
    expect(htmlToPlainText(undefined as unknown as string)).toBe("");
    expect(htmlToPlainText(null as unknown as string)).toBe("");
  });

  test("huge input is read up to MAX_INPUT_CHARS", () => {
    const text = htmlToPlainText("<p>word ".repeat(1_000_000));
    expect(text.startsWith("word\n\nword")).toBe(true);
    expect(text.length).toBeLessThanOrEqual(MAX_INPUT_CHARS);
    expect(text.length).toBeGreaterThan(MAX_INPUT_CHARS / 2);
  });

  test("deeply nested unclosed elements", () => {
    expect(htmlToPlainText("<div><b>".repeat(200_000) + "deep")).toBe("");
    expect(htmlToPlainText("<div><b>".repeat(1_000) + "deep")).toBe("deep");
  });

  test("if the parser itself throws, the result is an empty string", () => {
    jest.isolateModules(() => {
      jest.doMock("htmlparser2", () => ({
        Parser: class {
          constructor() {
            throw new Error("parser exploded");
          }
        },
      }));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const isolated = require("../../../src/text/plain-text.js") as typeof import("../../../src/text/plain-text.js");
      expect(isolated.htmlToPlainText("<p>text</p>")).toBe("");
    });
    jest.dontMock("htmlparser2");
  });
});

describe("helpers", () => {
  test("firstParagraph is the text before the first blank line", () => {
    expect(firstParagraph("  one\nline\n \t\nsecond\n\nthird")).toBe("one\nline");
    expect(firstParagraph("only one ")).toBe("only one");
    expect(firstParagraph(htmlToPlainText(fixture("twitter-embed.html")))).toBe(
      "Everyone was talking about the launch yesterday.",
    );
  });

  test("foldToOneLine folds all whitespace, VT/FF/NEL included, and removes other controls", () => {
    expect(foldToOneLine(" a\n\nb\u000Bc\u000Cd\u0085e\u0001f\t ")).toBe("a b c d ef");
  });

  test("removeForbiddenChars keeps tab, newline, CR and astral characters", () => {
    expect(removeForbiddenChars("a\tb\nc\rd\u0000e\u001Ff\uFFFEg\uFFFFh\u0080i😀")).toBe(
      "a\tb\nc\rdefghi😀",
    );
  });
});

describe("text that could disguise itself", () => {
  test("bidirectional overrides, isolates and marks are removed, so nothing is shown reordered", () => {
    // U+202E RIGHT-TO-LEFT OVERRIDE would show "moc.knab" as "bank.com" and run on into the next line.
    expect(htmlToPlainText("Pay at \u202Emoc.knab\u202C now")).toBe("Pay at moc.knab now");
    expect(foldToOneLine("a\u2066b\u2067c\u2068d\u2069e\u200Ef\u200Fg\u061Ch")).toBe("abcdefgh");
  });
  test("zero-width spaces and joiners that hide words go; the joiners scripts and emoji need stay", () => {
    expect(htmlToPlainText("ad\u200Bmin \u2060log\uFEFFin")).toBe("admin login");
    expect(foldToOneLine("می\u200Cخواهم 👨\u200D👩\u200D👧")).toBe("می\u200Cخواهم 👨\u200D👩\u200D👧");
  });
});

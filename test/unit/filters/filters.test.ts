import { describeFilters, matchesFilters, MAX_MATCHED_CHARS, parseFilterTerm, type FilterTerm } from "../../../src/filters/filters.js";
import type { Entry } from "../../../src/sources/entry.js";

function entry(fields: Partial<Entry> = {}): Entry {
  return {
    key: "id:1",
    title: "Monthly newsletter",
    link: "https://example.org/post",
    author: undefined,
    published: undefined,
    summaryHtml: "<p>What happened this month.</p>",
    categories: [],
    ...fields,
  };
}

/** The term `text` parses to; fails the test with the error when it does not. */
function term(text: string): FilterTerm {
  const parsed = parseFilterTerm(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.term;
}

function errorOf(text: string): string {
  const parsed = parseFilterTerm(text);
  if (parsed.ok) throw new Error(`${text} was accepted`);
  return parsed.error;
}

/** Whether an entry titled `title` passes a filter that includes only `text`. */
function titleMatches(text: string, title: string): boolean {
  return matchesFilters(entry({ title }), { include: [term(text)], exclude: [] });
}

describe("parseFilterTerm: words and phrases", () => {
  test("a word matches as a whole word in any case, next to punctuation", () => {
    expect(titleMatches("omemo", "OMEMO's future")).toBe(true);
    expect(titleMatches("omemo", "We like omemo, a lot")).toBe(true);
    expect(titleMatches("omemo", "Encryption (OMEMO) explained")).toBe(true);
    expect(titleMatches("OMEMO", "omemo")).toBe(true);
    expect(titleMatches("omemo", "Nomemory")).toBe(false);
    expect(titleMatches("omemo", "omemos")).toBe(false);
    expect(titleMatches("omemo", "omemo2")).toBe(false);
  });

  test("a phrase's words match across any whitespace, a line break too", () => {
    const phrase = term("  stream   management ");
    expect(phrase).toMatchObject({ text: "stream management", kind: "words" });
    const pass = (fields: Partial<Entry>) => matchesFilters(entry(fields), { include: [phrase], exclude: [] });
    expect(pass({ summaryHtml: "<p>XEP-0198 Stream<br/>Management is here</p>" })).toBe(true);
    expect(pass({ summaryHtml: "<p>stream\n  management</p>" })).toBe(true);
    expect(pass({ title: "Stream\tManagement" })).toBe(true);
    expect(pass({ title: "stream-management" })).toBe(false);
    expect(pass({ title: "upstream management" })).toBe(false);
  });

  test("letters of any script count as word characters, composed or not", () => {
    expect(titleMatches("café", "Le Café!")).toBe(true);
    expect(titleMatches("café", "Le cafe\u0301 du coin")).toBe(true); // decomposed é
    expect(titleMatches("cafe", "Le café")).toBe(false);
    expect(titleMatches("cafe", "Le cafe\u0301")).toBe(false);
    expect(titleMatches("café", "cafés")).toBe(false);
    expect(titleMatches("über", "Rüber und drüber")).toBe(false);
    expect(titleMatches("über", "Über uns")).toBe(true);
    expect(titleMatches("привет", "Привет, мир")).toBe(true);
    expect(titleMatches("мир", "Привет, мирный")).toBe(false);
    expect(titleMatches("xmpp", "XMPP_2")).toBe(true); // "_" is punctuation, not a letter
    expect(titleMatches("नम", "नमस्ते")).toBe(false);
  });

  test("a term that starts or ends with punctuation is bounded only where it has a letter", () => {
    expect(titleMatches("c++", "Why C++20 matters")).toBe(true);
    expect(titleMatches("c++", "abc++")).toBe(false);
    expect(titleMatches(".net", "ASP.NET core")).toBe(true);
    expect(titleMatches("#xmpp", "Join #XMPP now")).toBe(true);
    expect(titleMatches("a.b", "axb")).toBe(false); // regex characters are literal
  });

  test("a term with a slash but not written /…/ is a word", () => {
    expect(term("/etc")).toMatchObject({ kind: "words", text: "/etc" });
    expect(titleMatches("and/or", "this AND/OR that")).toBe(true);
  });

  test("an empty term or an overlong one is refused", () => {
    expect(errorOf("   ")).toBe("an empty term matches nothing; expected a word, a phrase or a /regular expression/");
    const long = "word ".repeat(41).trim(); // 204 characters
    expect(errorOf(long)).toBe(
      `“${long.slice(0, 59)}…” is refused: it is 204 characters long, more than the 200 a term may have; shorten it`,
    );
  });
});

describe("parseFilterTerm: regular expressions", () => {
  test("/…/ is a regular expression, case-sensitive unless flagged i", () => {
    expect(term("/^Release \\d+/")).toMatchObject({ kind: "regex", text: "/^Release \\d+/" });
    expect(titleMatches("/^Release \\d+/", "Release 12 is out")).toBe(true);
    expect(titleMatches("/^Release \\d+/", "Prerelease 12")).toBe(false);
    expect(titleMatches("/^Release \\d+/", "release 12")).toBe(false);
    expect(titleMatches("/^release \\d+/i", "RELEASE 12")).toBe(true);
  });

  test("flags m, s and u do what they do in JavaScript", () => {
    const summary = (text: string, summaryHtml: string) =>
      matchesFilters(entry({ summaryHtml }), { include: [term(text)], exclude: [] });
    expect(summary("/^draft$/m", "<p>intro</p><p>draft</p>")).toBe(true);
    expect(summary("/^draft$/", "<p>intro</p><p>draft</p>")).toBe(false);
    expect(summary("/stream.management/s", "<p>stream<br>management</p>")).toBe(true);
    expect(summary("/stream.management/", "<p>stream<br>management</p>")).toBe(false);
    expect(titleMatches("/\\p{Lu}{5}/u", "About OMEMO")).toBe(true);
    expect(titleMatches("/^.$/u", "😀")).toBe(true);
    expect(titleMatches("/^.$/", "😀")).toBe(false);
  });

  test("any other flag is an error naming it", () => {
    expect(errorOf("/omemo/g")).toBe("“/omemo/g” has the flag “g”, which a filter does not take; expected only i, m, s or u after the closing /");
    expect(errorOf("/omemo/y")).toContain("the flag “y”");
    expect(errorOf("/omemo/v")).toContain("the flag “v”");
    expect(errorOf("/usr/bin")).toContain("the flag “b”");
    expect(errorOf("/omemo/ii")).toBe("“/omemo/ii” has the flag “i” twice; expected each flag once");
  });

  test("a pattern the engine rejects, or an empty one, is an error", () => {
    expect(errorOf("/(omemo/")).toBe("“/(omemo/” is not a valid regular expression (Unterminated group); expected JavaScript regular expression syntax");
    expect(errorOf("/a{2,1}/")).toContain("is not a valid regular expression (numbers out of order in {} quantifier)");
    expect(errorOf("/\\p{Nope}/u")).toContain("is not a valid regular expression");
    expect(errorOf("//i")).toBe("“//i” is an empty regular expression, which matches every post; expected a pattern between the slashes");
  });
});

describe("parseFilterTerm: patterns that could stall the bot are refused", () => {
  test("nested quantifiers", () => {
    expect(errorOf("/(a+)+$/")).toBe(
      "“/(a+)+$/” is refused: a quantified group contains another quantifier (catastrophic backtracking); rewrite it without nesting",
    );
    expect(errorOf("/(.*a){10}/")).toContain("a quantified group contains another quantifier");
  });

  test("a quantified group whose alternatives overlap", () => {
    expect(errorOf("/(a|ab)*/")).toBe(
      "“/(a|ab)*/” is refused: a quantified group has alternatives that can match the same text (catastrophic backtracking); " +
        "make the alternatives start differently, or move what they share out of the group",
    );
  });

  test("backreferences", () => {
    expect(errorOf("/(a)\\1/")).toBe("“/(a)\\1/” is refused: it refers back to a group (\\1), which can take exponential time; match the text itself instead");
    expect(errorOf("/(?<q>['\"]).*\\k<q>/")).toContain("it refers back to a group (\\k<q>)");
  });

  test("lookbehind of unbounded length", () => {
    expect(errorOf("/(?<=a+)b/")).toBe(
      "“/(?<=a+)b/” is refused: a lookbehind can be of unbounded length (slow on long text); give it a bounded length, like (?<=a{1,3})",
    );
    expect(term("/(?<=XEP-)\\d{4}/").kind).toBe("regex");
  });

  test("a pattern longer than 200 characters, named by its start", () => {
    const limit = `/${"(?:omemo)".repeat(22)}xx/i`; // 200 characters between the slashes
    expect(term(limit).kind).toBe("regex");
    const long = `/${"(?:omemo)".repeat(23)}/`;
    expect(errorOf(long)).toBe(
      `“${long.slice(0, 59)}…” is refused: it is 207 characters long between the slashes, more than the 200 a regular expression may have; shorten it`,
    );
  });

  test("two repetitions in a row that can take the same text", () => {
    expect(errorOf("/.*a.*b/")).toBe(
      "“/.*a.*b/” is refused: two repetitions one after the other can take the same characters (slow backtracking on long text); " +
        "separate them by something only one of them can match, or merge them into one",
    );
    // Separated by a character neither can take: fine.
    expect(term("/\\d+\\.\\d+/").kind).toBe("regex");
  });

  test("too many ways to match without any loop", () => {
    expect(errorOf(`/${"a?".repeat(12)}${"a".repeat(12)}/`)).toContain(
      "is refused: its parts can match the same text in too many ways (over 1000; catastrophic backtracking)",
    );
  });

  test("overlap is judged as the engine matches: case folding and Unicode classes count", () => {
    expect(term("/(?:a|A)+b/").kind).toBe("regex");
    expect(errorOf("/(?:a|A)+b/i")).toContain("alternatives that can match the same text");
    expect(term("/(?:\\p{Lu}|[a-z])+!/u").kind).toBe("regex");
    expect(errorOf("/(?:\\p{Lu}|[A-Z])+!/u")).toContain("alternatives that can match the same text");
    expect(errorOf("/\\p{L}+\\w+!/u")).toContain("two repetitions one after the other");
    expect(term("/\\p{L}+\\s+\\p{L}+/u").kind).toBe("regex");
  });

  // Known-evil patterns: OWASP's ReDoS examples, classic textbook cases, and polynomial ones.
  const evil = [
    "(a+)+",
    "(a+)+$",
    "(a*)*b",
    "(.*a){10}",
    "(.*a){2,3}",
    "(a|a)*",
    "(a|ab)*",
    "(a|aa)+",
    "(a|a?)+",
    "(\\w|\\d)+",
    "(.|\\s)*$",
    "(?:a|b|ab)+c",
    "^(\\w+\\s?)*$",
    "^(([a-z])+.)+[A-Z]([a-z])+$",
    "^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$",
    "(x+x+)+y",
    "(\\d+|\\d+\\.\\d+)*x",
    "((ab)*)+c",
    "(a?a?)*b",
    "(?:a{2,})+$",
    "(.*?,){11}P",
    "(?:\\p{L}+\\s)+!/u",
    "(a)\\1",
    "(?<w>\\w)\\k<w>/u",
    "(?<=a*)b",
    "(?<!\\w+)x",
    ".*a.*b",
    "a*a*b",
    "\\w+\\d+x",
    "\\s*\\s*$",
    "[\\s\\S]*?x[\\s\\S]*?y",
    "[^\\s]+@[^\\s]+$",
    ".*[ab]{5}c",
    "\\s*#?\\s*$",
    "(?=.*a.*b)x",
    "((?=a+)a)*b",
    "a?a?a?a?a?a?a?a?a?a?a?a?aaaaaaaaaaaa",
    "(?:a|a)(?:a|a)(?:a|a)(?:a|a)(?:a|a)(?:a|a)(?:a|a)(?:a|a)(?:a|a)(?:a|a)(?:a|a)",
    "(?:omemo|OMEMO|[oO]memo)+!/i",
  ].map((pattern) => (pattern.includes("/") ? `/${pattern}` : `/${pattern}/`));

  test.each(evil)("refuses %s", (pattern) => {
    expect(errorOf(pattern)).toContain("is refused: ");
  });

  const ordinary = [
    "/^Release \\d+/",
    "/\\bv?\\d+\\.\\d+(?:\\.\\d+)?\\b/",
    "/(?:XEP|xep)-\\d{4}/",
    "/omemo|openpgp/i",
    "/\\d{4}-\\d{2}-\\d{2}/",
    "/[A-Z]{2,}-\\d+/",
    "/(?<=XEP-)\\d{4}/",
    "/colou?r/i",
    "/^(?!Re:)/",
    "/prosody\\s+0\\.12/i",
    "/end\\s?-?\\s?to\\s?-?\\s?end/i",
    "/\\p{Lu}{3,}/u",
    "/^\\[security\\]/i",
    "/(?:Release|Reload) notes/",
    "/\\w+\\s+\\w+/",
    "/omemo.*release/is",
    "/https?:\\/\\/(?:www\\.)?example\\.org\\/?/",
    "/(?:\\d{2}-)+\\d{2}/",
    "/café|naïve/iu",
    "/^\\s+|\\s+$/",
    "/[^\\s@]+@[^\\s@]+/",
    "/(?:ab)*c/",
    "/gajim|dino|conversations|monal/i",
  ];

  test.each(ordinary)("accepts %s", (pattern) => {
    expect(term(pattern)).toMatchObject({ kind: "regex", text: pattern });
  });
});

describe("matchesFilters", () => {
  const omemo = term("omemo");
  const draft = term("draft");

  test("no terms lets every post through", () => {
    expect(matchesFilters(entry(), { include: [], exclude: [] })).toBe(true);
  });

  test("matches by title, by summary (HTML stripped), by category and by author", () => {
    const only = (t: FilterTerm, fields: Partial<Entry>) => matchesFilters(entry(fields), { include: [t], exclude: [] });
    expect(only(omemo, { title: "All about <em>OMEMO</em>" })).toBe(true);
    expect(only(omemo, { summaryHtml: "<p>We shipped <strong>OMEMO</strong>&nbsp;2.</p>" })).toBe(true);
    expect(only(omemo, { categories: ["Encryption", "OMEMO"] })).toBe(true);
    expect(only(term("alice"), { author: "Alice Example" })).toBe(true);
    expect(only(omemo, {})).toBe(false);
    // Markup is not text: neither tag names nor attributes match.
    expect(only(term("strong"), { summaryHtml: "<strong>bold</strong>" })).toBe(false);
    expect(only(term("omemo"), { summaryHtml: '<a href="https://omemo.example/">link</a>' })).toBe(false);
    // Entities are decoded before matching.
    expect(only(term("Q&A"), { title: "Q&amp;A session" })).toBe(true);
  });

  test("a field is matched on its own: ^ and $ are its start and end", () => {
    const release = term("/^Release/");
    expect(matchesFilters(entry({ categories: ["News", "Release notes"] }), { include: [release], exclude: [] })).toBe(true);
    expect(matchesFilters(entry({ title: "Notes", categories: ["News"], summaryHtml: "<p>Release notes</p>" }), { include: [release], exclude: [] })).toBe(true);
    expect(matchesFilters(entry({ title: "New Release" }), { include: [release], exclude: [] })).toBe(false);
  });

  test("any include term is enough; exclude wins over include", () => {
    const filters = { include: [omemo, term("/^Release \\d+/")], exclude: [draft] };
    expect(matchesFilters(entry({ title: "Release 3" }), filters)).toBe(true);
    expect(matchesFilters(entry({ title: "OMEMO news" }), filters)).toBe(true);
    expect(matchesFilters(entry({ title: "OMEMO news", categories: ["Draft"] }), filters)).toBe(false);
    expect(matchesFilters(entry({ title: "Other news" }), filters)).toBe(false);
  });

  test("exclude alone drops only what matches", () => {
    const filters = { include: [], exclude: [draft] };
    expect(matchesFilters(entry(), filters)).toBe(true);
    expect(matchesFilters(entry({ summaryHtml: "<p>This is a draft.</p>" }), filters)).toBe(false);
    expect(matchesFilters(entry({ summaryHtml: "<p>Drafting a plan.</p>" }), filters)).toBe(true);
  });

  test(`only the first ${MAX_MATCHED_CHARS} characters of a field are matched`, () => {
    const filler = "filler ".repeat(MAX_MATCHED_CHARS / 7 + 1);
    expect(matchesFilters(entry({ summaryHtml: `<p>${filler} omemo</p>` }), { include: [omemo], exclude: [] })).toBe(false);
    expect(matchesFilters(entry({ summaryHtml: `<p>omemo ${filler}</p>` }), { include: [omemo], exclude: [] })).toBe(true);
  });
});

describe("describeFilters", () => {
  test("says in one line what the room lets through", () => {
    const omemo = term("omemo");
    const release = term("/^Release \\d+/");
    const draft = term("draft");
    expect(describeFilters({ include: [], exclude: [] })).toBe("no filter: every post");
    expect(describeFilters({ include: [omemo, release], exclude: [] })).toBe("only posts matching “omemo” or “/^Release \\d+/”");
    expect(describeFilters({ include: [], exclude: [draft] })).toBe("every post except those matching “draft”");
    expect(describeFilters({ include: [omemo], exclude: [draft, term("/wip/i")] })).toBe(
      "only posts matching “omemo”, except those matching “draft” or “/wip/i”",
    );
    expect(describeFilters({ include: [term("/a\nb/")], exclude: [] })).not.toContain("\n");
  });
});

test("a repetition followed by a lookahead that repeats the same characters is refused", () => {
  for (const pattern of ["/.*(?=.*!)/", "/\\w+(?=\\w+!)/"]) {
    const parsed = parseFilterTerm(pattern);
    expect(parsed).toMatchObject({ ok: false, error: expect.stringContaining("is refused") });
  }
  expect(parseFilterTerm("/release(?= \\d)/")).toMatchObject({ ok: true });
});

import { readFrontMatter } from "../../../../src/sources/markdown/front-matter.js";

const ok = (text: string) => {
  const result = readFrontMatter(text);
  if (!result.ok) throw new Error(`unreadable: ${result.reason}`);
  return result;
};

describe("YAML (Hugo)", () => {
  test("dates stay text, keys are lower-cased, the body follows the closing line", () => {
    const result = ok("---\nTitle: Hello\ndate: 2017-01-27\nstamp: 2017-02-27 18:50:00\ncategories: ['A', \"B\"]\ndraft: false\n---\n\nBody.\n");
    expect(result.dialect).toBe("yaml");
    // The YAML 1.2 core schema has no timestamps: the feed's time zone decides later.
    expect(result.data).toEqual({ title: "Hello", date: "2017-01-27", stamp: "2017-02-27 18:50:00", categories: ["A", "B"], draft: false });
    expect(result.body).toBe("\nBody.\n");
  });

  test("no cache between calls: the same text twice gives equal but separate data", () => {
    const text = "---\ntitle: Same\n---\nx";
    const first = ok(text);
    const second = ok(text);
    expect(second.data).toEqual(first.data);
    expect(second.data).not.toBe(first.data);
  });

  test("CRLF line ends and a byte-order mark are fine", () => {
    expect(ok("\uFEFF---\r\ntitle: Windows\r\n---\r\nBody").data).toEqual({ title: "Windows" });
  });

  test("a YAML alias bomb is refused as YAML and never expanded (the lines are read as text)", () => {
    const bomb = ["---", "a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(", ")}]`), "---", ""].join("\n");
    const result = ok(bomb);
    expect(result.dialect).toBe("lenient");
    expect(result.data["i"]).toBe("&i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]");
  });
});

describe("JavaScript front matter is never run", () => {
  test.each(["js", "javascript"])("---%s gives a reason and runs nothing", (lang) => {
    const marker = `heraldRan_${lang}`;
    const result = readFrontMatter(`---${lang}\n{ title: (globalThis.${marker} = true, "x") }\n---\nBody`);
    expect(result).toEqual({ ok: false, reason: "front matter in another language than YAML (JavaScript front matter is never run)" });
    expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
  });

  test("an unknown language is refused too", () => {
    expect(readFrontMatter("---coffee\ntitle: 'x'\n---\n")).toMatchObject({ ok: false, reason: expect.stringContaining('"coffee" is not registered') });
  });
});

describe("Pelican metadata, read leniently when strict YAML refuses it", () => {
  test("an unquoted colon in the title still gives the whole title", () => {
    const result = ok("---\ntitle: Instant Messaging: It's not about the app\ndate: 2021-01-20 06:30\nblog_id: blog\n---\nBody");
    expect(result.dialect).toBe("lenient");
    expect(result.data).toEqual({ title: "Instant Messaging: It's not about the app", date: "2021-01-20 06:30", blog_id: "blog" });
    expect(result.body).toBe("Body");
  });

  test('a "------" delimiter opens metadata, as in Python-Markdown (BEGIN_RE ^-{3})', () => {
    expect(ok("------\ntitle: Dashes: many\n------\n\nBody").data).toEqual({ title: "Dashes: many" });
  });

  test("undelimited Pelican metadata ends at the first blank line", () => {
    const result = ok("Title: My super title\nDate: 2010-12-03 10:20\nTags: thats, awesome\n    and more\n\nThe content.");
    expect(result.data).toEqual({ title: "My super title", date: "2010-12-03 10:20", tags: "thats, awesome and more" });
    expect(result.body).toBe("The content.");
  });

  test("quoted values, flow lists and block lists are understood", () => {
    const result = ok('---\ntitle: "Quoted: yes"\nsubtitle: Google: "The Future"\ncategories: ["A", \'B\']\ntags:\n  - x\n  - y\nbad: : :\n---\n');
    expect(result.data).toEqual({ title: "Quoted: yes", subtitle: 'Google: "The Future"', categories: ["A", "B"], tags: ["x", "y"], bad: ": :" });
  });
});

describe("TOML (Hugo's +++)", () => {
  test("key = value lines up to the first table", () => {
    const result = ok('+++\ntitle = "In TOML"\ndate = 2026-02-04T12:00:00Z\ntags = ["a", "b"]\ndraft = true\n[params]\ntitle = "no"\n+++\nBody');
    expect(result.dialect).toBe("toml");
    expect(result.data).toEqual({ title: "In TOML", date: "2026-02-04T12:00:00Z", tags: ["a", "b"], draft: true });
  });
});

describe("unreadable front matter gives one line of reason", () => {
  test.each([
    ["---\n: : :\n[unclosed\n---\nBody", /^the front matter is neither YAML nor key: value lines \(as YAML: .+\)$/],
    ["------\ntitle: no end\n", /^the front matter has no closing delimiter line$/],
    ["---\n- a\n- list\n---\n", /^the front matter is neither YAML nor key: value lines/],
  ])("%j", (text, reason) => {
    const result = readFrontMatter(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(reason);
      expect(result.reason).not.toContain("\n");
    }
  });

  test("a file without front matter is readable and says so", () => {
    expect(readFrontMatter("# Just Markdown\n")).toEqual({ ok: true, data: {}, body: "# Just Markdown\n", dialect: "none" });
  });
});

// A folder of Markdown posts as a feed source, on a copy of test/fixtures/markdown/blog.
import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatAnnouncement } from "../../../../src/announce/format.js";
import type { Entry } from "../../../../src/sources/entry.js";
import { FolderError, markdownFolderSource, readMarkdownFolder, type MarkdownFolderOptions } from "../../../../src/sources/markdown/source.js";
import type { SourceRead } from "../../../../src/sources/source.js";

const FIXTURE = join(__dirname, "../../../fixtures/markdown/blog");
const MARCH_15 = Date.parse("2026-03-15T00:00:00Z");
const LINK = "https://blog.example.org/{year}/{month}/{slug}/";
const none = { etag: undefined, lastModified: undefined };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "herald-md-"));
  cpSync(FIXTURE, dir, { recursive: true });
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function options(extra: Partial<MarkdownFolderOptions> = {}): MarkdownFolderOptions {
  return { path: dir, link: LINK, timeZone: "Europe/Paris", now: () => MARCH_15, ...extra };
}

function entries(read: SourceRead): readonly Entry[] {
  if (read.kind !== "entries") throw new Error("expected entries");
  return read.entries;
}

test("reads both dialects, newest first, leaving out drafts, translations, the future and non-posts", async () => {
  const read = await readMarkdownFolder(options());
  expect(read.posts.map((p) => p.key)).toEqual([
    "md:2026-03-01-release",
    "md:ignored-because-url-wins",
    "md:bundle",
    "md:toml-post",
    "md:with-summary",
    "md:pelican-marker",
    "md:more",
    "md:one-digit-hour",
    "md:team-meeting-9",
    "md:colon-title",
  ]);
  expect(read.counts).toEqual({ files: 19, posts: 10, drafts: 2, translations: 2, future: 1, unreadable: 3, yaml: 9, lenient: 1, toml: 1 });
  expect(read.nextFutureMs).toBe(Date.parse("2026-04-01T07:00:00Z"));
  expect(read.diagnostics).toEqual([
    { file: "README.md", reason: "no front matter (title, date… between --- lines); not a post" },
    { file: "broken.md", reason: expect.stringMatching(/^the front matter is neither YAML nor key: value lines \(as YAML: .*\)$/) },
    { file: "script.md", reason: "front matter in another language than YAML (JavaScript front matter is never run)" },
  ]);
  expect((globalThis as Record<string, unknown>)["heraldFrontMatterRan"]).toBeUndefined();
});

test("each post's fields as read", async () => {
  const posts = new Map((await readMarkdownFolder(options())).posts.map((p) => [p.key, p]));
  expect(posts.get("md:2026-03-01-release")).toMatchObject({
    title: "Release 2.0: faster & smaller",
    author: "Ada",
    categories: ["Release", "News"],
    // A date-only post is midnight in the feed's zone; {month} is read there too.
    published: new Date("2026-02-28T23:00:00Z"),
    link: "https://blog.example.org/2026/03/2026-03-01-release/",
    dialect: "yaml",
  });
  // Pelican: the unquoted colon needed the lenient reader; "2007-03-01 19:53" is Paris time.
  expect(posts.get("md:colon-title")).toMatchObject({ title: "Last Call: Link-Local Messaging", published: new Date("2007-03-01T18:53:00Z"), dialect: "lenient" });
  expect(posts.get("md:one-digit-hour")).toMatchObject({ title: "Morning Post", author: "early", published: new Date("2019-05-03T07:00:00Z") });
  expect(posts.get("md:ignored-because-url-wins")!.link).toBe("https://blog.example.org/custom/path/");
  expect(posts.get("md:bundle")!.link).toBe("https://blog.example.org/2026/02/bundle/");
  expect(posts.get("md:toml-post")).toMatchObject({ title: "From Hugo, in TOML", categories: ["Hugo", "TOML"], dialect: "toml" });
});

test("summaries: front matter, markers, else the first real paragraph, shortcodes gone", async () => {
  const read = await readMarkdownFolder(options());
  const summary = (key: string) => formatAnnouncement({ ...read.posts.find((p) => p.key === key)!, summaryHtml: read.posts.find((p) => p.key === key)!.summaryMarkdown }).split("\n")[1];
  expect(summary("md:with-summary")).toBe("The author's own summary: short and to the point.");
  expect(summary("md:more")).toBe("This part is the summary the author chose. And this part too.");
  expect(summary("md:pelican-marker")).toBe("Only this sentence is the summary.");
  expect(summary("md:2026-03-01-release")).toBe(
    "We are happy to announce the second major release, with twice the speed at half the size. Read the notes for details, or ask us in the chat room if something is unclear.",
  );
});

test("a post shaped like the founding post (Pelican, tweets, scripts) is announced with its first sentence", async () => {
  const read = await readMarkdownFolder(options());
  const post = read.posts.find((p) => p.key === "md:team-meeting-9")!;
  expect(formatAnnouncement({ ...post, summaryHtml: post.summaryMarkdown })).toBe(
    [
      "*Team Meeting 9* — Robin",
      "Once again the whole team met in the old library by the river for two days of talks, plans and rather too much coffee, as it does every winter. …",
      "https://blog.example.org/2017/02/team-meeting-9/",
    ].join("\n"),
  );
});

test("translations can be included; they get their own identity", async () => {
  const read = await readMarkdownFolder(options({ translations: "include" }));
  expect(read.posts.map((p) => p.key)).toEqual(expect.arrayContaining(["md:de/2026-03-01-release", "md:es/dashes"]));
  expect(read.posts.find((p) => p.key === "md:es/dashes")).toMatchObject({ title: "Mensajería: una traducción", dialect: "lenient" });
});

describe("as a source for the poller", () => {
  test("an unchanged folder is not-modified; a new file makes a read with the new entry", async () => {
    const read = markdownFolderSource(options());
    const first = await read(none);
    expect(entries(first)).toHaveLength(10);
    if (first.kind !== "entries") throw new Error("unreachable");
    expect(await read(first.validators)).toEqual({ kind: "not-modified" });

    writeFileSync(join(dir, "new-post.md"), "---\ntitle: Brand new\ndate: 2026-03-14\n---\n\nJust written.\n");
    const second = await read(first.validators);
    expect(entries(second)[0]).toMatchObject({ key: "md:new-post", title: "Brand new", summaryHtml: "Just written." });
  });

  test("an edited file (new mtime) is read again", async () => {
    const read = markdownFolderSource(options());
    const first = await read(none);
    if (first.kind !== "entries") throw new Error("unreachable");
    writeFileSync(join(dir, "more.md"), "---\ntitle: Renamed\ndate: 2026-02-01\n---\n\nNew text.\n");
    utimesSync(join(dir, "more.md"), new Date("2026-03-10T00:00:00Z"), new Date("2026-03-10T00:00:00Z"));
    expect(entries(await read(first.validators)).find((e) => e.key === "md:more")!.title).toBe("Renamed");
  });

  test("a future post appears once its date has come, though no file changed", async () => {
    let now = MARCH_15;
    const read = markdownFolderSource(options({ now: () => now }));
    const first = await read(none);
    if (first.kind !== "entries") throw new Error("unreachable");
    expect(first.entries.map((e) => e.key)).not.toContain("md:scheduled");
    now = Date.parse("2026-04-01T06:59:59Z");
    expect(await read(first.validators)).toEqual({ kind: "not-modified" });
    now = Date.parse("2026-04-01T07:00:00Z"); // 09:00 in Paris
    const due = await read(first.validators);
    expect(entries(due)[0]).toMatchObject({ key: "md:scheduled", published: new Date("2026-04-01T07:00:00Z") });
  });

  test("changing the feed's options (link, zone, translations) reads the folder again", async () => {
    const first = await markdownFolderSource(options())(none);
    if (first.kind !== "entries") throw new Error("unreachable");
    const other = await markdownFolderSource(options({ link: "https://other.example/{slug}" }))(first.validators);
    expect(entries(other)[0]!.link).toBe("https://other.example/2026-03-01-release");
  });

  test("each diagnostic is reported once per version of its file", async () => {
    const reported: string[] = [];
    const read = markdownFolderSource(options({ onDiagnostic: (message) => reported.push(message) }));
    await read(none);
    expect(reported).toEqual([
      "README.md: no front matter (title, date… between --- lines); not a post",
      expect.stringMatching(/^broken\.md: the front matter is neither YAML nor key: value lines/),
      "script.md: front matter in another language than YAML (JavaScript front matter is never run)",
    ]);
    writeFileSync(join(dir, "another.md"), "---\ntitle: Another\ndate: 2026-03-02\n---\nText.\n");
    await read(none);
    expect(reported).toHaveLength(3);
    writeFileSync(join(dir, "broken.md"), "---\n: still : broken\n[\n---\n");
    utimesSync(join(dir, "broken.md"), new Date("2026-03-11T00:00:00Z"), new Date("2026-03-11T00:00:00Z"));
    await read(none);
    expect(reported).toHaveLength(4);
    expect(reported[3]).toMatch(/^broken\.md: /);
  });

  test("two files with one slug: the older keeps the identity, the newer is told apart by path", async () => {
    mkdirSync(join(dir, "news"));
    writeFileSync(join(dir, "news/more.md"), "---\ntitle: Same slug, newer\ndate: 2026-03-05\n---\nText.\n");
    const reported: string[] = [];
    const found = entries(await markdownFolderSource(options({ onDiagnostic: (m) => reported.push(m) }))(none));
    expect(found.find((e) => e.title === "With a more marker")!.key).toBe("md:more");
    expect(found.find((e) => e.title === "Same slug, newer")!.key).toBe("md:more@news/more.md");
    expect(reported).toContain("news/more.md: same slug as more.md; told apart by its path");
  });

  test("a missing folder is an error a person must fix; the message names it", async () => {
    const read = markdownFolderSource(options({ path: join(dir, "nope") }));
    const error = await read(none).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(FolderError);
    expect(error).toMatchObject({ temporary: false, message: expect.stringMatching(/^cannot read the folder .*nope: ENOENT: no such file or directory$/) });
  });
});

// `herald preview`: called in-process with collecting streams (no child process).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runPreview } from "../../../src/preview.js";

const FIXTURES = join(__dirname, "../../fixtures");
const MARCH_15 = Date.parse("2026-03-15T00:00:00Z");

async function preview(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } };
  const code = await runPreview(args, io, { now: () => MARCH_15 });
  return { code, out, err };
}

describe("usage", () => {
  test.each([
    [[], "no source given"],
    [["a", "b"], "one source at a time (got 2)"],
    [["x", "--limit", "0"], '--limit "0" is not a positive whole number'],
    [["x", "--limit", "three"], '--limit "three" is not a positive whole number'],
    [["x", "--link", "https://x.org/{title}"], "--link has an unknown placeholder {title}"],
    [["x", "--time-zone", "Mars/Olympus"], '--time-zone "Mars/Olympus" is not a time zone'],
    [["x", "--translations", "all"], "--translations must be skip or include"],
    [["x", "--base", "file:///x"], '--base "file:///x" is not an http(s) URL'],
    [["x", "--colour"], "unknown option --colour; the options are --limit, --link, --time-zone, --translations, --base, --include, --exclude, --help"],
    [["x", "--limt", "2"], "unknown option --limt (did you mean --limit?)"],
  ])("%j is a usage error (exit 2) saying: %s", async (args, message) => {
    const { code, out, err } = await preview(...args);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toContain(`herald preview: ${message}`);
    expect(err).toContain("Usage: herald preview <source>");
  });

  test("--help prints the usage and exits 0", async () => {
    expect(await preview("--help")).toMatchObject({ code: 0, out: expect.stringContaining("Usage: herald preview <source>") });
  });
});

describe("Markdown", () => {
  test("a folder: the newest posts as announced, each with its identity, date and link; diagnostics on stderr", async () => {
    const { code, out, err } = await preview(join(FIXTURES, "markdown/blog"), "--limit", "2", "--link", "https://blog.example.org/{year}/{month}/{slug}/", "--time-zone", "Europe/Paris");
    expect(code).toBe(0);
    expect(out).toBe(
      [
        `Markdown folder ${join(FIXTURES, "markdown/blog")}: 10 posts in 19 files (left out: 2 translations, 2 drafts, 1 dated in the future, 3 unreadable); the newest 2 as announced:`,
        "",
        "*Release 2.0: faster & smaller* — Ada",
        "We are happy to announce the second major release, with twice the speed at half the size. Read the notes for details, or ask us in the chat room if something is unclear.",
        "https://blog.example.org/2026/03/2026-03-01-release/",
        "  id:   md:2026-03-01-release",
        "  date: 2026-02-28T23:00:00.000Z",
        "  link: https://blog.example.org/2026/03/2026-03-01-release/",
        "",
        "*Moved elsewhere*",
        "The front matter url wins over the link template.",
        "https://blog.example.org/custom/path/",
        "  id:   md:ignored-because-url-wins",
        "  date: 2026-02-05T23:00:00.000Z",
        "  link: https://blog.example.org/custom/path/",
        "",
      ].join("\n"),
    );
    expect(err.trimEnd().split("\n")).toEqual([
      "herald preview: README.md: no front matter (title, date… between --- lines); not a post",
      expect.stringMatching(/^herald preview: broken\.md: the front matter is neither YAML nor key: value lines/),
      "herald preview: script.md: front matter in another language than YAML (JavaScript front matter is never run)",
    ]);
  });

  test("one post shaped like the founding post: its first sentence is the summary", async () => {
    const { code, out, err } = await preview(join(FIXTURES, "markdown/blog/summit/team-meeting-9.md"));
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(out).toBe(
      [
        "Markdown post (yaml front matter); the newest 1 as announced:",
        "",
        "*Team Meeting 9* — Robin",
        "Once again the whole team met in the old library by the river for two days of talks, plans and rather too much coffee, as it does every winter. …",
        "  id:   md:team-meeting-9",
        "  date: 2017-02-27T18:50:00.000Z",
        "  link: (none)",
        "",
      ].join("\n"),
    );
  });

  test("a post with an image in its front matter: the image is listed under the link", async () => {
    const { code, out } = await preview(join(FIXTURES, "markdown/media/with-image.md"), "--link", "https://blog.example.org/{year}/{month}/{slug}/");
    expect(code).toBe(0);
    expect(out).toContain("  link: https://blog.example.org/2026/03/with-image/\n  media: image https://blog.example.org/2026/03/with-image/cover.jpg\n");
  });

  test("a draft or a translation yields no post (exit 1) and says why", async () => {
    expect(await preview(join(FIXTURES, "markdown/blog/drafts/draft.md"))).toEqual({
      code: 1,
      out: "",
      err: `herald preview: ${join(FIXTURES, "markdown/blog/drafts/draft.md")}: Markdown post: a draft, which Herald leaves out; nothing to announce\n`,
    });
    const translation = await preview(join(FIXTURES, "markdown/blog/2026-03-01-release.de.md"));
    expect(translation.code).toBe(1);
    expect(translation.err).toContain("use --translations include to see it");
    expect((await preview(join(FIXTURES, "markdown/blog/2026-03-01-release.de.md"), "--translations", "include")).code).toBe(0);
  });

  test("a file without a Markdown extension is a post when it opens with front matter", async () => {
    const { mkdtempSync, copyFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const file = join(mkdtempSync(join(tmpdir(), "herald-preview-")), "post.txt");
    copyFileSync(join(FIXTURES, "markdown/blog/more.md"), file);
    expect(await preview(file)).toMatchObject({ code: 0, out: expect.stringContaining("*With a more marker*\nThis part is the summary the author chose. And this part too.\n") });
  });

  test("an unreadable post is one line on stderr and exit 1", async () => {
    const { code, err } = await preview(join(FIXTURES, "markdown/blog/broken.md"));
    expect(code).toBe(1);
    expect(err).toMatch(/^herald preview: .*broken\.md: the front matter is neither YAML nor key: value lines .*\n$/);
  });
});

describe("feeds", () => {
  test("a feed file, with --base for its relative links", async () => {
    const { code, out } = await preview(join(FIXTURES, "feeds/relative-links.xml"), "--limit", "1", "--base", "https://relative.example.org/news/rss");
    expect(code).toBe(0);
    expect(out).toBe(
      [
        "Feed “Relative”: 4 posts; the newest 1 as announced:",
        "",
        "*Root-relative*",
        "https://relative.example.org/news/1-first",
        "  id:   id:1",
        "  date: (none)",
        "  link: https://relative.example.org/news/1-first",
        "",
      ].join("\n"),
    );
  });

  test("a podcast: each medium on its own line under the link, with its type and size when known", async () => {
    const { code, out } = await preview(join(FIXTURES, "feeds/podcast.rss"), "--limit", "2", "--base", "https://cast.example.org/feed.xml");
    expect(code).toBe(0);
    expect(out).toBe(
      [
        "Feed “Example Cast”: 3 posts; the newest 2 as announced:",
        "",
        "*Episode 2: Relative things*",
        "The cover comes first here, the audio after it.",
        "https://cast.example.org/episodes/2/",
        "  id:   id:ep-2",
        "  date: 2026-03-03T08:00:00.000Z",
        "  link: https://cast.example.org/episodes/2/",
        "  media: enclosure https://cast.example.org/audio/ep2.m4a",
        "  media: image https://cast.example.org/cover-2.jpg",
        "  media: image/png 2.0 kB https://cast.example.org/audio/ep2-notes.png",
        "",
        "*Episode 1: Hello*",
        "Our first episode.",
        "https://cast.example.org/episodes/1/",
        "  id:   id:ep-1",
        "  date: 2026-03-02T08:00:00.000Z",
        "  link: https://cast.example.org/episodes/1/",
        "  media: audio/mpeg 12.3 MB https://cast.example.org/audio/ep1.mp3",
        "  media: image https://cast.example.org/covers/ep1.jpg",
        "",
      ].join("\n"),
    );
  });

  test("posts are shown newest first, whatever the feed's order", async () => {
    const { out } = await preview(join(FIXTURES, "feeds/guid-dupes.xml"), "--limit", "1");
    expect(out).toContain("*Newer post, reused guid*");
  });

  test("a file that is no feed, a missing file, an empty feed: one line on stderr, exit 1", async () => {
    const notFeed = await preview(join(FIXTURES, "feeds/not-a-feed.html"));
    expect(notFeed).toMatchObject({ code: 1, out: "", err: expect.stringMatching(/: not an RSS or Atom feed: the root element is <html> \(an HTML page, not a feed\); expected <rss>, <rdf:RDF> or <feed>\n$/) });
    const missing = await preview(join(FIXTURES, "feeds/missing.xml"));
    expect(missing).toMatchObject({ code: 1, err: expect.stringMatching(/missing\.xml: neither an http\(s\) URL nor an existing file or folder\n$/) });
    expect(missing.err.split("\n")).toHaveLength(2);
  });

  describe("over HTTP", () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url === "/feed") return void res.writeHead(200, { "content-type": "application/atom+xml" }).end(readFileSync(join(FIXTURES, "feeds/pelican-atom.xml")));
        if (req.url === "/empty") return void res.writeHead(200, { "content-type": "text/xml" }).end("<rss><channel><title>Empty</title></channel></rss>");
        res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    test("a feed URL: relative links resolve against it", async () => {
      const { code, out } = await preview(`${base}/feed`);
      expect(code).toBe(0);
      expect(out).toContain(`*Team Meeting 9* — Robin\nOnce again the whole team met`);
      expect(out).toContain(`  link: ${base}/2017/02/team-meeting-9\n`);
    });

    test("HTTP errors and empty feeds exit 1 with the reason", async () => {
      expect(await preview(`${base}/gone`)).toMatchObject({ code: 1, err: `herald preview: ${base}/gone: HTTP 404 Not Found\n` });
      expect(await preview(`${base}/empty`)).toMatchObject({ code: 1, err: `herald preview: ${base}/empty: Feed “Empty”: 0 posts; nothing to announce\n` });
    });
  });
});

describe("preview with a room's filter", () => {
  test("marks each post announced or left out, and names the filter", async () => {
    const { code, out } = await preview(join(FIXTURES, "feeds/rss2.xml"), "--include", "second", "--exclude", "/guid/i");
    expect(code).toBe(0);
    expect(out).toContain("filter: only posts matching “second”, except those matching “/guid/i”");
    const verdicts = out.split("\n\n").slice(1).map((block) => [block.split("\n")[0], /filter: (\w+ ?\w*)/.exec(block)?.[1]]);
    expect(verdicts).toEqual([
      ["*Second post* — Ada Lovelace", "announced"],
      ["*(untitled)*", "left out"],
      ["*No guid here*", "left out"],
    ]);
  });

  test("a term that could stall the bot is refused with the reason", async () => {
    const { code, err } = await preview(join(FIXTURES, "feeds/rss2.xml"), "--include", "/(a+)+$/");
    expect(code).toBe(2);
    expect(err).toMatch(/^herald preview: --include “\/\(a\+\)\+\$\/” is refused: .*catastrophic backtracking/);
  });
});

// Feed entries: an RSS/Atom feed (url) or a folder of Markdown posts (path) and its keys.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../../src/config/load.js";

const EXAMPLE = join(__dirname, "../../../config/herald.example.yaml");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "herald-feeds-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const HEAD = "xmpp:\n  jid: herald@example.org\n  password: pw\nrooms: [{ jid: news@conference.example.org, feeds: [blog] }]\n";

function load(feeds: string, cwd: string = dir) {
  const path = join(dir, "herald.yaml");
  writeFileSync(path, `${HEAD}feeds:\n${feeds}`);
  return loadConfig(path, {}, cwd);
}

function problems(feeds: string): { path: string; message: string }[] {
  try {
    load(feeds);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("folder feeds", () => {
  it("resolve a relative path against the working directory and apply the defaults", () => {
    mkdirSync(join(dir, "content/blog"), { recursive: true });
    const { config, warnings } = load("  - { name: blog, path: content/blog }\n");
    expect(config.feeds).toEqual([
      { kind: "folder", name: "blog", path: join(dir, "content/blog"), timeZone: "UTC", translations: "skip" },
    ]);
    expect(warnings).toEqual([]);
  });

  it("take link, time_zone and translations", () => {
    const { config } = load(`  - name: blog
    path: /srv/blog
    link: "https://xmpp.org/{year}/{month}/{slug}/"
    time_zone: Europe/Paris
    translations: include
    interval: 1m
`);
    expect(config.feeds[0]).toEqual({
      kind: "folder",
      name: "blog",
      path: "/srv/blog",
      intervalMs: 60_000,
      link: "https://xmpp.org/{year}/{month}/{slug}/",
      timeZone: "Europe/Paris",
      translations: "include",
    });
  });

  it("warn when the folder cannot be read now, or is listed twice", () => {
    const { warnings } = load("  - { name: blog, path: missing }\n  - { name: copy, path: missing }\n");
    expect(warnings).toEqual([
      expect.stringMatching(/^feeds\[0\]\.path: cannot read .*missing \(ENOENT: no such file or directory\); Herald keeps trying/),
      'feeds[1]: feed "copy" is in no room\'s feeds, so it is fetched but never announced',
      "feeds[1].path: same folder as feeds[0], so it is read twice",
      expect.stringMatching(/^feeds\[1\]\.path: cannot read/),
    ]);
  });
});

describe("feed entry problems", () => {
  it("url and path together, or neither, are refused", () => {
    expect(problems('  - { name: blog, url: "https://x.org/feed", path: blog }\n')).toEqual([
      { path: "feeds[0].path", message: "is set as well as url; expected url (an RSS or Atom feed) or path (a folder of Markdown posts), not both" },
    ]);
    expect(problems("  - { name: blog }\n")).toEqual([
      { path: "feeds[0]", message: "has neither url nor path; expected url (an RSS or Atom feed) or path (a folder of Markdown posts)" },
    ]);
  });

  it("folder keys on a url feed are refused, each on its own key", () => {
    const found = problems('  - { name: blog, url: "https://x.org/feed", link: "https://x.org/{slug}", time_zone: UTC, translations: skip }\n');
    expect(found.map((p) => p.path)).toEqual(["feeds[0].link", "feeds[0].time_zone", "feeds[0].translations"]);
    for (const problem of found) expect(problem.message).toBe("only applies to a folder feed; expected path instead of url, or no " + problem.path.split(".")[1]);
  });

  it("a bad link template, time zone or translations value says what is expected", () => {
    expect(problems('  - { name: blog, path: b, link: "https://x.org/{yaer}/{slug}" }\n')).toEqual([
      { path: "feeds[0].link", message: "has an unknown placeholder {yaer}; expected an http(s) URL using {year} {month} {day} {slug}" },
    ]);
    expect(problems('  - { name: blog, path: b, link: "/{year}/{slug}/" }\n')[0]!.message).toMatch(/^"\/\{year\}\/\{slug\}\/" is not an absolute URL; expected/);
    expect(problems('  - { name: blog, path: b, link: "ftp://x.org/{slug}" }\n')[0]!.message).toMatch(/^has scheme "ftp:"/);
    expect(problems("  - { name: blog, path: b, time_zone: Mars/Olympus }\n")).toEqual([
      { path: "feeds[0].time_zone", message: '"Mars/Olympus" is not a time zone; expected an IANA name like UTC or Europe/Paris' },
    ]);
    expect(problems("  - { name: blog, path: b, translations: maybe }\n")).toEqual([
      { path: "feeds[0].translations", message: "is not skip or include; expected skip (the default) or include" },
    ]);
  });

  it("every problem of an entry is reported at once", () => {
    const found = problems("  - { name: -bad, time_zone: Nowhere }\n");
    const feedPaths = found.map((p) => p.path).filter((path) => path.startsWith("feeds"));
    expect(feedPaths.sort()).toEqual(["feeds[0]", "feeds[0].name", "feeds[0].time_zone"]);
  });
});

test("the commented folder feed in the example is valid once uncommented", () => {
  const lines = readFileSync(EXAMPLE, "utf8").split("\n");
  const start = lines.findIndex((line) => line.startsWith("  # - name: blog"));
  expect(start).toBeGreaterThan(0);
  // Key lines lose their "# "; the explanations (a second "#") stay comments.
  for (let i = start; i < lines.length && lines[i]!.startsWith("  #"); i++) {
    if (/^ {2}# (?:- |\s+[a-z_]+:)/.test(lines[i]!)) lines[i] = lines[i]!.replace(/^ {2}# /, "  ");
  }
  const path = join(dir, "example.yaml");
  writeFileSync(path, lines.join("\n"));
  const { config } = loadConfig(path, {}, dir);
  expect(config.feeds.find((feed) => feed.name === "blog")).toEqual({
    kind: "folder",
    name: "blog",
    path: join(dir, "content/blog"),
    intervalMs: 60_000,
    link: "https://xmpp.org/{year}/{month}/{slug}/",
    timeZone: "Europe/Paris",
    translations: "skip",
  });
});

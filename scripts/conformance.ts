// `npm run -s conformance -- <corpus>`: reads the shared corpus in place (it is never copied into
// the project: most of it carries no licence) and shows how Herald's sources cope with it:
//   - every file in <corpus>/feeds: entries found, how many carry media (enclosures, images), and
//     the first title, or the error;
//   - the XSF blog folders in <corpus>/xsf-blog: posts read, front-matter dialects, images, diagnostics;
//   - the founding post ("XMPP Summit 21", the version with tweets and scripts): its summary must
//     be its first sentence.
// Exit code 0 when every threshold holds, 1 when one fails (a regression), 2 for a bad command
// line; a crash exits non-zero on its own.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { formatAnnouncement } from "../src/announce/format.js";
import { htmlToPlainText } from "../src/text/plain-text.js";
import { summarize } from "../src/text/summary.js";
import { readFeedFile } from "../src/sources/feeds/feed-file.js";
import { formatDiagnostic } from "../src/sources/markdown/folder.js";
import { readPost } from "../src/sources/markdown/post.js";
import { readMarkdownFolder } from "../src/sources/markdown/source.js";

/**
 * Python's feedparser finds entries in 35 of the 40 files; it misses two HTML pages, an RSS
 * document with no items (UTF-16), one whose only content is an undeclared &nbsp; in a title, and
 * the gzip file; its 35th is `incomplete_cdata`, where its one "entry" is an empty item cut off in
 * its title, which Herald reads but holds back (parse-feed.ts, readFeedText).
 */
const MIN_FEEDS_WITH_ENTRIES = 35;
/** Only the two files that are no feed at all (an HTML page, an HTTP "Document Moved" page) are refused. */
const MAX_FEEDS_REFUSED = 2;
/** Every post file of both XSF dialects, translations included (xsf-blog/README.md counts). */
const BLOG_FOLDERS = [
  { folder: "posts", minPosts: 416 },
  { folder: "posts-pelican-2021", minPosts: 257 },
  { folder: "summit-21-history", minPosts: 13 },
];
const FOUNDING_POST = "summit-21-history/06_20170207_34ef811b.md";
const LINK = "https://xmpp.org/{year}/{month}/{slug}/";

const failures: string[] = [];
const out = (line = ""): void => void process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const corpus = argv[0];
  if (corpus === undefined || argv.length > 1 || !isDirectory(corpus)) {
    process.stderr.write("usage: npm run -s conformance -- <path to the shared corpus, e.g. ../shared/corpus>\n");
    return 2;
  }
  await feeds(join(corpus, "feeds"));
  await blog(join(corpus, "xsf-blog"));
  foundingPost(join(corpus, "xsf-blog", FOUNDING_POST));
  out();
  if (failures.length === 0) {
    out("conformance: every threshold holds");
    return 0;
  }
  for (const failure of failures) out(`conformance: FAILED: ${failure}`);
  return 1;
}

async function feeds(dir: string): Promise<void> {
  const files = readdirSync(dir)
    .filter((name) => !name.endsWith(".md"))
    .sort();
  const rows: string[][] = [];
  let withEntries = 0;
  let errors = 0;
  const media = { entries: 0, withMedia: 0, enclosures: 0, images: 0 };
  for (const name of files) {
    try {
      const feed = await readFeedFile(join(dir, name));
      if (feed.entries.length > 0) withEntries++;
      const withMedia = feed.entries.filter((entry) => (entry.media?.length ?? 0) > 0).length;
      media.entries += feed.entries.length;
      media.withMedia += withMedia;
      for (const entry of feed.entries) for (const m of entry.media ?? []) media[m.role === "image" ? "images" : "enclosures"]++;
      const first = feed.entries[0];
      const cut = feed.truncated ? ` [cut off${feed.heldBack > 0 ? `; ${feed.heldBack} unfinished held back` : ""}]` : "";
      const title = (first === undefined ? "(no entries)" : htmlToPlainText(first.title, { markdown: false }).replace(/\s+/g, " ") || "(untitled)") + cut;
      rows.push([name, String(feed.entries.length), String(withMedia), clip(title, 70)]);
    } catch (err) {
      errors++;
      rows.push([name, "-", "-", clip(`error: ${messageOf(err)}`, 110)]);
    }
  }
  out(`## Feeds in ${dir}`);
  out();
  table(["file", "entries", "media", "first title, or the error"], rows);
  out();
  out(`${withEntries} of ${files.length} feeds yield entries; ${errors} refused with an error; ${files.length - withEntries - errors} read but empty`);
  out(`${media.withMedia} of ${media.entries} entries carry media: ${media.enclosures} enclosures, ${media.images} images`);
  if (withEntries < MIN_FEEDS_WITH_ENTRIES) failures.push(`only ${withEntries} feeds yield entries; expected at least ${MIN_FEEDS_WITH_ENTRIES}`);
  if (errors > MAX_FEEDS_REFUSED) failures.push(`${errors} feeds refused with an error; expected at most ${MAX_FEEDS_REFUSED}`);
}

async function blog(dir: string): Promise<void> {
  out();
  out(`## Markdown folders in ${dir} (translations included, link ${LINK})`);
  out();
  const rows: string[][] = [];
  const diagnostics: string[] = [];
  let withImage = 0;
  let posts = 0;
  for (const { folder, minPosts } of BLOG_FOLDERS) {
    const read = await readMarkdownFolder({ path: resolve(dir, folder), link: LINK, translations: "include" });
    const c = read.counts;
    posts += read.posts.length;
    withImage += read.posts.filter((post) => post.media.length > 0).length;
    rows.push([folder, String(c.files), String(c.posts), String(c.yaml), String(c.lenient), String(c.toml), String(c.drafts), String(c.future), String(c.unreadable), String(read.diagnostics.length)]);
    diagnostics.push(...read.diagnostics.map((d) => `${folder}/${formatDiagnostic(d)}`));
    if (c.posts < minPosts) failures.push(`${folder}: ${c.posts} posts read; expected at least ${minPosts}`);
    if (c.unreadable > 0) failures.push(`${folder}: ${c.unreadable} files unreadable; expected none`);
  }
  table(["folder", "files", "posts", "yaml", "lenient", "toml", "drafts", "future", "unreadable", "diagnostics"], rows);
  out();
  out(`${withImage} of ${posts} posts name an image in their front matter`);
  out();
  out(`${diagnostics.length} diagnostics:`);
  for (const line of diagnostics) out(`  ${line}`);
}

function foundingPost(path: string): void {
  out();
  out(`## The founding post: ${FOUNDING_POST}`);
  out();
  const result = readPost(FOUNDING_POST, readFileSync(path, "utf8"), { link: LINK, timeZone: "UTC", translations: "skip" });
  if (result.kind !== "post") {
    failures.push(`the founding post was not read as a post (${result.kind})`);
    return;
  }
  const entry = { ...result.post, summaryHtml: result.post.summaryMarkdown };
  out(formatAnnouncement(entry));
  // The first sentence, found independently of the summariser: the text up to the first ". "
  // that is followed by a capital letter.
  const text = htmlToPlainText(result.post.summaryMarkdown).replace(/\s+/g, " ");
  const firstSentence = text.slice(0, text.search(/\. \p{Lu}/u) + 1);
  const summary = summarize(entry.summaryHtml);
  out();
  if (summary === `${firstSentence} …`) out("summary is the first sentence: ok");
  else failures.push(`the founding post's summary is not its first sentence: ${JSON.stringify(summary)}`);
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  out(line(header));
  out(line(widths.map((w) => "-".repeat(w))));
  for (const row of rows) out(line(row));
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function messageOf(err: unknown): string {
  return String((err as { message?: unknown } | null)?.message ?? err).replace(/\s+/g, " ");
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`conformance: crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(3);
  },
);

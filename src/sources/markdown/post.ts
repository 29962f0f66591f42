/**
 * One Markdown file to one post, or the reason it is no post. Pure: the folder source does the I/O.
 *
 * Front matter keys (lower-cased; Hugo's and Pelican's names): title; date (Hugo's publishDate /
 * pubDate / published win, as Hugo's .PublishDate does); author or authors; summary; category or
 * categories; url; slug; draft: true, or Pelican's status: draft / hidden; image or images (see image.ts).
 */
import type { FrontMatterValue } from "./front-matter.js";
import { readFrontMatter } from "./front-matter.js";
import { postExcerpt } from "./excerpt.js";
import { stemLanguage } from "./language.js";
import { postImage } from "./image.js";
import { postLink } from "./link.js";
import { parsePostDate } from "./post-date.js";
import type { Entry } from "../entry.js";
import type { Media } from "../media.js";

export interface PostOptions {
  /** IANA name: the zone of dates written without an offset. */
  readonly timeZone: string;
  /** Link template with {year} {month} {day} {slug}. */
  readonly link: string | undefined;
  readonly translations: "skip" | "include";
}

export interface Post {
  /** Stable identity within the folder: "md:<slug>", or "md:<lang>/<slug>" for a translation. */
  readonly key: string;
  readonly path: string;
  readonly title: string;
  readonly published: Date | undefined;
  readonly author: string | undefined;
  readonly categories: readonly string[];
  readonly link: string | undefined;
  /** Markdown/HTML of the excerpt (see excerpt.ts); the announcement turns it into plain text. */
  readonly summaryMarkdown: string;
  /** The lead image, when the front matter names one that resolves to an http(s) URL. */
  readonly media: readonly Media[];
  readonly dialect: "yaml" | "lenient" | "toml";
}

export type PostResult =
  | { readonly kind: "post"; readonly post: Post; readonly problems: readonly string[] }
  | { readonly kind: "skipped"; readonly why: "draft" | "translation" | "section index" }
  | { readonly kind: "unreadable"; readonly reason: string };

/** Reads the post at `path` (relative to the folder, "/"-separated) from its text. */
export function readPost(path: string, text: string, options: PostOptions): PostResult {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const stem = name.replace(/\.(?:md|markdown|mdown|mkd)$/i, "");
  // Hugo's _index.md is a section's list page, not a post (the XSF blog has one).
  if (/^_index(?:\.[\w-]+)?$/.test(stem)) return { kind: "skipped", why: "section index" };
  const { base, lang } = stemLanguage(stem);
  if (lang !== undefined && options.translations === "skip") return { kind: "skipped", why: "translation" };

  const front = readFrontMatter(text);
  if (!front.ok) return { kind: "unreadable", reason: front.reason };
  // A README or notes file in the folder: without front matter it is no post.
  if (front.dialect === "none") return { kind: "unreadable", reason: "no front matter (title, date… between --- lines); not a post" };
  const data = front.data;
  if (data["draft"] === true || /^(?:true|yes|on)$/i.test(stringOf(data["draft"]) ?? "") || /^(?:draft|hidden)$/i.test(stringOf(data["status"]) ?? "")) {
    return { kind: "skipped", why: "draft" };
  }

  const problems: string[] = [];
  const rawDate = data["publishdate"] ?? data["pubdate"] ?? data["published"] ?? data["date"];
  const date = parsePostDate(rawDate, options.timeZone);
  if (date === undefined) problems.push("no date in the front matter; listed without one");
  else if ("error" in date) problems.push(`${date.error}; listed without a date`);
  const published = date !== undefined && "date" in date ? date.date : undefined;

  // Hugo page bundles keep the post in <slug>/index.md.
  const folder = path.split("/").slice(-2, -1)[0];
  const fileSlug = /^index$/i.test(base) && folder !== undefined ? folder : base;
  const slug = stringOf(data["slug"])?.trim() || fileSlug;
  const title = stringOf(data["title"])?.trim() ?? "";
  if (title === "") problems.push("no title in the front matter");
  const link = postLink({ url: stringOf(data["url"]), slug, published }, options.link, options.timeZone);

  return {
    kind: "post",
    problems,
    post: {
      key: `md:${lang === undefined ? "" : `${lang}/`}${slug}`,
      path,
      title,
      published,
      author: people(data["authors"]) ?? people(data["author"]),
      categories: [...new Set([...listOf(data["categories"]), ...listOf(data["category"])])],
      link,
      summaryMarkdown: postExcerpt(data["summary"], front.body),
      media: postImage(data, link),
      dialect: front.dialect,
    },
  };
}

function stringOf(value: FrontMatterValue | undefined): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** A list as a list, a string as one item ("a, b" stays one: commas appear in category names). */
function listOf(value: FrontMatterValue | undefined): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => stringOf(item)?.trim()).filter((item): item is string => item !== undefined && item !== "");
}

/** "Guus", ["Alice", "Bob"] → "Alice, Bob"; Hugo's author objects are not names, and are skipped. */
function people(value: FrontMatterValue | undefined): string | undefined {
  const names = listOf(value);
  return names.length === 0 ? undefined : names.join(", ");
}

/** A post as the entry the poller, preview and announcements work with. */
export function postEntry(post: Post): Entry {
  return {
    key: post.key,
    title: post.title,
    link: post.link,
    author: post.author,
    published: post.published,
    summaryHtml: post.summaryMarkdown,
    categories: post.categories,
    ...(post.media.length > 0 ? { media: post.media } : {}),
  };
}

/**
 * Reads a folder of Markdown posts (recursively) into posts, newest first, with one-line
 * diagnostics for whatever could not be read. A bad file never stops the folder.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { readPost, type Post, type PostOptions, type PostResult } from "./post.js";

export interface FolderOptions extends PostOptions {
  /** Absolute path of the folder. */
  readonly path: string;
  /** Files larger than this are skipped with a diagnostic (a post is a few KB). */
  readonly maxFileBytes?: number;
}

export interface ListedFile {
  /** Relative to the folder, "/"-separated. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface FolderRead {
  /** Posts whose date has come (or that have none), newest first; undated ones last. */
  readonly posts: readonly Post[];
  readonly diagnostics: readonly Diagnostic[];
  /** The earliest date of a post left out because it lies in the future. */
  readonly nextFutureMs: number | undefined;
  readonly counts: Readonly<Record<"files" | "posts" | "drafts" | "translations" | "future" | "unreadable" | "yaml" | "lenient" | "toml", number>>;
}

/** A file (or folder, ending in "/") that could not be read as a post, and why, on one line. */
export interface Diagnostic {
  readonly file: string;
  readonly reason: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}: ${d.reason}`;
}

export const MAX_POST_BYTES = 1024 * 1024;
const MARKDOWN_FILE = /\.(?:md|markdown|mdown|mkd)$/i;
const MAX_DEPTH = 32;

/** The Markdown files under `root`, sorted by path. Throws when `root` itself cannot be read. */
export async function listMarkdownFiles(root: string, diagnostics: Diagnostic[] = []): Promise<ListedFile[]> {
  const files: ListedFile[] = [];
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      // Hidden files and folders: .git, editors' lock and swap files.
      if (entry.name.startsWith(".")) continue;
      const abs = join(dir, entry.name);
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (depth >= MAX_DEPTH) continue;
        await walk(abs, path, depth + 1).catch((err: unknown) => void diagnostics.push({ file: `${path}/`, reason: `cannot read the folder (${reasonOf(err)})` }));
      } else if ((entry.isFile() || entry.isSymbolicLink()) && MARKDOWN_FILE.test(entry.name)) {
        // Symbolic links to files count; links to folders are not followed (no loops).
        // A dangling link or a file removed meanwhile is no post: skipped, like any other non-file.
        const info = await stat(abs).catch(() => undefined);
        if (info?.isFile()) files.push({ path, size: info.size, mtimeMs: info.mtimeMs });
      }
    }
  };
  await walk(root, "", 0);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Posts read earlier, by path, with the size and mtime they were read at: a folder source keeps
 * one so that a change to one file does not parse every other post again.
 */
export type PostCache = Map<string, { readonly stamp: string; readonly result: PostResult }>;

/** Reads every listed file into posts. `now` decides which dated posts are still in the future. */
export async function readFolder(
  options: FolderOptions,
  listed: readonly ListedFile[],
  now: number,
  listDiagnostics: readonly Diagnostic[] = [],
  cache: PostCache = new Map(),
): Promise<FolderRead> {
  const diagnostics = [...listDiagnostics];
  const counts = { files: listed.length, posts: 0, drafts: 0, translations: 0, future: 0, unreadable: 0, yaml: 0, lenient: 0, toml: 0 };
  const maxBytes = options.maxFileBytes ?? MAX_POST_BYTES;
  const posts: Post[] = [];
  let nextFutureMs: number | undefined;

  for (const file of listed) {
    if (file.size > maxBytes) {
      counts.unreadable++;
      diagnostics.push({ file: file.path, reason: `larger than ${Math.round(maxBytes / 1024)} KB; skipped` });
      continue;
    }
    const stamp = `${file.size}:${file.mtimeMs}`;
    let result = cache.get(file.path)?.stamp === stamp ? cache.get(file.path)!.result : undefined;
    if (result === undefined) {
      try {
        result = readPost(file.path, await readFile(join(options.path, file.path), "utf8"), options);
      } catch (err) {
        counts.unreadable++;
        diagnostics.push({ file: file.path, reason: `cannot read the file (${reasonOf(err)})` });
        continue;
      }
      cache.set(file.path, { stamp, result });
    }
    if (result.kind === "unreadable") {
      counts.unreadable++;
      diagnostics.push({ file: file.path, reason: oneLine(result.reason) });
      continue;
    }
    if (result.kind === "skipped") {
      if (result.why === "draft") counts.drafts++;
      if (result.why === "translation") counts.translations++;
      continue;
    }
    for (const problem of result.problems) diagnostics.push({ file: file.path, reason: oneLine(problem) });
    counts[result.post.dialect]++;
    const time = result.post.published?.getTime();
    if (time !== undefined && time > now) {
      // Left out until its date comes; then it is new, and announced (Hugo builds it then too).
      counts.future++;
      nextFutureMs = nextFutureMs === undefined ? time : Math.min(nextFutureMs, time);
      continue;
    }
    posts.push(result.post);
  }
  const present = new Set(listed.map((file) => file.path));
  for (const path of cache.keys()) if (!present.has(path)) cache.delete(path);
  const unique = settleKeys(posts, diagnostics);
  counts.posts = unique.length;
  return { posts: unique.sort(newestFirst), diagnostics, nextFutureMs, counts };
}

/**
 * Two files with the same slug (say blog/summit.md and news/summit.md) would share an identity.
 * The oldest keeps it, as it is the one already recorded; the others are told apart by path.
 */
function settleKeys(posts: Post[], diagnostics: Diagnostic[]): Post[] {
  const byKey = new Map<string, Post[]>();
  for (const post of posts) byKey.set(post.key, [...(byKey.get(post.key) ?? []), post]);
  const out: Post[] = [];
  for (const group of byKey.values()) {
    const [first, ...others] = [...group].sort(oldestFirst);
    out.push(first!);
    for (const other of others) {
      diagnostics.push({ file: other.path, reason: `same slug as ${first!.path}; told apart by its path` });
      out.push({ ...other, key: `${other.key}@${other.path}` });
    }
  }
  return out;
}

function timeOf(post: Post): number | undefined {
  return post.published?.getTime();
}

function newestFirst(a: Post, b: Post): number {
  const ta = timeOf(a);
  const tb = timeOf(b);
  if (ta !== tb) return ta === undefined ? 1 : tb === undefined ? -1 : tb - ta;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function oldestFirst(a: Post, b: Post): number {
  const ta = timeOf(a) ?? Number.NEGATIVE_INFINITY;
  const tb = timeOf(b) ?? Number.NEGATIVE_INFINITY;
  return ta !== tb ? ta - tb : a.path < b.path ? -1 : 1;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** "ENOENT: no such file or directory" without the path Node appends. */
export function reasonOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message.replace(/, \w+ '.*'$/s, "") : String(err);
}

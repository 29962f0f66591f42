import { SourceError } from "../errors.js";
/**
 * A folder of Markdown posts as a feed source for the poller.
 *
 * Unchanged folders are cheap: the validators carry a fingerprint of every file's path, size and
 * modification time (plus the options that shape entries), so a poll that finds the same
 * fingerprint answers "not-modified" after a few stat() calls, like a 304 for an HTTP feed. The
 * fingerprint also records when the next future-dated post comes due, so that the poll after that
 * moment reads the folder again and the post becomes new even though no file changed.
 */
import { createHash } from "node:crypto";
import type { Validators } from "../http/fetch.js";
import type { ReadSource } from "../source.js";
import { postEntry } from "./post.js";
import {
  formatDiagnostic,
  listMarkdownFiles,
  readFolder,
  reasonOf,
  type Diagnostic,
  type FolderOptions,
  type FolderRead,
  type ListedFile,
  type PostCache,
} from "./folder.js";

export interface MarkdownFolderOptions {
  /** Absolute path of the folder. */
  readonly path: string;
  /** Link template with {year} {month} {day} {slug}; without one, posts have no link unless their front matter has an absolute url. */
  readonly link?: string | undefined;
  /** IANA time zone of dates written without an offset. Default UTC. */
  readonly timeZone?: string;
  readonly translations?: "skip" | "include";
  readonly now?: () => number;
  /** Called once per problem per file version (not on every poll), with "<file>: <reason>". */
  readonly onDiagnostic?: (message: string) => void;
}

/** The folder cannot be read at all. Temporary unless it does not exist (a person must act). */
export class FolderError extends SourceError {
  constructor(message: string, temporary: boolean) {
    super(message, temporary);
    this.name = "FolderError";
  }
}

const FINGERPRINT_VERSION = "md1";

/** Reads the folder once, with everything the preview and conformance run want to show. */
export async function readMarkdownFolder(options: MarkdownFolderOptions): Promise<FolderRead> {
  const listDiagnostics: Diagnostic[] = [];
  const listed = await list(options.path, listDiagnostics);
  return readFolder(folderOptions(options), listed, (options.now ?? Date.now)(), listDiagnostics);
}

/** The poller's view: entries newest first, "not-modified" when nothing changed. */
export function markdownFolderSource(options: MarkdownFolderOptions): ReadSource {
  const now = options.now ?? Date.now;
  const cache: PostCache = new Map();
  let reported = new Set<string>();
  return async (validators) => {
    const listDiagnostics: Diagnostic[] = [];
    const listed = await list(options.path, listDiagnostics);
    const fingerprint = fingerprintOf(options, listed);
    const previous = parseEtag(validators);
    if (previous?.fingerprint === fingerprint && (previous.dueMs === undefined || now() < previous.dueMs)) {
      return { kind: "not-modified" };
    }
    const read = await readFolder(folderOptions(options), listed, now(), listDiagnostics, cache);
    // Each diagnostic once per file version: a poll after an unrelated change stays quiet.
    const stamps = new Map(listed.map((file) => [file.path, `${file.size}:${file.mtimeMs}`]));
    const current = new Map(read.diagnostics.map((d) => [`${stamps.get(d.file) ?? ""}|${formatDiagnostic(d)}`, d]));
    for (const [key, diagnostic] of current) if (!reported.has(key)) options.onDiagnostic?.(formatDiagnostic(diagnostic));
    reported = new Set(current.keys());
    const due = read.nextFutureMs === undefined ? "" : String(read.nextFutureMs);
    return {
      kind: "entries",
      title: undefined,
      entries: read.posts.map(postEntry),
      validators: { etag: `${FINGERPRINT_VERSION}:${fingerprint}:${due}`, lastModified: undefined },
    };
  };
}

function folderOptions(options: MarkdownFolderOptions): FolderOptions {
  return { path: options.path, link: options.link, timeZone: options.timeZone ?? "UTC", translations: options.translations ?? "skip" };
}

async function list(path: string, diagnostics: Diagnostic[]): Promise<ListedFile[]> {
  try {
    return await listMarkdownFiles(path, diagnostics);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const missing = code === "ENOENT" || code === "ENOTDIR";
    throw new FolderError(`cannot read the folder ${path}: ${reasonOf(err)}`, !missing);
  }
}

function fingerprintOf(options: MarkdownFolderOptions, listed: readonly ListedFile[]): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify([options.link ?? "", options.timeZone ?? "UTC", options.translations ?? "skip"]));
  for (const file of listed) hash.update(`\n${file.path}\0${file.size}\0${file.mtimeMs}`);
  return hash.digest("hex").slice(0, 32);
}

function parseEtag(validators: Validators): { fingerprint: string; dueMs: number | undefined } | undefined {
  const match = /^md1:([0-9a-f]{32}):(\d*)$/.exec(validators.etag ?? "");
  if (match === null) return undefined;
  return { fingerprint: match[1]!, dueMs: match[2] === "" ? undefined : Number(match[2]) };
}

/**
 * Front matter of a Markdown post: YAML between "---" lines (Hugo, Jekyll), read with
 * gray-matter; when strict YAML refuses it, the line-based `key: value` metadata that Pelican's
 * reader (Python-Markdown's Meta extension) accepts; and Hugo's TOML between "+++" lines, read
 * the same line-based way.
 */
import matter from "gray-matter";
import { parse as parseYaml } from "yaml";

export type FrontMatterValue = string | number | boolean | null | FrontMatterValue[] | { [key: string]: FrontMatterValue };

export type FrontMatter =
  | {
      readonly ok: true;
      /** Top-level keys lower-cased (Hugo and Pelican both treat them case-insensitively). */
      readonly data: Readonly<Record<string, FrontMatterValue>>;
      readonly body: string;
      /** Which reader understood it; "none" when the file has no front matter at all. */
      readonly dialect: "yaml" | "lenient" | "toml" | "none";
    }
  | { readonly ok: false; readonly reason: string };

class ScriptFrontMatterError extends Error {}

/**
 * gray-matter evaluates `---js` front matter with eval() unless its engine is replaced; replacing
 * "javascript" covers both spellings (toolchain notes), "js" is replaced too for good measure.
 * Posts are data: running code found in a content folder would hand the folder's writers the bot.
 */
function refuseScript(): never {
  throw new ScriptFrontMatterError("JavaScript front matter is never run");
}

/**
 * YAML 1.2 core schema: no timestamps, so "2017-02-27 18:50" and "2017-01-27" stay text and are
 * read in the feed's time zone later (js-yaml, gray-matter's default, turns the second into a
 * UTC Date and leaves the first a string). Aliases are capped against "billion laughs" YAML.
 */
function readYaml(text: string): object {
  const value: unknown = parseYaml(text, { schema: "core", logLevel: "error", maxAliasCount: 100, prettyErrors: false });
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new Error("the front matter is not a mapping of keys to values");
  return value;
}

const GRAY_MATTER_OPTIONS = {
  // Always an options object: without one gray-matter caches results and shares them between
  // calls, and after one YAML error silently returns empty data for the same text (toolchain notes).
  excerpt: false,
  engines: { yaml: readYaml, javascript: refuseScript, js: refuseScript },
};

/** Reads the front matter of `text`. Never throws: a file it cannot read gives a reason. */
export function readFrontMatter(source: string): FrontMatter {
  const text = source.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  if (/^\+\+\+[^\S\n]*\n/.test(text)) return readDelimited(text, /^\+\+\+[^\S\n]*$/, TOML_LINE, "toml");
  if (/^---(?:[A-Za-z][\w-]*)?[^\S\n]*\n/.test(text)) {
    try {
      const file = matter(text, GRAY_MATTER_OPTIONS);
      return { ok: true, data: lowerKeys(file.data as Record<string, FrontMatterValue>), body: file.content, dialect: "yaml" };
    } catch (err) {
      if (err instanceof ScriptFrontMatterError || /engine ".*" is not registered/.test(firstLine(err))) {
        return { ok: false, reason: `front matter in another language than YAML (${firstLine(err)})` };
      }
      // Strict YAML refused it (typically "title: Instant Messaging: It's not about the app").
      return readDelimited(text, PELICAN_END, META_LINE, "lenient", firstLine(err));
    }
  }
  // Python-Markdown's Meta extension accepts any line starting with "---" as the delimiter
  // (BEGIN_RE = ^-{3}(\s.*)?), so "------" opened Pelican metadata (blog/2021-01-28_es.md).
  if (/^-{4,}[^\S\n]*\n/.test(text)) return readDelimited(text, PELICAN_END, META_LINE, "lenient");
  // Pelican's native form: "Title: …" lines from the first line to the first blank line.
  if (/^(?:title|date)[^\S\n]*:/i.test(text)) return readUndelimited(text);
  return { ok: true, data: {}, body: text, dialect: "none" };
}

// Python-Markdown Meta: META_RE = ^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*),
// MORE_RE = ^[ ]{4,}(?P<value>.*), END_RE = ^(-{3}|\.{3})(\s.*)?
const META_LINE = /^[ ]{0,3}([A-Za-z0-9_-]+)[^\S\n]*:[^\S\n]*(.*)$/;
const TOML_LINE = /^[ ]{0,3}([A-Za-z0-9_-]+)[^\S\n]*=[^\S\n]*(.*)$/;
const PELICAN_END = /^(?:-{3}|\.{3})/;
const LIST_KEYS = new Set(["categories", "category", "tags", "aliases", "authors", "keywords", "images"]);

function readDelimited(text: string, end: RegExp, keyLine: RegExp, dialect: "lenient" | "toml", yamlError?: string): FrontMatter {
  const lines = text.split("\n");
  const close = lines.findIndex((line, index) => index > 0 && end.test(line));
  if (close === -1) return { ok: false, reason: "the front matter has no closing delimiter line" };
  const body = lines.slice(1, close);
  // TOML tables ("[params]") hold keys that are not the post's own: stop before the first.
  const table = dialect === "toml" ? body.findIndex((line) => /^\s*\[/.test(line)) : -1;
  const data = readLines(table === -1 ? body : body.slice(0, table), keyLine);
  if (Object.keys(data).length === 0) {
    const why = yamlError === undefined ? "" : ` (as YAML: ${yamlError})`;
    return { ok: false, reason: `the front matter is neither YAML nor key: value lines${why}` };
  }
  return { ok: true, data, body: lines.slice(close + 1).join("\n"), dialect };
}

function readUndelimited(text: string): FrontMatter {
  const lines = text.split("\n");
  const blank = lines.findIndex((line) => line.trim() === "");
  const head = blank === -1 ? lines : lines.slice(0, blank);
  return { ok: true, data: readLines(head, META_LINE), body: blank === -1 ? "" : lines.slice(blank + 1).join("\n"), dialect: "lenient" };
}

/** `key: value` (or `key = value`) lines; indented lines continue a value, "- x" lines list it. */
function readLines(lines: readonly string[], keyLine: RegExp): Record<string, FrontMatterValue> {
  const data: Record<string, FrontMatterValue> = {};
  let last: string | undefined;
  for (const line of lines) {
    const item = /^\s*-\s+(.*)$/.exec(line);
    const more = /^[ ]{4,}(\S.*)$/.exec(line);
    const meta = keyLine.exec(line);
    if (item && last !== undefined && (data[last] === "" || Array.isArray(data[last]))) {
      data[last] = [...(Array.isArray(data[last]) ? (data[last] as FrontMatterValue[]) : []), unquote(item[1]!)];
    } else if (more && last !== undefined && typeof data[last] === "string") {
      data[last] = `${String(data[last])} ${more[1]!.trim()}`.trim();
    } else if (meta) {
      last = meta[1]!.toLowerCase();
      // The first value of a repeated key wins, as in YAML readers that allow repeats.
      if (!(last in data)) data[last] = scalarOrList(last, meta[2]!.trim());
    }
  }
  return data;
}

function scalarOrList(key: string, value: string): FrontMatterValue {
  if (LIST_KEYS.has(key) && /^\[.*\]$/.test(value)) {
    return value
      .slice(1, -1)
      .split(",")
      .map((part) => unquote(part.trim()))
      .filter((part) => part !== "");
  }
  if (value === "true" || value === "false") return value === "true";
  return unquote(value);
}

/** 'text' or "text" → text; anything else as written (a quote inside a title is the title's). */
function unquote(value: string): string {
  const match = /^(["'])(.*)\1$/.exec(value);
  return match ? match[2]! : value;
}

function lowerKeys(data: Record<string, FrontMatterValue>): Record<string, FrontMatterValue> {
  const out: Record<string, FrontMatterValue> = {};
  for (const [key, value] of Object.entries(data)) if (!(key.toLowerCase() in out)) out[key.toLowerCase()] = value;
  return out;
}

function firstLine(err: unknown): string {
  const message = String((err as { message?: unknown } | null)?.message ?? err);
  return (message.split("\n")[0] ?? "").slice(0, 160);
}

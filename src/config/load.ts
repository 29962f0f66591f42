import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseDocument, type YAMLError } from "yaml";
import { z } from "zod";
import { feedLocation, heraldConfigSchema, type HeraldConfig } from "./schema.js";
import { suggestKey } from "./suggest.js";
import { syntaxErrorPosition } from "./yaml-position.js";
import { placeholderPasswordWarning } from "./placeholder.js";
import { passwordOf } from "../store/location.js";

export const DEFAULT_CONFIG_PATH = "config/herald.yaml";
const PASSWORD_ENV = "HERALD_XMPP_PASSWORD";
const STORE_ENV = "HERALD_STORE_URL";
const EXAMPLE_HINT = "copy config/herald.example.yaml to start";
const TOP_LEVEL = "(top level)";

export interface ConfigProblem {
  /** Where: a key path like `rooms[0].feeds[1]`, or `file:line:column` for YAML syntax. */
  readonly path: string;
  /** "<what is wrong>; expected <what>". */
  readonly message: string;
}

/** The config cannot be used; `problems` holds every problem found, not just the first. */
export class ConfigError extends Error {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super([`${count} in ${file}:`, ...problems.map((p) => `${p.path}: ${p.message}`)].join("\n"));
    this.name = "ConfigError";
    this.file = file;
    this.problems = problems;
  }
}

/** `--config PATH` wins, then $HERALD_CONFIG, then config/herald.yaml. */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag || env.HERALD_CONFIG || DEFAULT_CONFIG_PATH;
}

/**
 * Reads, parses and validates the config file. Relative paths: `store` against `cwd`, `password_file`
 * against the config file's directory. $HERALD_XMPP_PASSWORD and $HERALD_STORE_URL, when set and
 * non-empty, override the file's xmpp.password and store.
 */
export function loadConfig(path: string, env: NodeJS.ProcessEnv, cwd: string): { config: HeraldConfig; warnings: string[] } {
  const file = resolve(cwd, path);
  const text = readConfigText(path, file);

  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(path, doc.errors.map((error) => yamlProblem(path, text, error)));
  if (doc.contents === null) {
    throw new ConfigError(path, [{ path: TOP_LEVEL, message: `the file is empty; expected a YAML mapping with at least xmpp (${EXAMPLE_HINT})` }]);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(path, [{ path: TOP_LEVEL, message: `${reasonOf(err)}; expected plain YAML data` }]);
  }
  const warnings = doc.warnings.map((warning) => `${position(path, warning)}: ${firstLine(warning.message)}`);

  // A store URL with its password can stay out of the file (a container's secret, a systemd
  // credential); it replaces `store` before validation, so it is checked like the file's.
  const storeUrl = env[STORE_ENV];
  if (storeUrl && isRecord(raw)) raw = { ...raw, store: storeUrl };

  const problems: ConfigProblem[] = [];
  const password = resolvePassword(raw, env, dirname(file), problems);
  // An unresolved password is already a problem above, so the placeholder never reaches a config.
  const result = heraldConfigSchema({ cwd, password: password ?? "" }).safeParse(raw, { error: describeIssue });
  if (!result.success) {
    problems.unshift(...result.error.issues.map((issue) => ({ path: keyPath(issue.path), message: issue.message })));
  }
  if (!result.success || problems.length > 0) {
    throw new ConfigError(path, redact(problems, secretsIn(raw, env, password)));
  }
  const placeholder = placeholderPasswordWarning(result.data.xmpp.password, !!env[PASSWORD_ENV]);
  return { config: result.data, warnings: [...warnings, ...configWarnings(result.data), ...(placeholder ? [placeholder] : [])] };
}

function readConfigText(path: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const message = `cannot read ${file} (${reasonOf(err)}); expected a YAML config file (${EXAMPLE_HINT})`;
    throw new ConfigError(path, [{ path, message }]);
  }
}

/** "ENOENT: no such file or directory" without the path Node appends. */
function reasonOf(err: unknown): string {
  // Duck-typed: fs errors need not be instances of this realm's Error (under Jest they are not).
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message.replace(/, \w+ '.*'$/s, "") : String(err);
}

/** Only the first line of the yaml package's message: the rest quotes the source, which may hold a password. */
function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

function position(path: string, error: YAMLError): string {
  const at = error.linePos?.[0];
  return at === undefined ? path : `${path}:${at.line}:${at.col}`;
}

function yamlProblem(path: string, text: string, error: YAMLError): ConfigProblem {
  // The parser's own position is often lines after the mistake (see yaml-position.ts).
  const at = syntaxErrorPosition(text, error);
  return { path: at === undefined ? path : `${path}:${at.line}:${at.col}`, message: `YAML syntax error: ${firstLine(error.message)}; expected valid YAML (check indentation and quotes)` };
}

const TYPE_NAMES: Record<string, string> = { string: "text", number: "a number", array: "a list", object: "a mapping" };

function kindOf(value: unknown): string {
  if (value === null) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return "text";
  return typeof value === "boolean" ? "true/false" : `a ${typeof value}`;
}

/**
 * Messages for zod's built-in issues, in the file's words (the schema's own checks set theirs).
 * Never echoes a value: it may be a password.
 */
const describeIssue: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type": {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return `missing; expected ${expected}`;
      // YAML reads 12345 and true as a number and a boolean; quoting makes them text.
      const quote = issue.expected === "string" && ["number", "boolean"].includes(typeof issue.input) ? " (put it in quotes)" : "";
      return `is ${kindOf(issue.input)}; expected ${expected}${quote}`;
    }
    case "unrecognized_keys": {
      const known = issue.inst instanceof z.ZodObject ? Object.keys(issue.inst.shape) : [];
      const keys = issue.keys.map((key) => {
        const guess = suggestKey(key, known);
        return guess === undefined ? `"${key}"` : `"${key}" (did you mean "${guess}"?)`;
      });
      return `unknown key${keys.length > 1 ? "s" : ""} ${keys.join(", ")}; expected only ${known.join(", ")}`;
    }
    case "too_small":
      return issue.origin === "string" ? "is empty; expected non-empty text" : undefined;
    default:
      return undefined;
  }
};

/** ["rooms", 0, "feeds", 1] → "rooms[0].feeds[1]". */
function keyPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return TOP_LEVEL;
  return path.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join("");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Exactly one of xmpp.password and xmpp.password_file, unless $HERALD_XMPP_PASSWORD overrides both.
 * Reads `raw` defensively: it runs before (and regardless of) schema validation, which reports bad types.
 */
function resolvePassword(raw: unknown, env: NodeJS.ProcessEnv, configDir: string, problems: ConfigProblem[]): string | undefined {
  const xmpp = isRecord(raw) && isRecord(raw.xmpp) ? raw.xmpp : undefined;
  if (xmpp === undefined) return env[PASSWORD_ENV] || undefined; // the schema reports a missing xmpp section
  const inline = "password" in xmpp;
  const fromFile = "password_file" in xmpp;
  // Both in the file is a mistake even when the environment overrides: the file alone is ambiguous.
  if (inline && fromFile) {
    problems.push({ path: "xmpp.password_file", message: "is set as well as xmpp.password; expected only one of them" });
  }
  const fromEnv = env[PASSWORD_ENV];
  if (fromEnv) return fromEnv;
  if (inline) return typeof xmpp.password === "string" ? xmpp.password : undefined;
  if (fromFile) return typeof xmpp.password_file === "string" ? readPasswordFile(resolve(configDir, xmpp.password_file), problems) : undefined;
  problems.push({ path: "xmpp.password", message: `missing; expected password, password_file or env ${PASSWORD_ENV}` });
  return undefined;
}

function readPasswordFile(file: string, problems: ConfigProblem[]): string | undefined {
  let password: string;
  try {
    password = readFileSync(file, "utf8").replace(/[\r\n]+$/, "");
  } catch (err) {
    problems.push({ path: "xmpp.password_file", message: `cannot read ${file} (${reasonOf(err)}); expected a readable file holding the password` });
    return undefined;
  }
  if (password === "") problems.push({ path: "xmpp.password_file", message: `${file} is empty; expected a file holding the password` });
  return password || undefined;
}

/** Every secret the file or environment gave us, so that no message can ever carry one. */
function secretsIn(raw: unknown, env: NodeJS.ProcessEnv, password: string | undefined): string[] {
  const xmpp = isRecord(raw) && isRecord(raw.xmpp) ? raw.xmpp : {};
  const rooms = isRecord(raw) && Array.isArray(raw.rooms) ? raw.rooms : [];
  const store = isRecord(raw) && typeof raw.store === "string" ? raw.store : "";
  const candidates = [
    password,
    env[PASSWORD_ENV],
    xmpp.password,
    ...rooms.map((room) => (isRecord(room) ? room.password : undefined)),
    passwordOf(store),
    passwordOf(env[STORE_ENV] ?? ""),
  ];
  // Very short "secrets" would shred ordinary words; messages never quote passwords anyway.
  return candidates.filter((secret): secret is string => typeof secret === "string" && secret.length >= 4);
}

function redact(problems: readonly ConfigProblem[], secrets: readonly string[]): ConfigProblem[] {
  const scrub = (text: string) => secrets.reduce((out, secret) => out.split(secret).join("[redacted]"), text);
  return problems.map((problem) => ({ path: scrub(problem.path), message: scrub(problem.message) }));
}

/** Valid but probably not what was meant: check-config prints these, run logs them. */
function configWarnings(config: HeraldConfig): string[] {
  const warnings: string[] = [];
  if (config.feeds.length === 0) warnings.push("feeds: none defined; Herald will connect but announce nothing");
  const targets = config.rooms.length + config.pubsub.length + config.mix.length;
  if (targets === 0) warnings.push("rooms: none defined; Herald will fetch feeds but announce them nowhere");
  const announced = new Set([...config.rooms, ...config.pubsub, ...config.mix].flatMap((target) => target.feeds));
  const locations = new Map<string, number>();
  config.feeds.forEach((feed, index) => {
    if (targets > 0 && !announced.has(feed.name)) {
      warnings.push(`feeds[${index}]: feed "${feed.name}" is in no room's feeds, so it is fetched but never announced`);
    }
    const location = feedLocation(feed);
    const first = locations.get(location);
    if (first === undefined) locations.set(location, index);
    else if (feed.kind === "http") warnings.push(`feeds[${index}].url: same URL as feeds[${first}], so it is fetched twice`);
    else warnings.push(`feeds[${index}].path: same folder as feeds[${first}], so it is read twice`);
    if (feed.kind === "folder") {
      const problem = folderProblem(feed.path);
      if (problem !== undefined) warnings.push(`feeds[${index}].path: ${problem}; Herald keeps trying and announces its posts once it can read it`);
    }
  });
  config.rooms.forEach((room, index) => {
    if (room.feeds.length === 0) warnings.push(`rooms[${index}]: ${room.jid} lists no feeds, so nothing is announced there`);
  });
  return warnings;
}

/** Why a folder feed's path is not a readable folder now, or undefined. */
function folderProblem(path: string): string | undefined {
  try {
    return statSync(path).isDirectory() ? undefined : `${path} is not a folder`;
  } catch (err) {
    return `cannot read ${path} (${reasonOf(err)})`;
  }
}

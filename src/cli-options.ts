/**
 * Command-line mistakes in words: Node's parseArgs says "Unknown option '--confg'. To specify a
 * positional argument starting with a '-', place it after a '--', as in '-- \"--confg\"'", which
 * answers a question nobody asked. This names the option and the one that was probably meant.
 */
import { closest } from "./config/schema.js";

export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
}

/** A one-line message for a parseArgs error; other errors keep their own message. */
export function describeArgsError(err: unknown, options: Readonly<Record<string, OptionSpec>>): string {
  const e = err as { code?: string; message?: string };
  const message = typeof e?.message === "string" ? e.message : String(err);
  if (e?.code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION") return message;
  const given = /'(-[^']*)'/.exec(message)?.[1];
  if (given === undefined) return message;
  const names = Object.keys(options);
  const bare = given.replace(/^-+/, "").split("=")[0]!;
  const guess = closest(bare, names);
  const known = names.map((name) => `--${name}`).join(", ");
  return guess === undefined
    ? `unknown option ${given}; the options are ${known}`
    : `unknown option ${given} (did you mean --${guess}?)`;
}

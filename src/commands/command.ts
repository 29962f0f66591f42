/** Where a command was said, as the server told us. */
export type Place = { readonly kind: "dm" } | { readonly kind: "room"; readonly room: string; readonly nick: string };

export interface CommandContext {
  /** The sender's bare JID, verified by the server (DM), or the real JID a room showed; undefined when hidden. */
  readonly sender: string | undefined;
  readonly isAdmin: boolean;
  readonly place: Place;
}

/** A mistake by the person typing: shown to them as one line, never logged as an error. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

export interface Command {
  /** What the user types first: "latest", "feed add". */
  readonly name: string;
  /** Argument syntax for help: "<name> <url> [interval]". */
  readonly args?: string;
  readonly summary: string;
  /** Further lines for "help <command>". */
  readonly details?: readonly string[];
  readonly admin: boolean;
  /** Read-only commands may be asked in a room. */
  readonly inRooms: boolean;
  run(context: CommandContext, args: readonly string[], rest: string): Promise<string> | string;
}

/** Declares a command; a typo in the table fails at start-up with the fix, not at first use. */
export function command(def: Command): Command {
  if (!/^[a-z]+( [a-z]+)?$/.test(def.name)) throw new Error(`command name "${def.name}" must be one or two lower-case words`);
  if (def.admin && def.inRooms) throw new Error(`admin command "${def.name}" cannot be offered in rooms`);
  return def;
}

/**
 * Why `context` may not run `command`, or undefined when it may. The one check for every way in:
 * a chat line (dispatcher.ts) and a client's command form (adhoc-commands.ts).
 */
export function refusal(command: Command, context: CommandContext): string | undefined {
  if (command.admin && !context.isAdmin) return `“${command.name}” is for Herald's admins only.`;
  if (context.place.kind === "room" && !command.inRooms) return `Ask me “${command.name}” by direct message.`;
  return undefined;
}

/** Splits a command line into words; "double quotes" keep spaces together. */
export function tokenize(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (const m of line.matchAll(re)) words.push(m[1] ?? m[2]!);
  return words;
}

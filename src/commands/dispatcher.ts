import type { Logger } from "../log.js";
import { refusal, tokenize, UserError, type Command, type CommandContext } from "./command.js";
import { createRateLimiter } from "./rate-limit.js";

export interface DispatcherDeps {
  readonly commands: readonly Command[];
  readonly log: Logger;
  readonly now: () => number;
  /** Per sender: burst and refill of the command budget. */
  readonly senderLimit?: { readonly burst: number; readonly refillMs: number };
  /** Per room: how often the bot answers in one room. */
  readonly roomLimit?: { readonly burst: number; readonly refillMs: number };
  /** Told of each command that runs (metrics). */
  readonly onCommand?: (name: string) => void;
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

/**
 * Finds the command in a line, checks who may run it where, runs it, and turns every outcome
 * into one reply line (or none). Executors return text or throw UserError; anything else is a
 * bug, logged with context, and the user gets one short line, never a stack trace.
 */
export function createDispatcher(deps: DispatcherDeps) {
  const byName = new Map(deps.commands.map((c) => [c.name, c]));
  if (byName.size !== deps.commands.length) throw new Error("two commands share a name");
  // Generous for a person typing (twenty at once, then two a second); a script flooding is slowed.
  const senders = createRateLimiter({ ...(deps.senderLimit ?? { burst: 20, refillMs: 500 }), now: deps.now });
  const rooms = createRateLimiter({ ...(deps.roomLimit ?? { burst: 3, refillMs: 10_000 }), now: deps.now });

  function find(words: readonly string[]): { command: Command; used: number } | undefined {
    const two = words.length >= 2 ? byName.get(`${words[0]!.toLowerCase()} ${words[1]!.toLowerCase()}`) : undefined;
    if (two) return { command: two, used: 2 };
    const one = words[0] ? byName.get(words[0].toLowerCase()) : undefined;
    return one ? { command: one, used: 1 } : undefined;
  }

  return {
    commands: deps.commands,
    /**
     * Handles one command line. Returns the reply, or undefined when the bot should stay quiet
     * (rate limited, or a room line that is not one of our commands).
     */
    async handle(line: string, context: CommandContext): Promise<string | undefined> {
      const inRoom = context.place.kind === "room";
      const words = tokenize(line.trim());
      if (words.length === 0) return inRoom ? undefined : "Say “help” to see what I can do.";
      const found = find(words);
      // In a room, lines that are not ours may be meant for another bot: say nothing.
      if (!found && inRoom) return undefined;

      const senderKey = context.sender ?? (context.place.kind === "room" ? `${context.place.room}/${context.place.nick}` : "?");
      const verdict = senders.take(senderKey);
      if (verdict === "silent") return undefined;
      if (verdict === "limited") return "You are sending commands faster than I answer them; wait a few seconds.";
      if (inRoom && context.place.kind === "room" && rooms.take(context.place.room) !== "ok") return undefined;

      if (!found) return `Unknown command “${words[0]}”. Say “help” to see what I can do.`;
      const { command } = found;
      const refused = refusal(command, context);
      if (refused !== undefined) return refused;
      deps.onCommand?.(command.name);
      const args = words.slice(found.used);
      const rest = restAfter(line.trim(), found.used);
      try {
        return await command.run(context, args, rest);
      } catch (err) {
        if (err instanceof UserError) return err.message;
        deps.log.error({ command: command.name, sender: context.sender, err }, "command failed");
        return `Sorry, “${command.name}” failed on my side; the admins can find the details in my log.`;
      }
    },
  };
}

/** The raw text after the first `n` words, for free-text arguments such as a template. */
function restAfter(line: string, n: number): string {
  let rest = line;
  for (let i = 0; i < n; i++) rest = rest.replace(/^\s*("[^"]*"|\S+)/, "");
  return rest.trim();
}

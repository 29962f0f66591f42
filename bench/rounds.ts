// Waiting for polls, as the bot reports them ("polled" at debug level for unchanged feeds).
import type { Bot, BotLog } from "./bot.js";

export interface Round {
  /** The line that completed the round: the last feed's poll. */
  readonly last: BotLog;
  /** Every "polled" line in the round, by result (a feed polled twice counts twice). */
  readonly results: Record<string, number>;
  readonly polls: number;
  readonly failures: number;
}

/**
 * Resolves when every feed in `names` has logged "polled" (or "poll failed") at least once from
 * now on. Counts every poll in between, including second polls of feeds that came round again.
 */
export function round(bot: Bot, names: ReadonlySet<string>, timeoutMs: number): Promise<Round> {
  const seen = new Set<string>();
  const results: Record<string, number> = {};
  let polls = 0;
  let failures = 0;
  return bot
    .waitFor(
      (line) => {
        if (line.msg !== "polled" && line.msg !== "poll failed") return false;
        const feed = String(line.feed);
        if (!names.has(feed)) return false;
        polls++;
        if (line.msg === "poll failed") failures++;
        const result = String(line.result);
        results[result] = (results[result] ?? 0) + 1;
        seen.add(feed);
        return seen.size === names.size;
      },
      timeoutMs,
      `a poll of each of ${names.size} feeds (${seen.size} so far)`,
    )
    .then((last) => ({ last, results, polls, failures }));
}

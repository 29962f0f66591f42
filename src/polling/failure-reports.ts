import type { FeedState, FeedStateStore } from "../store/store.js";
import type { PollOutcome } from "./poller.js";
import { formatDuration } from "../util/duration.js";

export interface FailureReportDeps {
  readonly feedState: FeedStateStore;
  /** Tells the admins, by direct message; false when it could not (offline): then it is tried again later. */
  readonly notifyAdmins: (text: string) => boolean;
  /** A feed failing at least this long is reported (once); shorter trouble stays quiet. */
  readonly reportAfterMs: number;
  readonly now: () => number;
}

/**
 * Decides when a feed's trouble is worth a person's attention. Temporary errors stay quiet until
 * a feed has failed for `reportAfterMs`; then the admins hear it once, and once more when it
 * works again. A 410 Gone is reported at once: the feed is disabled and only a person can act.
 * Whether the admins were told is stored, so a restart neither repeats nor forgets it.
 */
export function createFailureReports(deps: FailureReportDeps) {
  return {
    /**
     * Reads, decides and records in turns: the poller awaits this before the feed's next poll, so
     * two outcomes of one feed are never judged against the same stored state (one report, not two).
     */
    async onPolled(feed: string, outcome: PollOutcome, before?: FeedState): Promise<void> {
      // A success with no report to take back is the common case (every unchanged poll): the
      // state the poll started from says so, and only this function writes the report, in turns.
      if (outcome.result !== "error" && before !== undefined && before.failureReportedAt === undefined) return;
      const state = await deps.feedState.get(feed);
      if (!state) return;
      const now = deps.now();
      if (outcome.result !== "error") {
        if (state.failureReportedAt !== undefined) {
          // Said once even if we are offline right now: a recovery is good news, not an alarm.
          deps.notifyAdmins(`Feed ${feed} works again.`);
          await deps.feedState.recordFailureReported(feed, undefined);
        }
        return;
      }
      if (outcome.gone) {
        if (state.goneAt === undefined) {
          await deps.feedState.recordGone(feed, now);
          const told = deps.notifyAdmins(`Feed ${feed} is gone (HTTP 410 at ${state.url}); I stopped polling it. “feed remove ${feed}” forgets it; a new URL in the config starts it again.`);
          if (told) await deps.feedState.recordFailureReported(feed, now);
        }
        return;
      }
      if (state.failureReportedAt !== undefined || state.errorSince === undefined) return;
      if (now - state.errorSince < deps.reportAfterMs) return;
      const told = deps.notifyAdmins(
        `Feed ${feed} has been failing for ${formatDuration(now - state.errorSince)}: ${outcome.error}. I keep trying and will tell you when it works again.`,
      );
      if (told) await deps.feedState.recordFailureReported(feed, now);
    },
  };
}

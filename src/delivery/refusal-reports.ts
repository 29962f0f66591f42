import type { Outbox, RefusalStore } from "../store/store.js";
import { formatDuration } from "../util/duration.js";

export interface RefusalReportDeps {
  readonly refusals: RefusalStore;
  readonly outbox: Pick<Outbox, "pending">;
  /** Tells the admins; false when it could not (offline): then it is tried again at the next check. */
  readonly notifyAdmins: (text: string) => boolean;
  /** A target refusing at least this long is reported, once. */
  readonly reportAfterMs: number;
  readonly now: () => number;
  readonly checkEveryMs?: number;
}

/**
 * Tells the admins, once, about a target that has refused announcements for a while (a room where
 * the bot has no voice, one that keeps asking it to wait), instead of once per message. Whether
 * they were told is stored with the refusal, so a restart neither repeats nor forgets it; when the
 * target accepts again, the delivery loop says so (onAccepting).
 */
export function createRefusalReports(deps: RefusalReportDeps) {
  let timer: NodeJS.Timeout | undefined;
  function check(): void {
    const now = deps.now();
    for (const r of deps.refusals.all()) {
      if (r.toldAt !== undefined || now - r.since < deps.reportAfterMs) continue;
      const waiting = deps.outbox.pending(r.target, 1000).length;
      if (waiting === 0) continue;
      const what = r.target.kind === "room" ? `Room ${r.target.address}` : `${r.target.address}`;
      const told = deps.notifyAdmins(
        `${what} has refused my announcements for ${formatDuration(now - r.since)}: ${r.reason}. ${waiting} announcement${waiting === 1 ? "" : "s"} wait for it; I send them as soon as it accepts.`,
      );
      if (told) deps.refusals.markTold(r.target, now);
    }
  }
  return {
    check,
    start(): void {
      timer = setInterval(check, deps.checkEveryMs ?? 60_000);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}

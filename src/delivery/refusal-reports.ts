import type { Outbox, RefusalStore, Target } from "../store/store.js";
import { formatDuration } from "../util/duration.js";
import type { Logger } from "../log.js";

export interface RefusalReportDeps {
  readonly refusals: RefusalStore;
  readonly outbox: Pick<Outbox, "pending">;
  /** Tells the admins; false when it could not (offline): then it is tried again at the next check. */
  readonly notifyAdmins: (text: string) => boolean;
  /** A target refusing at least this long is reported, once. */
  readonly reportAfterMs: number;
  readonly now: () => number;
  readonly checkEveryMs?: number;
  /** Whether this instance serves a target (cluster/leases.ts): only its holder reports it. Absent: every target. */
  readonly mine?: (target: Target) => boolean;
  /** Where a check that failed (the database) is logged. */
  readonly log?: Pick<Logger, "error">;
}

/**
 * Tells the admins, once, about a target that has refused announcements for a while (a room where
 * the bot has no voice, one that keeps asking it to wait), instead of once per message. Whether
 * they were told is stored with the refusal, so a restart neither repeats nor forgets it; when the
 * target accepts again, the delivery loop says so (onAccepting).
 */
export function createRefusalReports(deps: RefusalReportDeps) {
  let timer: NodeJS.Timeout | undefined;
  /** The check under way: a slow one is not overtaken by the next tick, which would tell twice. */
  let checking: Promise<void> | undefined;
  function check(): Promise<void> {
    checking ??= checkOnce().finally(() => (checking = undefined));
    return checking;
  }
  async function checkOnce(): Promise<void> {
    const now = deps.now();
    for (const r of await deps.refusals.all()) {
      if (r.toldAt !== undefined || now - r.since < deps.reportAfterMs) continue;
      if (deps.mine && !deps.mine(r.target)) continue;
      const waiting = (await deps.outbox.pending(r.target, 1000)).length;
      if (waiting === 0) continue;
      const what = r.target.kind === "room" ? `Room ${r.target.address}` : `${r.target.address}`;
      const told = deps.notifyAdmins(
        `${what} has refused my announcements for ${formatDuration(now - r.since)}: ${r.reason}. ${waiting} announcement${waiting === 1 ? "" : "s"} wait for it; I send them as soon as it accepts.`,
      );
      if (told) await deps.refusals.markTold(r.target, now);
    }
  }
  return {
    check,
    start(): void {
      timer = setInterval(() => void check().catch((err: unknown) => deps.log?.error({ err }, "could not check the refusing targets")), deps.checkEveryMs ?? 60_000);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}

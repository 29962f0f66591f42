import type { Entry } from "../sources/entry.js";
import type { EntryStore, Target } from "../store/store.js";
import { NO_FLOOD_LIMITS, planAnnouncements, type Accepts, type AnnouncementPlan, type FloodPolicy } from "../announce/flood-policy.js";
import { planCorrections } from "../announce/corrections.js";

export interface ReadRecord {
  /** Entries not seen before in this feed, in feed order. */
  readonly added: readonly Entry[];
  /** Announcements and corrections queued, one per (target, post); 0 on a baseline. */
  readonly queued: number;
  readonly tooOld: number;
  readonly folded: number;
  /** Posts seen before whose title or summary changed. */
  readonly changed: number;
  /** Corrections queued for them. */
  readonly corrections: number;
  /** Every target something was queued for (the audience, and whoever got a corrected post). */
  readonly targets: readonly Target[];
}

/**
 * Records what one read of a feed found: its new entries and, unless this read is the feed's
 * baseline (its first), the announcements the flood policy makes of them for `targets`, and the
 * corrections of posts that changed, all in the store's one transaction.
 */
export function recordRead(
  entries: EntryStore,
  feed: string,
  read: readonly Entry[],
  targets: readonly Target[],
  baseline: boolean,
  now: number,
  policy: FloodPolicy = NO_FLOOD_LIMITS,
  correctionsMs = 0,
  accepts?: Accepts,
): ReadRecord {
  let plan: AnnouncementPlan | undefined;
  let corrections = 0;
  const touched = new Map<string, Target>();
  const recorded = entries.record(feed, read, now, (added, changed) => {
    if (baseline) return [];
    plan = planAnnouncements(added, targets, now, policy, accepts);
    const corrected = planCorrections(changed, now, correctionsMs);
    corrections = corrected.length;
    const all = [...plan.announcements, ...corrected];
    for (const a of all) touched.set(`${a.target.kind} ${a.target.address}`, a.target);
    return all;
  });
  return {
    added: recorded.added,
    queued: recorded.queued,
    tooOld: plan?.tooOld ?? 0,
    folded: plan?.folded ?? 0,
    changed: recorded.changed.length,
    corrections,
    targets: [...touched.values()],
  };
}

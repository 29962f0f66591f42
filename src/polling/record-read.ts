import type { Entry } from "../sources/entry.js";
import type { EntryStore, Target } from "../store/store.js";
import { NO_FLOOD_LIMITS, planAnnouncements, type AnnouncementPlan, type FloodPolicy } from "../announce/flood-policy.js";

export interface ReadRecord {
  /** Entries not seen before in this feed, in feed order. */
  readonly added: readonly Entry[];
  /** Announcements queued, one per (target, announced entry); 0 on a baseline. */
  readonly queued: number;
  readonly tooOld: number;
  readonly folded: number;
}

/**
 * Records what one read of a feed found: its new entries and, unless this read is the feed's
 * baseline (its first), the announcements the flood policy makes of them for `targets`, all in
 * the store's one transaction.
 */
export function recordRead(
  entries: EntryStore,
  feed: string,
  read: readonly Entry[],
  targets: readonly Target[],
  baseline: boolean,
  now: number,
  policy: FloodPolicy = NO_FLOOD_LIMITS,
): ReadRecord {
  let plan: AnnouncementPlan | undefined;
  const recorded = entries.record(feed, read, now, (added) => {
    if (baseline) return [];
    plan = planAnnouncements(added, targets, now, policy);
    return plan.announcements;
  });
  return { added: recorded.added, queued: recorded.queued, tooOld: plan?.tooOld ?? 0, folded: plan?.folded ?? 0 };
}

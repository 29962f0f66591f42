import type { Entry } from "../sources/entry.js";
import type { EntryStore, QueuedAnnouncement, Target } from "../store/store.js";
import { NO_FLOOD_LIMITS, planAnnouncements, type Accepts, type AnnouncementPlan, type Backfill, type FloodPolicy } from "../announce/flood-policy.js";
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
export async function recordRead(
  entries: EntryStore,
  feed: string,
  read: readonly Entry[],
  targets: readonly Target[],
  baseline: boolean,
  now: number,
  policy: FloodPolicy = NO_FLOOD_LIMITS,
  correctionsMs = 0,
  accepts?: Accepts,
  backfill: readonly Backfill[] = [],
): Promise<ReadRecord> {
  let plan: AnnouncementPlan | undefined;
  let corrections = 0;
  const touched = new Map<string, Target>();
  const recorded = await entries.record(feed, read, now, (added, changed) => {
    const filled = planBackfill(read, backfill);
    if (baseline) {
      for (const a of filled) touched.set(`${a.target.kind} ${a.target.address}`, a.target);
      return filled;
    }
    // A node is an archive, not a conversation: it gets every new post, none folded into a footer.
    const chat = targets.filter((t) => t.kind !== "pubsub");
    const nodes = targets.filter((t) => t.kind === "pubsub");
    plan = planAnnouncements(added, chat, now, policy, accepts);
    const forNodes = planAnnouncements(added, nodes, now, { ...policy, maxPerRead: Infinity }, accepts);
    const corrected = planCorrections(changed, now, correctionsMs);
    corrections = corrected.length;
    const all = [...plan.announcements, ...filled, ...forNodes.announcements, ...corrected];
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

/**
 * The newest `count` posts of the read for each backfilled target, oldest first. Asked on every
 * read: a post queued for the target before is not queued again (the outbox keeps one row per
 * target and post), so only a node new to the feed really gets anything.
 */
function planBackfill(read: readonly Entry[], backfill: readonly Backfill[]): QueuedAnnouncement[] {
  if (backfill.length === 0) return [];
  // Newest first by date; undated posts keep their feed order (feeds list the newest first).
  const dated = read.map((entry, index) => ({ entry, index, at: entry.published?.getTime() ?? Infinity }));
  const newest = dated.sort((a, b) => b.at - a.at || a.index - b.index).map((d) => d.entry);
  return backfill.flatMap(({ target, count }) => newest.slice(0, count).reverse().map((entry) => ({ target, entryKey: entry.key, footer: undefined })));
}

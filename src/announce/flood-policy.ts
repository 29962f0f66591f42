import type { Entry } from "../sources/entry.js";
import type { QueuedAnnouncement, Target } from "../store/store.js";

/** What keeps a room from being flooded by one read of a feed. */
export interface FloodPolicy {
  /** Entries dated longer ago than this are recorded, not announced. */
  readonly maxAgeMs: number;
  /** At most this many announcements per target from one read; the rest fold into a footer. */
  readonly maxPerRead: number;
  /** The footer line for `more` folded posts, e.g. "…and 7 more from xsf: https://…". */
  readonly footer: (more: number) => string;
}

export const NO_FLOOD_LIMITS: FloodPolicy = { maxAgeMs: Infinity, maxPerRead: Infinity, footer: () => "" };

export interface AnnouncementPlan {
  /** One per (target, announced post), in the order they are to be sent. */
  readonly announcements: readonly QueuedAnnouncement[];
  /** New posts not announced because they were older than the policy allows. */
  readonly tooOld: number;
  /** New posts folded into a footer line because of the per-read cap (per target). */
  readonly folded: number;
}

/**
 * Which of one read's new posts are announced to each target, in what order, with what footer.
 * `added` is in feed order (newest first, as feeds list them).
 */
export function planAnnouncements(added: readonly Entry[], targets: readonly Target[], now: number, policy: FloodPolicy): AnnouncementPlan {
  // A post dated long ago that shows up now (an archive republished, ids reset) is history,
  // not news. Undated posts count as new.
  const fresh = added.filter((e) => e.published === undefined || now - e.published.getTime() <= policy.maxAgeMs);
  // The newest posts are announced, oldest first so a room reads them in the order they were
  // written; the rest are folded into one line on the last announcement.
  const announced = fresh.slice(0, policy.maxPerRead).reverse();
  const folded = fresh.length - announced.length;
  const announcements = announced.flatMap((entry, i) => {
    const footer = folded > 0 && i === announced.length - 1 ? policy.footer(folded) : undefined;
    return targets.map((target) => ({ target, entryKey: entry.key, footer }));
  });
  return { announcements, tooOld: added.length - fresh.length, folded };
}

/**
 * The configured policy for one feed: posts older than `maxAgeMs` are history, at most
 * `maxPerRead` per read, and the footer names the feed and, when it has one, the blog's address.
 */
export function configuredFloodPolicy(limits: { readonly maxAgeMs: number; readonly maxPerRead: number }) {
  return (feed: string, about: { readonly title: string | undefined; readonly link: string }): FloodPolicy => ({
    ...limits,
    footer: (more) => `…and ${more} more from ${about.title ?? feed}${/^https?:/.test(about.link) ? `: ${about.link}` : ""}`,
  });
}

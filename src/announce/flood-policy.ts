import { cleanLine } from "../text/title.js";
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

/** Whether a target wants a post (a room's or a subscriber's filter); absent: every post. */
export type Accepts = (target: Target, entry: Entry) => boolean;

/**
 * Which of one read's new posts are announced to each target, in what order, with what footer.
 * `added` is in feed order (newest first, as feeds list them). Each target's filter is applied
 * before its cap, so a filtered room gets its own newest matching posts.
 */
export function planAnnouncements(added: readonly Entry[], targets: readonly Target[], now: number, policy: FloodPolicy, accepts?: Accepts): AnnouncementPlan {
  // A post dated long ago that shows up now (an archive republished, ids reset) is history,
  // not news. Undated posts count as new.
  const fresh = added.filter((e) => e.published === undefined || now - e.published.getTime() <= policy.maxAgeMs);
  let folded = 0;
  const announcements = targets.flatMap((target) => {
    const wanted = accepts ? fresh.filter((e) => accepts(target, e)) : fresh;
    // The newest posts are announced, oldest first so a room reads them in the order they were
    // written; the rest are folded into one line on the last announcement.
    const announced = wanted.slice(0, policy.maxPerRead).reverse();
    const more = wanted.length - announced.length;
    folded = Math.max(folded, more);
    return announced.map((entry, i) => ({ target, entryKey: entry.key, footer: more > 0 && i === announced.length - 1 ? policy.footer(more) : undefined }));
  });
  // Without targets the fold is still what the cap would do (for the poll's log and metrics).
  if (targets.length === 0) folded = Math.max(0, fresh.length - policy.maxPerRead);
  return { announcements, tooOld: added.length - fresh.length, folded };
}

/**
 * The configured policy for one feed: posts older than `maxAgeMs` are history, at most
 * `maxPerRead` per read, and the footer names the feed and, when it has one, the blog's address.
 */
export function configuredFloodPolicy(limits: { readonly maxAgeMs: number; readonly maxPerRead: number }) {
  return (feed: string, about: { readonly title: string | undefined; readonly link: string }): FloodPolicy => ({
    ...limits,
    footer: (more) => `…and ${more} more from ${cleanLine(about.title ?? "", 100) || feed}${/^https?:/.test(about.link) ? `: ${about.link}` : ""}`,
  });
}

/** A target that gets the newest posts of a feed even from a read that announces nothing (a node's `backfill`). */
export interface Backfill {
  readonly target: Target;
  readonly count: number;
}

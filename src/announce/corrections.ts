import type { ChangedEntry, QueuedAnnouncement } from "../store/store.js";

/** A post whose text keeps changing (a counter, a rotating ad) is corrected this often at most. */
export const MAX_CORRECTIONS = 3;

/**
 * Which announcements of changed posts are corrected (XEP-0308): each copy a target confirmed no
 * longer than `windowMs` ago, up to MAX_CORRECTIONS times; `windowMs` 0 corrects nothing. A copy
 * still waiting to be sent needs none: it is rendered from the stored post, which has the new text.
 */
export function planCorrections(changed: readonly ChangedEntry[], now: number, windowMs: number): QueuedAnnouncement[] {
  if (windowMs <= 0) return [];
  return changed.flatMap((c) =>
    c.announced
      .filter((copy) => now - copy.sentAt <= windowMs && copy.corrections < MAX_CORRECTIONS)
      .map((copy) => ({ target: copy.target, entryKey: c.entry.key, footer: undefined, correction: { of: copy.id, contentHash: c.contentHash } })),
  );
}

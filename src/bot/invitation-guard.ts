import { createRateLimiter } from "../commands/rate-limit.js";

/** How often one stranger's invitations are answered, and how many from all strangers. */
const PER_SENDER = { burst: 3, refillMs: 10 * 60_000 };
const IN_TOTAL = { burst: 20, refillMs: 3_000 };
/** Admins hear of one stranger at most once an hour, and of strangers at most five times an hour. */
const NOTICE_PER_SENDER_MS = 60 * 60_000;
const NOTICES = { burst: 5, refillMs: 12 * 60_000 };

export type InvitationVerdict =
  /** Answer the stranger, and tell the admins (with how many were dropped since the last notice). */
  | { readonly answer: true; readonly notify: true; readonly droppedBefore: number }
  /** Answer the stranger; the admins heard of this one recently. */
  | { readonly answer: true; readonly notify: false }
  /** Over a limit: neither answered nor told; counted for the next notice. */
  | { readonly answer: false };

/**
 * Keeps strangers' invitations (XEP-0249 and XEP-0045 mediated) from flooding the bot and its
 * admins: each stranger gets a few answers, all strangers together a bounded number, and the
 * admins one note per stranger an hour rather than one per invitation.
 */
export function createInvitationGuard(now: () => number) {
  const perSender = createRateLimiter({ ...PER_SENDER, now });
  const total = createRateLimiter({ ...IN_TOTAL, now });
  const notices = createRateLimiter({ ...NOTICES, now });
  const lastNotice = new Map<string, number>();
  let dropped = 0;
  return {
    /** What to do with one invitation from a stranger, `sender` being the address it came from. */
    judge(sender: string): InvitationVerdict {
      if (perSender.take(sender) !== "ok" || total.take("all") !== "ok") {
        dropped++;
        return { answer: false };
      }
      const t = now();
      const last = lastNotice.get(sender);
      if ((last !== undefined && t - last < NOTICE_PER_SENDER_MS) || notices.take("admins") !== "ok") return { answer: true, notify: false };
      // Bounded memory: forget the oldest sender (Map keeps insertion order).
      if (lastNotice.size >= 10_000) lastNotice.delete(lastNotice.keys().next().value!);
      lastNotice.set(sender, t);
      const droppedBefore = dropped;
      dropped = 0;
      return { answer: true, notify: true, droppedBefore };
    },
  };
}

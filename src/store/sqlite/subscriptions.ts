import type { Db } from "./engine.js";
import type { SubscriptionStore } from "../store.js";

export function createSubscriptionStore(db: Db, now: () => number): SubscriptionStore {
  const add = db.prepare("INSERT INTO subscriptions (jid, feed, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
  const remove = db.prepare("DELETE FROM subscriptions WHERE jid = ? AND feed = ?");
  const removeFeed = db.prepare("DELETE FROM subscriptions WHERE feed = ?");
  const ofUser = db.prepare<[string], { feed: string }>("SELECT feed FROM subscriptions WHERE jid = ? ORDER BY feed");
  const ofFeed = db.prepare<[string], { jid: string }>("SELECT jid FROM subscriptions WHERE feed = ? ORDER BY jid");
  return {
    /** Returns false when the user was already subscribed. */
    subscribe(jid: string, feed: string): boolean {
      return add.run(jid, feed, now()).changes > 0;
    },
    /** Returns false when there was nothing to remove. */
    unsubscribe(jid: string, feed: string): boolean {
      return remove.run(jid, feed).changes > 0;
    },
    forgetFeed(feed: string): void {
      removeFeed.run(feed);
    },
    feedsOf(jid: string): string[] {
      return ofUser.all(jid).map((r) => r.feed);
    },
    subscribersOf(feed: string): string[] {
      return ofFeed.all(feed).map((r) => r.jid);
    },
  };
}

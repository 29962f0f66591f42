import type { Db } from "./engine.js";
import type { SubscriptionStore } from "../store.js";

export function createSubscriptionStore(db: Db, now: () => number): SubscriptionStore {
  const add = db.prepare("INSERT INTO subscriptions (jid, feed, created_at, terms) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
  const setTerms = db.prepare("UPDATE subscriptions SET terms = ? WHERE jid = ? AND feed = ? AND terms <> ?");
  const remove = db.prepare("DELETE FROM subscriptions WHERE jid = ? AND feed = ?");
  const removeFeed = db.prepare("DELETE FROM subscriptions WHERE feed = ?");
  const ofUser = db.prepare<[string], { feed: string; terms: string }>("SELECT feed, terms FROM subscriptions WHERE jid = ? ORDER BY feed");
  const ofFeed = db.prepare<[string], { jid: string; terms: string }>("SELECT jid, terms FROM subscriptions WHERE feed = ? ORDER BY jid");
  return {
    async subscribe(jid, feed, terms = []) {
      const json = JSON.stringify(terms);
      if (add.run(jid, feed, now(), json).changes > 0) return true;
      return setTerms.run(json, jid, feed, json).changes > 0;
    },
    async unsubscribe(jid, feed) {
      return remove.run(jid, feed).changes > 0;
    },
    async forgetFeed(feed) {
      removeFeed.run(feed);
    },
    async feedsOf(jid) {
      return ofUser.all(jid).map((r) => r.feed);
    },
    async subscriptionsOf(jid) {
      return ofUser.all(jid).map((r) => ({ feed: r.feed, terms: JSON.parse(r.terms) as string[] }));
    },
    async subscribersOf(feed) {
      return ofFeed.all(feed).map((r) => r.jid);
    },
    async termsOf(jid, feed) {
      return (JSON.parse(ofFeed.all(feed).find((r) => r.jid === jid)?.terms ?? "[]") as string[]);
    },
  };
}

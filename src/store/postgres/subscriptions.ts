import type pg from "pg";
import type { SubscriptionStore } from "../store.js";

export function createSubscriptionStore(pool: pg.Pool, now: () => number): SubscriptionStore {
  // COLLATE "C": byte order, as SQLite sorts text, whatever the database's locale.
  const ofUser = (jid: string) =>
    pool.query<{ feed: string; terms: string }>(`SELECT feed, terms FROM subscriptions WHERE jid = $1 ORDER BY feed COLLATE "C"`, [jid]);
  return {
    async subscribe(jid, feed, terms = []) {
      const json = JSON.stringify(terms);
      const added = await pool.query("INSERT INTO subscriptions (jid, feed, created_at, terms) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", [jid, feed, now(), json]);
      if ((added.rowCount ?? 0) > 0) return true;
      const changed = await pool.query("UPDATE subscriptions SET terms = $1 WHERE jid = $2 AND feed = $3 AND terms <> $1", [json, jid, feed]);
      return (changed.rowCount ?? 0) > 0;
    },
    async unsubscribe(jid, feed) {
      return ((await pool.query("DELETE FROM subscriptions WHERE jid = $1 AND feed = $2", [jid, feed])).rowCount ?? 0) > 0;
    },
    async forgetFeed(feed) {
      await pool.query("DELETE FROM subscriptions WHERE feed = $1", [feed]);
    },
    async feedsOf(jid) {
      return (await ofUser(jid)).rows.map((r) => r.feed);
    },
    async subscriptionsOf(jid) {
      return (await ofUser(jid)).rows.map((r) => ({ feed: r.feed, terms: JSON.parse(r.terms) as string[] }));
    },
    async subscribersOf(feed) {
      const { rows } = await pool.query<{ jid: string }>(`SELECT jid FROM subscriptions WHERE feed = $1 ORDER BY jid COLLATE "C"`, [feed]);
      return rows.map((r) => r.jid);
    },
    async termsOf(jid, feed) {
      const { rows } = await pool.query<{ terms: string }>("SELECT terms FROM subscriptions WHERE jid = $1 AND feed = $2", [jid, feed]);
      return JSON.parse(rows[0]?.terms ?? "[]") as string[];
    },
  };
}

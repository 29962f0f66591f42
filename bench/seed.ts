// Fills a Herald database with stored posts before the bot starts, through the store code the bot
// itself runs (compiled from src/store), so the rows and the full-text index are exactly what the
// bot would have written after polling them.
import { recordRead } from "../src/polling/record-read.js";
import { openDatabase } from "../src/store/sqlite/database.js";
import { createEntryStore } from "../src/store/sqlite/entries.js";
import type { Entry } from "../src/sources/entry.js";
import { makeBenchPost, type BenchPost } from "./posts.js";

export function toEntry(post: BenchPost): Entry {
  return {
    key: `id:${post.id}`,
    title: post.title,
    link: post.link,
    author: post.author,
    published: post.published,
    summaryHtml: post.summaryHtml,
    categories: [],
  };
}

/** The SQLite engine the store code picks on this Node (node:sqlite on Node 24, better-sqlite3 on 20). */
export async function sqliteEngine(): Promise<string> {
  const db = await openDatabase(":memory:");
  const engine = (db as { engine?: string }).engine ?? "better-sqlite3";
  db.close();
  return engine;
}

/** Stores posts 0..postsPerFeed-1 of each feed as already seen (a baseline: nothing queued). */
export async function seedPosts(store: string, feeds: readonly string[], postsPerFeed: number): Promise<number> {
  const db = await openDatabase(store);
  const entries = createEntryStore(db);
  let stored = 0;
  const now = Date.now();
  for (const feed of feeds) {
    const posts = Array.from({ length: postsPerFeed }, (_, n) => toEntry(makeBenchPost(feed, n)));
    stored += (await recordRead(entries, feed, posts, [], true, now)).added.length;
  }
  db.close();
  return stored;
}

/**
 * Marks every feed as never read, so the next start reads them all at once: a restart otherwise
 * waits out each feed's interval since its last read (polling/poller.ts), and the scenarios that
 * time "every feed due at start" would wait for nothing.
 */
export async function makeAllDue(store: string): Promise<void> {
  const db = await openDatabase(store);
  db.exec("UPDATE feed_state SET last_polled_at = NULL");
  db.close();
}

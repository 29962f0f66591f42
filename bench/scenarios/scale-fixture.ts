// The "big installation" of scenarios 5 and 6: 1,000 feeds, 200 rooms (five feeds each) and
// 50,000 stored posts (50 per feed; each feed document carries its newest 20 of them).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Bot, writeBotConfig } from "../bot.js";
import { say, type BenchEnv } from "../env.js";
import { newestPosts } from "../posts.js";
import { round } from "../rounds.js";
import { seedPosts } from "../seed.js";
import { round as r } from "../stats.js";

export interface ScaleFixture {
  readonly feeds: number;
  readonly rooms: number;
  readonly posts: number;
  readonly names: ReadonlySet<string>;
  readonly configPath: string;
  readonly store: string;
  /** The first start: rooms created, every feed's baseline taken. Not a figure of its own. */
  readonly firstStartMs: number;
  readonly seedMs: number;
}

export const SCALE_TIMEOUT_MS = 600_000;

/** The installation's size: the big one of scenarios 5 and 6, or ten times its feeds (issue 16). */
export interface ScaleSize {
  readonly name: string;
  readonly feeds: number;
  readonly rooms: number;
  readonly postsPerFeed: number;
}

export const BIG: (quick: boolean) => ScaleSize = (quick) => ({ name: "scale", feeds: quick ? 200 : 1000, rooms: quick ? 40 : 200, postsPerFeed: 50 });
export const TEN_K: (quick: boolean) => ScaleSize = (quick) => ({ name: "scale10k", feeds: quick ? 2000 : 10_000, rooms: quick ? 200 : 1000, postsPerFeed: 20 });

export function scaleFixture(env: BenchEnv, size: ScaleSize = BIG(env.quick)): Promise<ScaleFixture> {
  return env.fixture(size.name, async () => {
    const { feeds, rooms, postsPerFeed } = size;
    const dir = join(env.dir, size.name);
    mkdirSync(dir);
    const prefix = size.name === "scale" ? "s" : "t";
    const names = Array.from({ length: feeds }, (_, i) => `${prefix}${i}`);
    for (const [i, name] of names.entries()) env.farm.setFeed(`/${size.name}/${name}.xml`, i % 2 === 0 ? "atom" : "rss", newestPosts(name, postsPerFeed, 20));
    const store = join(dir, "herald.db");
    say(`  seeding ${feeds * postsPerFeed} posts …`);
    const t0 = performance.now();
    const posts = await seedPosts(store, names, postsPerFeed);
    const seedMs = performance.now() - t0;
    const perRoom = feeds / rooms;
    const configPath = writeBotConfig(
      {
        xmpp: env.xmpp(),
        store,
        feeds: names.map((name) => ({ name, url: env.farm.url(`/${size.name}/${name}.xml`), interval: "10m" })),
        rooms: Array.from({ length: rooms }, (_, i) => ({ jid: `${size.name}-${i}@conference.localhost`, feeds: names.slice(i * perRoom, (i + 1) * perRoom) })),
      },
      dir,
    );
    // First start: creates the rooms (the bot is their first occupant) and takes every baseline.
    say(`  first start: ${rooms} new rooms, ${feeds} baselines …`);
    const bot = Bot.start(configPath, "info");
    const all = new Set(names);
    const firstStartMs = await Promise.all([bot.waitForCount("joined room", rooms, SCALE_TIMEOUT_MS), round(bot, all, SCALE_TIMEOUT_MS)])
      .then(() => performance.now() - bot.spawnedAt)
      .finally(() => bot.stop());
    say(`  seeded in ${r(seedMs / 1000, 1)} s; first start ${r(firstStartMs / 1000, 1)} s`);
    return { feeds, rooms, posts, names: all, configPath, store, firstStartMs, seedMs };
  });
}

// Experiment (issue 16): the bot's "start-up to all rooms joined" (a plain restart) at other room
// counts than scale10k's 1,000, to find the largest that one Prosody with the harness's config
// joins within 10 s. Same fixture as scale10k (ten feeds per room, 20 posts per feed, the bench's
// Prosody and feed farm); each size: the fixture's first start, then plain restarts right after a
// stop, measured as scale10k measures them (spawn → the last "joined room" line).
//
//   node build/bench/experiments/startup-rooms.js 300,500 [restarts]
import { Bot } from "../bot.js";
import { BenchEnv } from "../env.js";
import { scaleFixture, SCALE_TIMEOUT_MS } from "../scenarios/scale-fixture.js";
import { median } from "../stats.js";

const sizes = (process.argv[2] ?? "300,500").split(",").map(Number);
const restarts = Number(process.argv[3] ?? "3");

// No scenario here reads the corpus; the path is the bench default.
const env = await BenchEnv.create({ quick: false, corpus: new URL("../../../../shared/corpus", import.meta.url).pathname });
try {
  for (const rooms of sizes) {
    const fx = await scaleFixture(env, { name: `rooms${rooms}`, feeds: rooms * 10, rooms, postsPerFeed: 20 });
    const walls: number[] = [];
    for (let i = 0; i < restarts; i++) {
      const prosody0 = env.prosodyCpu();
      const bot = Bot.start(fx.configPath, "info");
      try {
        const joined = await bot.waitForCount("joined room", fx.rooms, SCALE_TIMEOUT_MS);
        walls.push(joined!.readAt - bot.spawnedAt);
        const prosody1 = env.prosodyCpu();
        // What held a slow start up: warnings by message and reason (e.g. joins retried).
        const warned = new Map<string, number>();
        for (const l of bot.logs) if (l.level >= 40) {
          const key = `${l.msg} ${String(l.reason ?? "")}`.slice(0, 120);
          warned.set(key, (warned.get(key) ?? 0) + 1);
        }
        for (const [key, n] of warned) console.log(`  ${n}× ${key}`);
        console.log(`${rooms} rooms, restart ${i + 1}: joined after ${walls.at(-1)!.toFixed(0)} ms (bot ${bot.cpu().ms.toFixed(0)} ms CPU, Prosody ${(prosody1!.ms - prosody0!.ms).toFixed(0)} ms CPU)`);
      } finally {
        await bot.stop();
      }
    }
    console.log(`${rooms} rooms: median ${median(walls).toFixed(0)} ms`);
  }
} finally {
  await env.close();
}

// `node build/bench/experiments/idle.js [seconds] [profile-dir]`: an idle bot (logged in, one room,
// no feeds) for a while, with its CPU per second; with a directory, a --cpu-prof profile of it.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bot, writeBotConfig } from "../bot.js";
import { BenchEnv } from "../env.js";
import { sleep } from "../stats.js";

const seconds = Number(process.argv[2] ?? 30);
const profile = process.argv[3];
const env = await BenchEnv.create({ quick: true, corpus: "" });
try {
  Bot.nodeArgs = ["--max-semi-space-size=2", ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [])];
  const dir = mkdtempSync(join(tmpdir(), "herald-idle-"));
  const bot = Bot.start(writeBotConfig({ xmpp: env.xmpp(), store: join(dir, "h.db"), rooms: [{ jid: "idle@conference.localhost", feeds: [] }], feeds: [] }, dir), "info");
  await bot.waitFor((l) => l.msg === "joined room", 60_000, "joined");
  await sleep(5000);
  const threads = () => new Map(readdirSync(`/proc/${bot.pid}/task`).map((tid) => {
    const comm = readFileSync(`/proc/${bot.pid}/task/${tid}/comm`, "utf8").trim();
    return [`${tid} ${comm}`, Number(readFileSync(`/proc/${bot.pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1e6];
  }));
  for (let w = 0; w < Number(process.argv[4] ?? 1); w++) {
  const t0 = threads();
  const a = bot.cpu();
  await sleep(seconds * 1000);
  const b = bot.cpu();
  console.log([...threads()].map(([k, v]) => `${k.split(" ")[0]}:${(v - (t0.get(k) ?? 0)).toFixed(1)}`).join(" "));
  console.log(`idle: ${((b.ms - a.ms) / seconds).toFixed(2)} ms CPU per s over ${seconds} s (stat ${((b.statMs - a.statMs) / seconds).toFixed(2)})`);
  }
  await bot.stop();
} finally {
  await env.close();
}

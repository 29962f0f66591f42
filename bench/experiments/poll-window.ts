// `node build/bench/experiments/poll-window.js [seconds] [profile-dir]`: the steady scenario's long
// window alone (quick sizes: 200 feeds every 60 s), optionally with a --cpu-prof of the bot.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bot, ROOT } from "../bot.js";
import { BenchEnv } from "../env.js";
import { pollingFixture } from "../scenarios/polling-fixture.js";
import { longWindow } from "../scenarios/long-window.js";

const seconds = Number(process.argv[2] ?? 120);
const profile = process.argv[3];
const env = await BenchEnv.create({ quick: process.env.BENCH_FULL ? false : true, corpus: "" });
try {
  Bot.nodeArgs = ["--max-semi-space-size=2", ...(process.env.BOT_ARGS ? process.env.BOT_ARGS.split(" ") : [])];
  const fx = await pollingFixture(env);
  if (profile) Bot.nodeArgs = [...Bot.nodeArgs, "--cpu-prof", `--cpu-prof-dir=${profile}`];
  const w = await longWindow(env, fx, seconds);
  console.log(JSON.stringify(w));
  if (process.env.PACED) {
    const file = join(fx.dir, "validators.json");
    writeFileSync(file, JSON.stringify(Object.fromEntries(fx.paths.map((p) => [p, env.farm.validatorsOf(p)]))));
    for (const mode of ["paced", "ticked"]) console.log((await promisify(execFile)(process.execPath, [join(ROOT, "build/bench/probe-fetch.js"), env.farm.url(""), "0", file, mode, String(w.polls / w.windowS), String(seconds)])).stdout);
  }
} finally {
  await env.close();
}

// Scenario: the XMPP log-in's CPU (issue 16, `log-in CPU`). The bot starts with no feeds and no
// rooms against the bench's Prosody (SCRAM-SHA-1 over loopback TCP, Prosody's 10,000 PBKDF2
// iterations) and logs the CPU its session start took, from xmpp.js's start() to online.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Bot, writeBotConfig } from "../bot.js";
import { say, type BenchEnv, type ScenarioResult } from "../env.js";
import { median, round as r } from "../stats.js";

export async function login(env: BenchEnv): Promise<ScenarioResult> {
  const starts = env.quick ? 3 : 7;
  const dir = join(env.dir, "login");
  mkdirSync(dir);
  const config = writeBotConfig({ xmpp: env.xmpp(), store: join(dir, "herald.db"), feeds: [], rooms: [] }, dir);
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < starts; i++) {
    const bot = Bot.start(config, "info");
    try {
      const line = await bot.waitFor((l) => l.msg === "logged in", 30_000, "the log-in");
      const online = bot.logs.find((l) => l.msg === "configuration applied");
      cpu.push(Number(line.cpuMs));
      if (online) wall.push(line.time - online.time);
      say(`  start ${i + 1}/${starts}: log-in ${line.cpuMs} ms CPU`);
    } finally {
      await bot.stop();
    }
  }
  return {
    scenario: "login",
    title: "The XMPP log-in",
    figures: [
      { key: "login_cpu_ms", label: "log-in CPU", value: r(median(cpu), 1), unit: "ms", target: { op: "<=", value: 150 } },
      { key: "login_wall_ms", label: "log-in wall time ('configuration applied' → 'logged in')", value: r(median(wall), 0), unit: "ms" },
    ],
    settings: { starts, mechanism: "SCRAM-SHA-1 (Prosody 0.12, 10,000 iterations), no TLS on loopback" },
    notes: ["The bot's own figure: process.cpuUsage() around xmpp.js's start() (TCP connect, stream, SASL, resource binding), all threads, so the PBKDF2 on libuv's pool counts. Each start is a new process, so the SaltedPassword cache never helps here; a reconnect within one process would not derive it again."],
    samples: { login_cpu_ms: cpu },
  };
}

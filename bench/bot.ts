// The built bot as a child process (`node dist/cli.js run`), as a user runs it. Its JSON log lines
// are collected with the moment the bench read them, so a scenario can wait for what the bot says
// it did; its CPU and memory are read from /proc.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { readCpu, readMemory, type CpuReading, type MemoryReading } from "./proc.js";

/** build/bench/bot.js → the project root. */
export const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
export const CLI = join(ROOT, "dist/cli.js");

export interface BotLog {
  readonly level: number;
  /** The bot's own clock (pino's `time`, ms since the epoch). */
  readonly time: number;
  readonly msg: string;
  /** performance.now() in the bench when the line was read. */
  readonly readAt: number;
  readonly [key: string]: unknown;
}

export interface BotConfig {
  readonly xmpp: { jid: string; password: string; service: string; resource: string };
  readonly store: string;
  readonly feeds: readonly { name: string; url: string; interval?: string }[];
  readonly rooms: readonly { jid: string; feeds: readonly string[] }[];
  readonly admins?: readonly string[];
  readonly nick?: string;
  readonly http?: { readonly listen: string; readonly public_url?: string };
  readonly fetch?: Record<string, string | boolean>;
  /** Several instances on one PostgreSQL store (issue 18). */
  readonly cluster?: { readonly instance?: string; readonly lease?: string };
}

/** Writes the YAML config into `dir` (a fresh temp dir by default) and returns its path. */
export function writeBotConfig(config: BotConfig, dir = mkdtempSync(join(tmpdir(), "herald-bench-cfg-"))): string {
  const path = join(dir, "herald.yaml");
  writeFileSync(path, stringify({ nick: "Herald", admins: [], ...config }));
  return path;
}

interface Waiter {
  readonly pred: (line: BotLog) => boolean;
  readonly resolve: (line: BotLog) => void;
  readonly reject: (error: Error) => void;
}

const STOP_GRACE_MS = 10_000;

// Last resort against orphans if the bench exits without stopping a bot (a crash, Ctrl-C).
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

export class Bot {
  /** Every log line so far (a scenario may clear it between phases). */
  logs: BotLog[] = [];
  /** performance.now() just before spawn. */
  readonly spawnedAt: number;
  /** Date.now() just before spawn, to compare with the bot's own log times. */
  readonly spawnedAtEpoch: number;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<Waiter>();
  private readonly counts = new Map<string, number>();
  private stderr = "";

  private constructor(configPath: string, logLevel: string, nodeArgs: readonly string[], extraEnv: NodeJS.ProcessEnv) {
    this.spawnedAt = performance.now();
    this.spawnedAtEpoch = Date.now();
    this.child = spawn(process.execPath, [...nodeArgs, CLI, "run", "--config", configPath], {
      env: { ...process.env, LOG_LEVEL: logLevel, XMPP_DEBUG: "", ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(this.child);
    let partial = "";
    this.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      const readAt = performance.now();
      const lines = (partial + chunk).split("\n");
      partial = lines.pop()!;
      for (const line of lines) this.onLine(line, readAt);
    });
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.stderr = (this.stderr + chunk).slice(-8000)));
    this.exited = new Promise((done) =>
      this.child.on("exit", (code) => {
        running.delete(this.child);
        for (const w of this.waiters) w.reject(new Error(`bot exited (${code}) while a scenario waited for it. stderr:\n${this.stderr}`));
        this.waiters.clear();
        done(code);
      }),
    );
  }

  /**
   * Starts `node [nodeArgs] dist/cli.js run --config <path>`; `--profile` adds --cpu-prof here.
   * `env` adds to the bench's environment (e.g. HERALD_INSTANCE for one of several instances).
   */
  static start(configPath: string, logLevel = "info", env: NodeJS.ProcessEnv = {}): Bot {
    return new Bot(configPath, logLevel, Bot.nodeArgs, env);
  }

  /** Extra arguments for every bot's `node` (the bench's --profile sets --cpu-prof and its directory). */
  static nodeArgs: readonly string[] = [];

  get pid(): number {
    return this.child.pid!;
  }

  cpu(): CpuReading {
    return readCpu(this.pid);
  }

  memory(): MemoryReading {
    return readMemory(this.pid);
  }

  /** How many lines with this `msg` were logged since start (not reset by clearing `logs`). */
  count(msg: string): number {
    return this.counts.get(msg) ?? 0;
  }

  private onLine(text: string, readAt: number): void {
    let line: BotLog;
    try {
      line = { ...(JSON.parse(text) as Omit<BotLog, "readAt">), readAt } as BotLog;
    } catch {
      return;
    }
    this.logs.push(line);
    this.counts.set(line.msg, (this.counts.get(line.msg) ?? 0) + 1);
    if (line.level >= 50 || process.env.BENCH_ECHO_BOT) process.stderr.write(`  bot: ${text}\n`);
    for (const w of [...this.waiters]) {
      if (w.pred(line)) {
        this.waiters.delete(w);
        w.resolve(line);
      }
    }
  }

  /** The next line (logged from now on) that matches; rejects after `timeoutMs` or if the bot exits. */
  waitFor(pred: (line: BotLog) => boolean, timeoutMs: number, what: string): Promise<BotLog> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`bot did not log ${what} within ${timeoutMs} ms. stderr:\n${this.stderr}\nlast lines:\n${this.logs.slice(-5).map((l) => JSON.stringify(l)).join("\n")}`));
      }, timeoutMs);
      const waiter: Waiter = {
        pred,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Resolves when `msg` has been logged `n` times in total (counting lines already logged). */
  waitForCount(msg: string, n: number, timeoutMs: number): Promise<BotLog | undefined> {
    if (this.count(msg) >= n) return Promise.resolve(undefined);
    return this.waitFor((l) => l.msg === msg && this.count(msg) >= n, timeoutMs, `"${msg}" ${n} times (have ${this.count(msg)})`);
  }

  /** SIGKILL: the process dies at once, without leaving rooms or giving anything up (a crash). */
  async kill(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    return this.exited;
  }

  /** SIGTERM (a clean stop: rooms left, database closed), SIGKILL if it takes longer than 10 s. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), STOP_GRACE_MS);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

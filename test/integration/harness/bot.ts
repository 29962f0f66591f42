import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { storeFor, testStore, usePostgresStores } from "./test-store.js";

/** The built CLI; `npm test` builds it before Jest runs. */
export const CLI = resolve(__dirname, "../../../dist/cli.js");

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** Bots not yet exited, so that a PostgreSQL test cluster is stopped only after them. */
const running = new Set<BotProcess>();
usePostgresStores(async () => {
  await Promise.all([...running].map((bot) => bot.stop()));
});

/**
 * Writes a config file (YAML) into a fresh temp dir and returns its path. Under
 * HERALD_TEST_STORE=postgres a SQLite `store` path is swapped for a PostgreSQL database (test-store.ts),
 * with a 3 s lease.
 */
export function writeConfig(config: Record<string, unknown>, dir = mkdtempSync(join(tmpdir(), "herald-cfg-"))): string {
  const path = join(dir, "herald.yaml");
  // On PostgreSQL a bot holds leases (cluster/leases.ts): a killed one's rooms wait out its lease
  // before its restart may serve them (it cannot tell its old self's leases from another
  // instance's). Tests that kill bots keep that wait short; a test's own `cluster` key stands.
  const store = typeof config.store === "string" && testStore === "postgres" ? { store: storeFor(config.store), cluster: { lease: "3s", ...(config.cluster as object | undefined) } } : {};
  writeFileSync(path, stringify({ ...config, ...store }));
  return path;
}

/**
 * Herald as a real child process (`node dist/cli.js run`), its JSON log lines collected so a test
 * can wait for what the bot says it did. stderr is kept for diagnostics and error messages.
 */
export class BotProcess {
  readonly logs: LogLine[] = [];
  stdout = "";
  stderr = "";
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    // As shipped: npm start, the Dockerfile and the systemd unit pass this flag.
    this.child = spawn(process.execPath, ["--max-semi-space-size=2", CLI, ...args], {
      env: { ...process.env, LOG_LEVEL: "debug", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let partial = "";
    this.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      this.stdout += chunk;
      partial += chunk;
      const lines = partial.split("\n");
      partial = lines.pop()!;
      for (const line of lines) this.onLine(line);
    });
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.stderr += chunk));
    running.add(this);
    this.exited = new Promise((resolve) =>
      this.child.on("exit", (code) => {
        running.delete(this);
        resolve(code);
      }),
    );
  }

  static run(configPath: string, env: NodeJS.ProcessEnv = {}): BotProcess {
    return new BotProcess(["run", "--config", configPath], env);
  }

  private onLine(line: string): void {
    let parsed: LogLine;
    try {
      parsed = JSON.parse(line) as LogLine;
    } catch {
      return;
    }
    this.logs.push(parsed);
    for (const w of [...this.waiters]) {
      if (w.pred(parsed)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(parsed);
      }
    }
  }

  /** Resolves with the first log line (from `since` on) that matches. */
  waitForLog(pred: (l: LogLine) => boolean, since = 0, timeoutMs = 30_000): Promise<LogLine> {
    const found = this.logs.slice(since).find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`bot did not log a matching line within ${timeoutMs} ms. stderr:\n${this.stderr}\nlast logs:\n${this.stdout.slice(-3000)}`));
      }, timeoutMs);
      this.waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`bot exited (${code}) before logging a matching line. stderr:\n${this.stderr}\nlast logs:\n${this.stdout.slice(-3000)}`));
      });
    });
  }

  waitForMsg(msg: string, fields: Record<string, unknown> = {}, since = 0, timeoutMs?: number): Promise<LogLine> {
    return this.waitForLog((l) => l.msg === msg && Object.entries(fields).every(([k, v]) => l[k] === v), since, timeoutMs);
  }

  /**
   * The bot's full JID, from its "online" log line: with a PostgreSQL store each instance adds its
   * name and a token to the configured resource (cluster/identity.ts), so tests must not guess it.
   */
  async fullJid(): Promise<string> {
    return String((await this.waitForMsg("online")).jid);
  }

  /** The bot's peak resident memory so far (VmHWM, Linux), in MB; undefined once it exited. */
  peakRssMb(): number | undefined {
    if (this.child.exitCode !== null || this.child.pid === undefined) return undefined;
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
      return Number.isFinite(kb) ? Math.round(kb / 1024) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether the process is still running (not exited, nor killed by a signal). */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  count(msg: string): number {
    return this.logs.filter((l) => l.msg === msg).length;
  }

  /** Sends a signal (SIGHUP: reload the config) without waiting for anything. */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGTERM and wait for the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
    return this.exited;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }
}

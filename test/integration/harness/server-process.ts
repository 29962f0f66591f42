import type { ChildProcess } from "node:child_process";

const OUTPUT_LIMIT = 64 * 1024;

// Last resort against orphans if a worker exits without running afterAll.
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export interface ServerProcessOptions {
  /** For messages: "Prosody", "ejabberd". */
  readonly name: string;
  readonly spawn: () => ChildProcess;
  /** Resolves once the server serves; `alive()` turns false if the process exits meanwhile. */
  readonly ready: (alive: () => boolean) => Promise<void>;
  /** After SIGTERM, how long before SIGKILL. */
  readonly stopGraceMs: number;
  /** Diagnostics appended to a start-up failure (log tails). */
  readonly diagnostics: () => string;
}

/**
 * One server child process, started and stopped again on the same data: console output kept
 * (bounded) for diagnostics, readiness awaited, SIGTERM then SIGKILL, no orphans.
 */
export function serverProcess(options: ServerProcessOptions) {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = "";

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc) return;
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), options.stopGraceMs);
    await exited;
    clearTimeout(timer);
  }

  function signal(name: NodeJS.Signals): void {
    if (!child) throw new Error(`${options.name} is not running`);
    child.kill(name);
  }

  return {
    get running(): boolean {
      return child !== undefined;
    },
    /** SIGSTOP: the process stops reading its sockets; clients' writes pile up in the kernel. */
    pause: () => signal("SIGSTOP"),
    /** SIGCONT after `pause`. */
    resume: () => signal("SIGCONT"),
    /** SIGKILL (works on a paused process too): no clean shutdown, sockets reset by the kernel. */
    async kill(): Promise<void> {
      signal("SIGKILL");
      await exited;
    },
    /** The last console output, for diagnostics. */
    output: () => output,
    async start(): Promise<void> {
      if (child) throw new Error(`${options.name} is already running`);
      const proc = options.spawn();
      child = proc;
      running.add(proc);
      const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_LIMIT));
      proc.stdout?.on("data", keep);
      proc.stderr?.on("data", keep);
      exited = new Promise((resolve) =>
        proc.once("exit", (code, signal) => {
          output += `\n[${options.name} exited: code ${code}, signal ${signal}]`;
          running.delete(proc);
          if (child === proc) child = undefined;
          resolve();
        }),
      );
      try {
        await options.ready(() => child === proc);
      } catch (error) {
        await stop();
        throw new Error(`${options.name} did not start: ${String(error)}\n${options.diagnostics()}`);
      }
    },
    stop,
  };
}

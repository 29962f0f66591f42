// What the figures were measured on: they mean little without it.
import { readFileSync } from "node:fs";
import os from "node:os";

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly kernel: string;
  readonly memoryMb: number;
  /** 1-minute load average when the run started: above ~0.5 the machine was not quiet. */
  readonly loadAtStart: number;
  readonly prosody: string;
  /** The SQLite engine Herald's store picks on this Node. */
  readonly sqlite: string;
}

export function describeMachine(prosodyVersion: string, sqlite: string): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism?.() ?? cpus.length,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    memoryMb: Math.round(os.totalmem() / 1024 / 1024),
    loadAtStart: os.loadavg()[0] ?? NaN,
    prosody: prosodyVersion,
    sqlite,
  };
}

/** The 1-minute load average now. */
export function loadNow(): number {
  return os.loadavg()[0] ?? NaN;
}

/** Prosody's version from its Debian package, if dpkg knows it. */
export function prosodyVersion(): string {
  try {
    const status = readFileSync("/var/lib/dpkg/status", "utf8");
    const block = status.split("\n\n").find((b) => /^Package: prosody$/m.test(b));
    return /^Version: (.+)$/m.exec(block ?? "")?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

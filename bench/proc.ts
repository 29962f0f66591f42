// What a process costs, read from Linux's /proc: CPU time and resident memory of the bot (or of
// Prosody) at one instant. Differences of two readings give the cost of what happened in between.
import { readdirSync, readFileSync } from "node:fs";

/** USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on every Linux we run on. */
const TICKS_PER_SECOND = 100;

export interface CpuReading {
  /** user + system CPU of all threads, from /proc/<pid>/task/<tid>/schedstat (nanosecond resolution). */
  readonly ms: number;
  /** utime + stime from /proc/<pid>/stat (10 ms resolution; includes threads that have exited). */
  readonly statMs: number;
}

/**
 * CPU time used so far. schedstat has nanosecond resolution, so a window of a few milliseconds
 * can be measured; stat is kept as a cross-check (it also counts exited threads, schedstat does not).
 */
export function readCpu(pid: number): CpuReading {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces and parentheses: split after the last ")".
  const after = fields.slice(fields.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 (utime, stime) are at 11 and 12 once pid and comm are removed.
  const statMs = ((Number(after[11]) + Number(after[12])) * 1000) / TICKS_PER_SECOND;
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the thread exited between readdir and read
    }
  }
  return { ms: ns > 0 ? ns / 1e6 : statMs, statMs };
}

export interface MemoryReading {
  /** Resident set size now (VmRSS), MB. */
  readonly rssMb: number;
  /** Peak resident set size since start (VmHWM), MB. */
  readonly peakMb: number;
  /** Of the RSS: anonymous memory (JS heap, SQLite's cache, buffers), MB. */
  readonly anonMb: number;
  /** Of the RSS: file-backed pages (the node binary, shared libraries, addons), MB. */
  readonly fileMb: number;
}

export function readMemory(pid: number): MemoryReading {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024, anonMb: kb("RssAnon") / 1024, fileMb: kb("RssFile") / 1024 };
}

/** CPU milliseconds between two readings. */
export function cpuBetween(a: CpuReading, b: CpuReading): number {
  return b.ms - a.ms;
}

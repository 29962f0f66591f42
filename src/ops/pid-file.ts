import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Where a running Herald leaves its process id: beside its database, so that `herald reload` and
 * `herald import-opml` (which read the same config) find the instance that uses that database.
 * None for an in-memory database.
 */
export function pidFilePath(store: string): string | undefined {
  return store === ":memory:" ? undefined : join(dirname(store), "herald.pid");
}

export function writePidFile(store: string, pid: number): () => void {
  const path = pidFilePath(store);
  if (path === undefined) return () => undefined;
  writeFileSync(path, `${pid}\n`);
  return () => rmSync(path, { force: true });
}

export type RunningInstance = { readonly pid: number } | { readonly none: string };

/** The running Herald of this database, if its pid file names a live process. */
export function runningInstance(store: string): RunningInstance {
  const path = pidFilePath(store);
  if (path === undefined) return { none: "the store is in memory, so no other process can share it" };
  let pid: number;
  try {
    pid = Number(readFileSync(path, "utf8").trim());
  } catch {
    return { none: `no Herald is running with this database (no ${path})` };
  }
  if (!Number.isInteger(pid) || pid <= 0) return { none: `${path} does not hold a process id` };
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
  } catch {
    return { none: `the Herald that wrote ${path} (pid ${pid}) is no longer running` };
  }
  return { pid };
}

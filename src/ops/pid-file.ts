import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isPostgresUrl } from "../store/location.js";

/**
 * Where a running Herald leaves its process id: beside its SQLite database, so that `herald reload`
 * and `herald import-opml` (which read the same config) find the instance that uses that database.
 * A PostgreSQL database has no folder on this machine, so there it is beside the config file.
 * None for an in-memory database.
 */
export function pidFilePath(store: string, configPath: string): string | undefined {
  if (store === ":memory:") return undefined;
  return join(isPostgresUrl(store) ? dirname(resolve(configPath)) : dirname(store), "herald.pid");
}

export function writePidFile(store: string, configPath: string, pid: number): () => void {
  const path = pidFilePath(store, configPath);
  if (path === undefined) return () => undefined;
  writeFileSync(path, `${pid}\n`);
  return () => rmSync(path, { force: true });
}

export type RunningInstance = { readonly pid: number } | { readonly none: string };

/** The running Herald of this database, if its pid file names a live process. */
export function runningInstance(store: string, configPath: string): RunningInstance {
  const path = pidFilePath(store, configPath);
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

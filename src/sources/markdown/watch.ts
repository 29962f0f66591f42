import { statSync, watch, type FSWatcher } from "node:fs";

export interface WatchOptions {
  /** Quiet time after the last change before onChange runs: an editor's save is several events. */
  readonly debounceMs?: number;
  /** The watcher failed (the folder vanished, the inotify limit was reached). Polling still works. */
  readonly onError?: (err: Error) => void;
}

/**
 * Calls `onChange` soon after anything under `path` changes (fs.watch, recursive: inotify per
 * folder on Linux, FSEvents on macOS). Events are only a hint to poll now; the poll itself compares
 * the folder's fingerprint, so a missed or spurious event costs nothing but a timer's wait.
 * Never throws: when watching is impossible, onError hears why and close() is a no-op.
 */
export function watchFolder(path: string, onChange: () => void, options: WatchOptions = {}): { close(): void } {
  const debounceMs = options.debounceMs ?? 300;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  let closed = false;
  const fail = (err: unknown): void => options.onError?.(err instanceof Error ? err : new Error(String(err)));
  try {
    // Node 24's recursive watcher reports a missing folder only later, as an event; Node 20 throws.
    // Checking first gives one behaviour on both.
    statSync(path);
    watcher = watch(path, { recursive: true, persistent: false }, () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!closed) onChange();
      }, debounceMs);
    });
    watcher.on("error", fail);
  } catch (err) {
    fail(err);
  }
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

import type * as Inspector from "node:inspector";
import { performance, type EventLoopUtilization } from "node:perf_hooks";
import type { Logger } from "../log.js";

/**
 * Gives the JS heap's unused memory back to the operating system once a burst of work is over.
 *
 * Start-up allocates far more than Herald keeps: parsing a config of 10,000 feeds with the yaml
 * package allocates about 550 MB for a 1 MB file, and the first cycle starts every due feed's read
 * at once. With the small young generation Herald runs with (--max-semi-space-size=2), much of
 * that lives just long enough to be promoted to V8's old space, which then grows to 150-220 MB.
 * Once the burst is over only about 40 MB of it is live (10,000 feeds, 1,000 rooms), but V8 keeps
 * the pages: its ordinary collections free the objects without returning the pages (they stay
 * committed, or pooled for reuse, all counted in the resident size), and its own memory reducer
 * may not run for a long while. Measured at 10,000 feeds: 260-320 MB resident when settled, of
 * which 120-220 MB is V8 heap holding 40 MB of live objects (docs/PERFORMANCE.md).
 *
 * So, when the resident size has grown by `growthBytes` since the last release (or since start)
 * and the event loop has been mostly idle over the last `everyMs`, Herald asks V8 for the
 * collection a low-memory notification gets: full, compacting, and releasing free pages.
 * That pause (about 300 ms at 10,000 feeds, 40 MB live, on a busy 2-core machine) is taken while
 * there is nothing else to do, once per burst: right after start-up, after a reload, and then
 * only as the heap grows again, and never more often than every `minGapMs`.
 */
export interface HeapReleaseDeps {
  /** The process's resident size now, bytes. */
  readonly rss: () => number;
  /** The share (0-1) of the time since the last call that the event loop was busy. */
  readonly busy: () => number;
  /** Collects all garbage and returns free heap pages to the system. */
  readonly compact: () => Promise<unknown>;
  readonly log: Logger;
  /** Growth of the resident size that is worth a release (default 32 MiB). */
  readonly growthBytes?: number;
  /** At most this busy over the last window counts as idle (default 0.25). */
  readonly idleBelow?: number;
  /** How often to look (default 1 s). */
  readonly everyMs?: number;
  /** At least this long between two releases (default 5 minutes): each is a pause of its own. */
  readonly minGapMs?: number;
  readonly now: () => number;
}

export const HEAP_RELEASE_GROWTH_BYTES = 32 * 1024 * 1024;

export function createHeapRelease(deps: HeapReleaseDeps) {
  const growth = deps.growthBytes ?? HEAP_RELEASE_GROWTH_BYTES;
  const idleBelow = deps.idleBelow ?? 0.25;
  const everyMs = deps.everyMs ?? 1_000;
  const minGapMs = deps.minGapMs ?? 5 * 60_000;
  let lastAt: number | undefined;
  // Zero: the start-up's own garbage is released at the first idle moment.
  let baseline = 0;
  let releasing = false;
  let timer: NodeJS.Timeout | undefined;

  /** Releases when grown and idle; resolves whether it did. */
  async function check(): Promise<boolean> {
    if (releasing) return false;
    // Read busyness every time, so each reading covers only the window since the previous one.
    const busy = deps.busy();
    const before = deps.rss();
    if (before - baseline < growth || busy > idleBelow) return false;
    if (lastAt !== undefined && deps.now() - lastAt < minGapMs) return false;
    releasing = true;
    lastAt = deps.now();
    const startedAt = performance.now();
    try {
      await deps.compact();
    } catch (err) {
      deps.log.warn({ err }, "could not release unused heap memory");
    } finally {
      releasing = false;
    }
    // Counted from what is left: memory a release cannot give back (outside the JS heap) does
    // not bring the next one forward.
    baseline = deps.rss();
    // Later calls measure busyness from here, not across the release's own pause.
    deps.busy();
    const mb = (bytes: number) => Math.round(bytes / 104857.6) / 10;
    deps.log.debug({ rssBeforeMb: mb(before), rssAfterMb: mb(baseline), ms: Math.round(performance.now() - startedAt) }, "released unused heap memory");
    return true;
  }

  function stop(): void {
    clearInterval(timer);
    timer = undefined;
  }

  return {
    check,
    /**
     * Watches from now until the next release: after a burst (start-up once online, a reload),
     * not for ever. Watching is not free: the checks every second cost an idle bot about 0.5 ms
     * of CPU per second (bench/experiments/idle.ts: 0.58 ms/s watching, 0.07 without).
     */
    start(): void {
      if (timer) return;
      deps.busy();
      timer = setInterval(() => {
        void check().then((released) => {
          if (released) stop();
        });
      }, everyMs);
      // Never what keeps the process alive.
      timer.unref();
    },
    stop,
  };
}

/** The share of the time since the previous call that this process's event loop was busy. */
export function eventLoopBusy(): () => number {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const share = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return share;
  };
}

/**
 * The collection V8 runs on a low-memory notification (several full, compacting passes, free
 * pages unmapped), asked through the in-process inspector protocol: Node has no other way to ask
 * for it, and a plain global.gc() (with --expose-gc) frees objects but keeps the pages.
 * Connecting an in-process session opens no port. Resolves false where Node was built without
 * the inspector (nothing is released then).
 */
export function compactHeap(): Promise<boolean> {
  let session: Inspector.Session;
  try {
    // Looked up when needed: on a Node built without the inspector, importing it throws.
    const inspector = process.getBuiltinModule?.("node:inspector") as typeof Inspector | undefined;
    if (inspector === undefined) return Promise.resolve(false);
    session = new inspector.Session();
    session.connect();
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    session.post("HeapProfiler.collectGarbage", (err) => {
      // Not from inside the callback: disconnecting while the session dispatches its answer
      // deadlocks the main thread (seen on Node 24.22: the process hangs, no timer ever fires).
      setImmediate(() => {
        session.disconnect();
        resolve(err === null || err === undefined);
      });
    });
  });
}

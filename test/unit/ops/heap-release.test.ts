import { compactHeap, createHeapRelease, eventLoopBusy } from "../../../src/ops/heap-release.js";
import type { Logger } from "../../../src/log.js";

const MB = 1024 * 1024;
const log = { debug: jest.fn(), warn: jest.fn() } as unknown as Logger;

/** A process whose resident size and busyness the test sets; compact() shrinks it to `afterCompact`. */
function fakeProcess(rssMb: number, afterCompactMb = 40) {
  const p = {
    rss: rssMb * MB,
    busy: 0,
    compactions: 0,
    now: 0,
    afterCompact: afterCompactMb * MB,
    release: undefined as unknown as ReturnType<typeof createHeapRelease>,
  };
  p.release = createHeapRelease({
    rss: () => p.rss,
    busy: () => p.busy,
    compact: async () => {
      p.compactions++;
      p.rss = p.afterCompact;
    },
    log,
    now: () => p.now,
  });
  return p;
}

describe("heap release", () => {
  it("watches after a burst until its release, then no more until started again", async () => {
    jest.useFakeTimers();
    try {
      let rss = 260 * MB;
      let compactions = 0;
      const release = createHeapRelease({
        rss: () => rss,
        busy: () => 0,
        compact: async () => {
          compactions++;
          rss = 40 * MB;
        },
        log,
        now: () => 0,
        minGapMs: 0,
      });
      release.start();
      await jest.advanceTimersByTimeAsync(1_000);
      expect(compactions).toBe(1);
      // Grown again, but nobody started a watch: no check, no release.
      rss = 300 * MB;
      await jest.advanceTimersByTimeAsync(10_000);
      expect(compactions).toBe(1);
      expect(jest.getTimerCount()).toBe(0);
      // A reload starts one.
      release.start();
      await jest.advanceTimersByTimeAsync(1_000);
      expect(compactions).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it("releases the start-up's memory at the first idle moment", async () => {
    const p = fakeProcess(260);
    expect(await p.release.check()).toBe(true);
    expect(p.compactions).toBe(1);
  });

  it("waits while the event loop is busy", async () => {
    const p = fakeProcess(260);
    p.busy = 0.9;
    expect(await p.release.check()).toBe(false);
    p.busy = 0.1;
    expect(await p.release.check()).toBe(true);
    expect(p.compactions).toBe(1);
  });

  it("releases again only once the resident size has grown by the threshold since the last release", async () => {
    const p = fakeProcess(260, 150);
    await p.release.check();
    p.now = 10 * 60_000;
    p.rss = 150 * MB + 31 * MB;
    expect(await p.release.check()).toBe(false);
    p.rss = 150 * MB + 33 * MB;
    expect(await p.release.check()).toBe(true);
    expect(p.compactions).toBe(2);
  });

  it("counts from what a release left, so memory it cannot give back does not trigger it again", async () => {
    // Nothing to give back: the size stays where it was.
    const p = fakeProcess(260, 260);
    await p.release.check();
    expect(await p.release.check()).toBe(false);
    expect(p.compactions).toBe(1);
  });

  it("leaves at least the minimum gap between two releases", async () => {
    const p = fakeProcess(260, 150);
    await p.release.check();
    p.rss = 260 * MB;
    p.now = 5 * 60_000 - 1;
    expect(await p.release.check()).toBe(false);
    p.now = 5 * 60_000;
    expect(await p.release.check()).toBe(true);
    expect(p.compactions).toBe(2);
  });

  it("never runs two releases at once", async () => {
    let finish = (): void => undefined;
    let compactions = 0;
    const release = createHeapRelease({
      rss: () => 300 * MB,
      busy: () => 0,
      compact: () => {
        compactions++;
        return new Promise<void>((resolve) => (finish = resolve));
      },
      log,
      now: () => 0,
    });
    const first = release.check();
    expect(await release.check()).toBe(false);
    finish();
    expect(await first).toBe(true);
    expect(compactions).toBe(1);
  });

  it("survives a release that fails", async () => {
    const release = createHeapRelease({ rss: () => 300 * MB, busy: () => 0, compact: () => Promise.reject(new Error("no")), log, now: () => 0 });
    expect(await release.check()).toBe(true);
    expect(log.warn).toHaveBeenCalled();
  });

  it("looks on its timer once started, and no more once stopped", async () => {
    jest.useFakeTimers();
    try {
      const p = fakeProcess(260);
      p.release.start();
      await jest.advanceTimersByTimeAsync(1_000);
      expect(p.compactions).toBe(1);
      p.release.stop();
      // Grown and past the gap: only the stopped timer keeps it from releasing.
      p.rss = 400 * MB;
      p.now = 60 * 60_000;
      await jest.advanceTimersByTimeAsync(5_000);
      expect(p.compactions).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe("eventLoopBusy", () => {
  it("is near 1 over a window spent blocking the loop", () => {
    const busy = eventLoopBusy();
    busy();
    const until = Date.now() + 50;
    while (Date.now() < until) {
      // blocking on purpose
    }
    expect(busy()).toBeGreaterThan(0.5);
  });
});

describe("compactHeap", () => {
  it("gives the pages of freed objects back: the heap's committed size shrinks", async () => {
    // About 60 MB of short-lived objects, dead once the function returns.
    (() => {
      const junk: unknown[] = [];
      for (let i = 0; i < 600_000; i++) junk.push({ i, text: `item ${i}`, list: [i, i + 1, i + 2] });
      return junk.length;
    })();
    const before = process.memoryUsage().heapTotal;
    expect(await compactHeap()).toBe(true);
    expect(process.memoryUsage().heapTotal).toBeLessThan(before);
  });
});

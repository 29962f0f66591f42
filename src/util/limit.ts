/**
 * Wraps an async function so that at most `concurrency` calls run at once; the rest wait in order.
 * Used to keep a thousand feeds from opening a thousand sockets in the same millisecond.
 */
export function limitConcurrency<A extends unknown[], R>(fn: (...args: A) => Promise<R>, concurrency: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (...args: A): Promise<R> => {
    if (active >= concurrency) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await fn(...args);
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

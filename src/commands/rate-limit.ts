/**
 * Token buckets per key (a sender, a room): `burst` commands at once, then one every `refillMs`.
 * One flooding sender empties only their own bucket, so everyone else is answered as before.
 */
export function createRateLimiter(options: { burst: number; refillMs: number; now: () => number; maxKeys?: number }) {
  const buckets = new Map<string, { tokens: number; at: number; warned: boolean }>();
  const maxKeys = options.maxKeys ?? 10_000;
  return {
    /** "ok", or "limited" the first time a key runs dry (say so once), then "silent". */
    take(key: string): "ok" | "limited" | "silent" {
      const now = options.now();
      let bucket = buckets.get(key);
      if (!bucket) {
        // Bounded memory: forget the oldest key (Map keeps insertion order).
        if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value!);
        bucket = { tokens: options.burst, at: now, warned: false };
        buckets.set(key, bucket);
      }
      bucket.tokens = Math.min(options.burst, bucket.tokens + (now - bucket.at) / options.refillMs);
      bucket.at = now;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        bucket.warned = false;
        return "ok";
      }
      if (bucket.warned) return "silent";
      bucket.warned = true;
      return "limited";
    },
  };
}

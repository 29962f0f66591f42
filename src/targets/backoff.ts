/**
 * The wait before a refused target is tried again: doubling from `first` to `max` with each
 * consecutive refusal, ±20 % jitter, and back to `first` once a message goes through.
 */
export function createRefusalBackoff(retryMs: { readonly first: number; readonly max: number } | undefined) {
  const first = retryMs?.first ?? 2_000;
  const max = retryMs?.max ?? 15 * 60_000;
  /** Consecutive refusals per target. */
  const refusals = new Map<string, number>();
  return {
    next(address: string): number {
      const n = refusals.get(address) ?? 0;
      refusals.set(address, n + 1);
      return Math.min(max, first * 2 ** n) * (0.8 + Math.random() * 0.4);
    },
    reset(address: string): void {
      refusals.delete(address);
    },
  };
}

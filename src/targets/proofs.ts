import type { DeliveryOutcome } from "./target.js";

/**
 * Messages waiting for their proof of delivery, by id: a room's reflection (XEP-0045) or a MIX
 * channel's copy (XEP-0369). Each wait ends with the proof, a refusal, or `unconfirmed` after
 * `timeoutMs` or when the session ends.
 */
export function createProofWaits(timeoutMs: number) {
  const waiting = new Map<string, (outcome: DeliveryOutcome) => void>();
  const api = {
    /** Resolves when `settle(id, …)` is called, or with `unconfirmed` after the timeout. */
    wait(id: string): Promise<DeliveryOutcome> {
      return new Promise((resolve) => {
        const timer = setTimeout(() => done({ kind: "unconfirmed" }), timeoutMs);
        const done = (outcome: DeliveryOutcome) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(outcome);
        };
        waiting.set(id, done);
      });
    },
    /** Ends the wait for `id`; returns false when nothing waited for it (a late proof). */
    settle(id: string, outcome: DeliveryOutcome): boolean {
      const done = waiting.get(id);
      done?.(outcome);
      return done !== undefined;
    },
    /** The session ended: no proof awaited will come. */
    failAll(): void {
      for (const done of [...waiting.values()]) done({ kind: "unconfirmed" });
    },
    /** Sends, then waits for the proof; a send that throws ends the wait and throws (not written at all). */
    async proven(id: string, send: () => Promise<void>): Promise<DeliveryOutcome> {
      const proof = api.wait(id);
      try {
        await send();
      } catch (err) {
        api.settle(id, { kind: "unconfirmed" });
        throw err;
      }
      return proof;
    },
  };
  return api;
}

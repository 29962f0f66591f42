import type { Element } from "@xmpp/client";
import type { RoomManager } from "../rooms/room-manager.js";
import { groupchatMessage } from "../xmpp/muc-stanzas.js";
import type { TargetChannel } from "./target.js";

export interface RoomTargetDeps {
  readonly rooms: Pick<RoomManager, "isJoined" | "events">;
  readonly send: (stanza: Element) => Promise<void>;
  /** Whether a room is still in the live configuration. */
  readonly configured: (room: string) => boolean;
  /** Per-room send rate: `burst` messages at once, then one every `intervalMs`. */
  readonly rate: { readonly burst: number; readonly intervalMs: number };
  readonly now: () => number;
  /** How long to wait for the room to reflect a message before leaving it for the next session. */
  readonly reflectTimeoutMs?: number;
}

/**
 * Rooms as targets. The proof of delivery is the room's reflection: XEP-0045 §7.2.14 reflects
 * every message to its sender, and ours carries an XEP-0359 origin-id we recognise even if the
 * room rewrites the stanza id. A message written into a connection that was already dead is never
 * reflected, so it is never counted as delivered.
 */
export function createRoomTarget(deps: RoomTargetDeps): TargetChannel {
  const reflectTimeoutMs = deps.reflectTimeoutMs ?? 15_000;
  const waiting = new Map<string, (reflected: boolean) => void>();
  /** Token buckets of the per-room rate: tokens left and when they were counted. */
  const buckets = new Map<string, { tokens: number; at: number }>();
  const onReflected = (_room: string, originId: string) => waiting.get(originId)?.(true);
  deps.rooms.events.on("reflected", onReflected);

  function awaitReflection(id: string): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(false), reflectTimeoutMs);
      const settle = (ok: boolean) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(ok);
      };
      waiting.set(id, settle);
    });
  }

  const failAll = () => {
    for (const settle of [...waiting.values()]) settle(false);
  };

  return {
    kind: "room",
    isReady: (room) => deps.rooms.isJoined(room),
    serves: (room) => deps.configured(room),
    async pace(room) {
      const { burst, intervalMs } = deps.rate;
      if (intervalMs <= 0) return;
      const now = deps.now();
      const bucket = buckets.get(room) ?? { tokens: burst, at: now };
      bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) / intervalMs);
      bucket.at = now;
      buckets.set(room, bucket);
      if (bucket.tokens < 1) {
        const wait = (1 - bucket.tokens) * intervalMs;
        await new Promise((resolve) => setTimeout(resolve, wait));
        bucket.tokens = 1;
        bucket.at = deps.now();
      }
      bucket.tokens -= 1;
    },
    async deliver(room, text, id) {
      if (!deps.rooms.isJoined(room)) throw new Error(`not in ${room}`);
      const reflected = awaitReflection(id);
      try {
        await deps.send(groupchatMessage(room, text, id));
      } catch (err) {
        waiting.get(id)?.(false);
        throw err;
      }
      return reflected;
    },
    newSession: failAll,
    stop() {
      deps.rooms.events.off("reflected", onReflected);
      failAll();
    },
  };
}

import type { Registry } from "../live/registry.js";
import type { FeedStateStore, Outbox } from "../store/store.js";
import type { Health } from "./http-server.js";

export interface HealthDeps {
  readonly online: () => boolean;
  readonly joinedRooms: () => readonly string[];
  readonly registry: Registry;
  readonly feedState: FeedStateStore;
  readonly outbox: Outbox;
  /**
   * The rooms this instance should be in: with several instances (cluster/), those whose lease it
   * holds, since the others' rooms are theirs to join. Absent: every configured room.
   */
  readonly mine?: () => readonly string[];
}

/** Healthy means online and in every room it should be in; failing feeds are shown, not counted against it. */
export function createHealth(deps: HealthDeps): () => Promise<Health> {
  return async () => {
    const online = deps.online();
    const configured = deps.registry.rooms().map((r) => r.jid);
    const joined = new Set(deps.joinedRooms());
    const expected = deps.mine?.() ?? configured;
    const missing = expected.filter((r) => !joined.has(r));
    const reasons = [...(online ? [] : ["not connected to the XMPP server"]), ...missing.map((r) => `not in ${r}`)];
    const feeds = deps.registry.feeds();
    const states = await Promise.all(feeds.map((f) => deps.feedState.get(f.name)));
    const failing = feeds.filter((_f, i) => states[i]?.lastError).map((f) => f.name);
    const outbox = await deps.outbox.depth();
    return {
      ok: reasons.length === 0,
      reasons,
      details: { online, rooms: { configured: configured.length, ...(deps.mine ? { held: expected.length } : {}), joined: joined.size }, feeds: { total: feeds.length, failing }, outbox },
    };
  };
}

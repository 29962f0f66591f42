import type { Registry } from "../live/registry.js";
import type { FeedStateStore, Outbox } from "../store/store.js";
import type { Health } from "./http-server.js";

export interface HealthDeps {
  readonly online: () => boolean;
  readonly joinedRooms: () => readonly string[];
  readonly registry: Registry;
  readonly feedState: FeedStateStore;
  readonly outbox: Outbox;
}

/** Healthy means online and in every configured room; failing feeds are shown, not counted against it. */
export function createHealth(deps: HealthDeps): () => Health {
  return () => {
    const online = deps.online();
    const configured = deps.registry.rooms().map((r) => r.jid);
    const joined = new Set(deps.joinedRooms());
    const missing = configured.filter((r) => !joined.has(r));
    const reasons = [...(online ? [] : ["not connected to the XMPP server"]), ...missing.map((r) => `not in ${r}`)];
    const feeds = deps.registry.feeds();
    const failing = feeds.filter((f) => deps.feedState.get(f.name)?.lastError).map((f) => f.name);
    return {
      ok: reasons.length === 0,
      reasons,
      details: { online, rooms: { configured: configured.length, joined: joined.size }, feeds: { total: feeds.length, failing }, outbox: deps.outbox.depth() },
    };
  };
}

import type { Logger } from "../log.js";
import type { HeraldConfig } from "../config/schema.js";
import { ConfigError } from "../config/load.js";
import type { ReconcileReport, Registry } from "./registry.js";

/** Top-level keys a reload applies; the others take effect at the next start. */
const LIVE_KEYS: ReadonlySet<keyof HeraldConfig> = new Set(["feeds", "rooms", "pubsub"]);

export type ReloadResult =
  | { readonly ok: true; readonly feeds: ReconcileReport; readonly rooms: ReconcileReport; readonly needRestart: readonly string[] }
  | { readonly ok: false; readonly error: string };

export interface ReloaderDeps {
  /** Reads and validates the config file again (throws ConfigError, with every problem, when it is bad). */
  readonly load: () => HeraldConfig;
  /** The configuration the running bot started with. */
  readonly running: HeraldConfig;
  readonly registry: Registry;
  readonly notifyAdmins: (text: string) => void;
  readonly log: Logger;
}

/**
 * Applies the config file again without dropping the XMPP session (SIGHUP, `herald reload`):
 * its feeds and rooms (with their filters, digests, media) go through the same rule as at start
 * (README, "Config file and runtime changes"), so rooms are joined and left and feeds added,
 * changed and removed at once. A file that fails validation changes nothing: the problems are
 * logged as `check-config` words them and the admins get one message. Other keys (the account,
 * limits, the HTTP listener) need a restart, and the log says which changed.
 */
export function createReloader(deps: ReloaderDeps) {
  let lastError: string | undefined;
  // Reloads run one after another: two signals in quick succession must not reconcile the file
  // against each other's half-written rows.
  let previous: Promise<unknown> = Promise.resolve();
  return {
    reload(): Promise<ReloadResult> {
      const result = previous.then(() => reloadOnce());
      previous = result.catch(() => undefined);
      return result;
    },
  };

  async function reloadOnce(): Promise<ReloadResult> {
    let next: HeraldConfig;
    try {
      next = deps.load();
    } catch (err) {
      const error = err instanceof ConfigError ? err.message : `cannot read the config: ${err instanceof Error ? err.message : String(err)}`;
      deps.log.error({ problems: error }, "config not reloaded; the running configuration stays");
      // Once per distinct error: a person fixing the file may send several signals.
      if (error !== lastError) deps.notifyAdmins(`I did not reload my configuration; the running one stays. ${error}`);
      lastError = error;
      return { ok: false, error };
    }
    lastError = undefined;
    const report = await deps.registry.reconcile(next.feeds, next.rooms, next.pubsub);
    const needRestart = (Object.keys(next) as (keyof HeraldConfig)[]).filter((key) => !LIVE_KEYS.has(key) && JSON.stringify(next[key]) !== JSON.stringify(deps.running[key]));
    deps.log.info({ feeds: report.feeds, rooms: report.rooms, nodes: report.nodes, ...(needRestart.length ? { needRestart } : {}) }, "configuration reloaded");
    if (needRestart.length > 0) deps.log.warn({ keys: needRestart }, "these config keys changed and take effect at the next start");
    return { ok: true, ...report, needRestart };
  }
}

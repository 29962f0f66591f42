// The one switch that picks the XMPP server the integration suite runs against:
// HERALD_TEST_SERVER=prosody (the default) or HERALD_TEST_SERVER=ejabberd.
import { startEjabberd } from "./ejabberd.js";
import { startProsody } from "./prosody.js";
import type { XmppServer, XmppServerOptions } from "./xmpp-server.js";

export type { XmppServer, XmppServerOptions };

export type ServerKind = "prosody" | "ejabberd";

const starters: Record<ServerKind, (options?: XmppServerOptions) => Promise<XmppServer>> = {
  prosody: startProsody,
  ejabberd: startEjabberd,
};

/** The server chosen by HERALD_TEST_SERVER; an unknown name fails rather than silently testing Prosody. */
export function serverKind(): ServerKind {
  const name = (process.env.HERALD_TEST_SERVER ?? "").trim().toLowerCase() || "prosody";
  if (name in starters) return name as ServerKind;
  throw new Error(`HERALD_TEST_SERVER=${process.env.HERALD_TEST_SERVER}: expected one of ${Object.keys(starters).join(", ")}`);
}

/** Starts a throwaway server of the chosen kind on loopback (see xmpp-server.ts). */
export function startServer(options: XmppServerOptions = {}): Promise<XmppServer> {
  return starters[serverKind()](options);
}

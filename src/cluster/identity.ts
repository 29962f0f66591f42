import { hostname } from "node:os";
import { randomBytes } from "node:crypto";

/**
 * This instance's name and its process's token. The name is the operator's (`cluster.instance`,
 * else HERALD_INSTANCE, else the host name); the token is new for each process, so a restarted
 * instance never mistakes the leases of its previous life for its own, and two instances given the
 * same name by mistake still hold leases apart.
 */
export function instanceIdentity(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): { name: string; token: string } {
  const raw = configured ?? env["HERALD_INSTANCE"] ?? hostname();
  // The name goes into an XMPP resource and a lease holder: keep it plain.
  const name = raw.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 40) || "herald";
  return { name, token: randomBytes(3).toString("hex") };
}

/** The XMPP resource of an instance sharing its account with others: each must have its own. */
export function instanceResource(resource: string, identity: { name: string; token: string }): string {
  return `${resource}-${identity.name}-${identity.token}`;
}

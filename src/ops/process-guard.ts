import type { Logger } from "../log.js";

/**
 * What the process does with an error nobody handled.
 *
 * xmpp.js leaves some behind when a connection drops in the middle of its log-in, which a busy
 * server makes common (seen in the bench at 10,000 feeds and 1,000 rooms, issue 16): the dropped
 * stream's SASL exchange keeps listening, hears the next stream's challenge, fails on its nonce
 * (xmpp/scram.ts) and rejects a promise nobody awaits any more; a socket it has let go of reports
 * ECONNRESET with no listener; a late chunk reaches a parser it has torn down. By default each of
 * these ends the process, though the session's own reconnect recovers from all of them.
 *
 * So a promise rejected with no handler is logged and the process goes on (its work is over
 * either way), and so is an exception thrown from the XMPP library's code or a network error. Any
 * other uncaught exception is a bug of Herald's own whose state cannot be trusted: it is logged
 * and the process exits 70 (EX_SOFTWARE), for its supervisor to restart it.
 */
export const EXIT_SOFTWARE = 70;

const NETWORK_CODES = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNREFUSED", "ECONNABORTED", "EHOSTUNREACH", "ENETUNREACH", "ENOTCONN"]);

/** Whether an uncaught exception is one the process can carry on after (see above). */
export function isRecoverable(err: unknown): boolean {
  const e = err as { code?: unknown; stack?: unknown } | null;
  if (typeof e?.code === "string" && NETWORK_CODES.has(e.code)) return true;
  // Thrown from inside xmpp.js or its XML parser (a path in node_modules/@xmpp/ or ltx).
  return typeof e?.stack === "string" && /[/\\]node_modules[/\\](@xmpp[/\\]|ltx[/\\])/.test(e.stack);
}

export interface GuardedProcess {
  on(event: "unhandledRejection", listener: (reason: unknown) => void): unknown;
  on(event: "uncaughtException", listener: (err: Error) => void): unknown;
  exit(code: number): never | void;
}

export function installProcessGuard(log: Logger, proc: GuardedProcess = process): void {
  proc.on("unhandledRejection", (reason) => {
    log.error({ err: reason }, "a promise failed with nobody to handle it (most likely an abandoned XMPP log-in); carrying on");
  });
  proc.on("uncaughtException", (err) => {
    if (isRecoverable(err)) {
      log.error({ err }, "an error in the XMPP library or the network escaped its handlers; carrying on, the session reconnects");
      return;
    }
    log.fatal({ err }, "unexpected error; exiting for the supervisor to restart Herald");
    proc.exit(EXIT_SOFTWARE);
  });
}

import { EventEmitter } from "node:events";
import { client, xml, type Element } from "@xmpp/client";
import { useNativeScram } from "./scram.js";
import { attachDebugLog } from "./debug-log.js";
import { attachAcknowledgements, type SendOutcome } from "./acknowledgements.js";
import { ADVICE_AFTER_ATTEMPTS, connectionAdvice } from "./connection-advice.js";
import type { Logger } from "../log.js";

export interface ConnectionOptions {
  readonly service: string;
  readonly domain: string;
  readonly username: string;
  readonly password: string;
  readonly resource: string;
  /** Turn on @xmpp/debug's stanza log (XMPP_DEBUG=1). */
  readonly debug: boolean;
  readonly log: Logger;
  /** Backoff for a server that is down at start-up: first and maximum delay. */
  readonly retryMs?: { readonly first: number; readonly max: number };
  /** How often to ping the server to find a dead connection (XEP-0199). */
  readonly keepaliveMs?: number;
}

/** An error no retry can fix: wrong credentials, or a certificate we must not trust. */
export class FatalConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FatalConnectionError";
  }
}

export interface ConnectionEvents {
  /** A new session: rooms must be joined again (a resumed stream does not emit this). */
  online: [jid: string];
  /** The session is over (the link died and cannot be resumed): the bot is in no room. */
  offline: [];
  /** XEP-0198 §5: a lost link was resumed; the session, its rooms and its presence live on. */
  resumed: [];
  stanza: [stanza: Element];
  /** An unrecoverable error after start-up, e.g. the password was changed on the server. */
  fatal: [error: FatalConnectionError];
}

export type Connection = ReturnType<typeof createConnection>;

/**
 * The bot's XMPP session: start-up with backoff, fatal errors told apart from temporary ones,
 * and events for a new session. xmpp.js reconnects by itself after a session was established
 * (fixed 1 s delay); it does not rejoin rooms, which is why `online` is re-emitted. Where the
 * server allows XEP-0198 resumption, a lost link is resumed instead: `resumed`, no `offline` or
 * `online`, and the session's rooms are kept.
 */
export function createConnection(options: ConnectionOptions) {
  const { log } = options;
  const events = new EventEmitter<ConnectionEvents>();
  const xmpp = client({
    service: options.service,
    domain: options.domain,
    username: options.username,
    password: options.password,
    resource: options.resource,
  });
  // Native PBKDF2 and a cached SaltedPassword: log-in and every reconnect cost milliseconds, not a second.
  useNativeScram(xmpp.saslFactory);
  const debugIn = options.debug ? attachDebugLog(xmpp) : undefined;
  // XEP-0198 with our own counters (see acknowledgements.ts for how it is hooked into xmpp.js).
  const acks = attachAcknowledgements({ xmpp, log, debugIn });

  let online = false;
  let stopping = false;
  let everOnline = false;
  let lastErrorLogged = "";
  /** Ends the start-up backoff wait early when stop() is called. */
  let wake: (() => void) | undefined;

  xmpp.on("online", (address) => {
    online = true;
    everOnline = true;
    lastErrorLogged = "";
    log.info({ jid: address.toString() }, "online");
    // XEP-0198 §3: enabled right after binding, before anything else goes out, so it is all counted.
    acks.sessionStarted();
    // RFC 6121 §4.2: without initial presence the server does not route messages sent to our
    // bare JID to this session (they go to offline storage), so users could not talk to us.
    // Fails only if the link died at once; the next session sends it again.
    xmpp.send(xml("presence", {}, xml("status", {}, "Say “help” to see what I can do"))).catch((err: unknown) => log.debug({ err }, "initial presence not sent"));
    events.emit("online", address.toString());
  });
  xmpp.on("offline", () => {
    online = false;
  });
  xmpp.on("disconnect", () => {
    // A resumable session is not over yet: `offline` waits for the outcome of the resumption.
    if (online) log.warn({ resumable: acks.resumable || undefined }, "connection lost; reconnecting");
    if (online && !acks.resumable) events.emit("offline");
    online = false;
  });
  acks.events.on("resumed", (resent) => {
    online = true;
    lastErrorLogged = "";
    log.info({ resent }, "stream resumed");
    events.emit("resumed");
  });
  acks.events.on("session-lost", () => {
    log.info("stream not resumed; starting a new session");
    events.emit("offline");
  });
  xmpp.on("stanza", (stanza) => events.emit("stanza", stanza));
  // xmpp.js leaves Nagle's algorithm on; with the server's delayed ACKs a short reply waits ~40 ms
  // before it leaves. xmpp.js's socket is a net.Socket (a TLSSocket for xmpps://, which passes
  // the option down; STARTTLS wraps the same TCP socket). The bench's `latest` p50 went from
  // 48 ms to 7 ms when this took effect: an earlier version reached for a `.socket.socket` that
  // does not exist and so never turned Nagle off.
  xmpp.on("status", (status: string) => {
    if (status !== "connect") return;
    (xmpp as unknown as { socket?: { setNoDelay?: (on: boolean) => void } }).socket?.setNoDelay?.(true);
  });
  xmpp.on("error", (err) => {
    const fatal = classify(err);
    if (fatal && everOnline && !stopping) {
      log.error({ err: fatal.message }, "fatal connection error");
      events.emit("fatal", fatal);
      return;
    }
    // Reconnection attempts repeat the same error every second: log each kind once.
    const text = describe(err);
    if (text !== lastErrorLogged && !stopping) log.warn({ err: text }, "connection error");
    lastErrorLogged = text;
  });
  // XEP-0199 keepalive: a silent TCP connection can be dead for minutes before the OS notices.
  const keepaliveMs = options.keepaliveMs ?? 60_000;
  const keepalive = setInterval(() => {
    if (!online) return;
    const ping = xml("iq", { type: "get", to: options.domain }, xml("ping", { xmlns: "urn:xmpp:ping" }));
    xmpp.iqCaller.request(ping, Math.min(keepaliveMs, 20_000)).catch((err: unknown) => {
      // A stanza error still proves the link is alive; only silence means it is dead.
      if ((err as { name?: string }).name !== "TimeoutError") return;
      log.warn("server did not answer a ping; reconnecting");
      // Already closing is what we want; the reconnect follows either way.
      xmpp.disconnect().catch((err: unknown) => log.debug({ err }, "disconnect after a lost ping failed"));
    });
  }, keepaliveMs);
  keepalive.unref();

  async function start(): Promise<void> {
    const first = options.retryMs?.first ?? 1000;
    const max = options.retryMs?.max ?? 60_000;
    for (let attempt = 0; !stopping; attempt++) {
      try {
        // The log-in's CPU (TCP, stream, SASL, bind), for the log and the bench's `log-in CPU`.
        const cpu = process.cpuUsage();
        await xmpp.start();
        const used = process.cpuUsage(cpu);
        log.info({ cpuMs: Math.round((used.user + used.system) / 100) / 10 }, "logged in");
        return;
      } catch (err) {
        // A failed first start() leaves xmpp.js's reconnect loop running; stop it before deciding.
        // Only to end the library's retry loop; the start error below is the one that matters.
        await xmpp.stop().catch((stopErr: unknown) => log.debug({ err: stopErr }, "stop after a failed start failed"));
        const fatal = classify(err);
        if (fatal) throw fatal;
        const delay = Math.min(max, first * 2 ** attempt) * (0.8 + Math.random() * 0.4);
        log.warn({ err: describe(err), retryInMs: Math.round(delay) }, "cannot reach the XMPP server; retrying");
        if (attempt + 1 === ADVICE_AFTER_ATTEMPTS) {
          log.warn({ service: options.service, check: connectionAdvice(err, options) }, "still cannot reach the XMPP server; what to check");
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  }

  return {
    events,
    start,
    async stop(): Promise<void> {
      stopping = true;
      online = false;
      clearInterval(keepalive);
      wake?.();
      // Stopping: a socket that will not close cleanly is closed by the process exit.
      await xmpp.stop().catch((err: unknown) => log.debug({ err }, "stop failed"));
      // After the stream closed (with its final <a/>, XEP-0198 §4): nothing more will be acknowledged.
      acks.stop();
    },
    /** Sends a stanza; throws when there is no connection (xmpp.js queues nothing). */
    async send(stanza: Element): Promise<void> {
      await xmpp.send(stanza);
    },
    /**
     * Sends a stanza and resolves when its fate is known: "acknowledged" by the server (XEP-0198),
     * "written" where the server offers no XEP-0198, or "lost" with its session. Throws when
     * there is no connection.
     */
    async sendAcknowledged(stanza: Element): Promise<SendOutcome> {
      if (!online) throw new Error("not connected");
      return acks.sendAcknowledged(stanza);
    },
    get online(): boolean {
      return online;
    },
    get jid(): string | undefined {
      return xmpp.jid?.toString();
    },
    iqCallee: xmpp.iqCallee,
    iqCaller: xmpp.iqCaller,
  };
}

const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

function classify(err: unknown): FatalConnectionError | undefined {
  const e = err as { name?: string; condition?: string; code?: string; message?: string };
  if (e?.name === "SASLError") {
    return new FatalConnectionError(
      `the XMPP server refused the login (${e.condition ?? e.message}): check xmpp.jid and the password`,
    );
  }
  if (e?.code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    // xmpp.js checks a direct-TLS certificate against the host in the service URL, not the JID's domain.
    return new FatalConnectionError(
      `the server's TLS certificate does not name the host Herald connected to (${e.message}). ` +
        "Use a host name in xmpp.service that the certificate covers (for xmpps://, the URL's host is what is checked)",
    );
  }
  if (typeof e?.code === "string" && CERT_CODES.test(e.code)) {
    return new FatalConnectionError(
      `the server's TLS certificate is not trusted (${e.code}: ${e.message}). ` +
        "For a private CA, start Herald with NODE_EXTRA_CA_CERTS=/path/to/ca.pem",
    );
  }
  return undefined;
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return [e?.code, e?.message].filter(Boolean).join(": ") || String(err);
}

/**
 * What an operator should check when Herald keeps failing to reach its XMPP server, in words.
 * Node's errors name a symptom (ECONNREFUSED, ERR_SSL_WRONG_VERSION_NUMBER); this says which setting
 * to look at: the host and port tried, STARTTLS (xmpp://) versus direct TLS (xmpps://), the
 * server's certificate. Pure: the connection logs it after a few failed attempts.
 */

/** After this many failed attempts in a row at start-up, the connection logs the advice (once). */
export const ADVICE_AFTER_ATTEMPTS = 3;

export interface AdviceTarget {
  /** xmpp://host[:port] or xmpps://host[:port], as given to xmpp.js. */
  readonly service: string;
  /** The JID's domain. */
  readonly domain: string;
}

const STARTTLS_PORT = 5222;
const DIRECT_TLS_PORT = 5223;

/** The things to check, most specific first; every item is one sentence. */
export function connectionAdvice(err: unknown, target: AdviceTarget): string[] {
  const e = err as { code?: string; message?: string } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : String(err);
  const where = parseService(target);
  const tried = where.srv
    ? `no xmpp.service is set, so Herald looked up the DNS SRV records of ${target.domain} (falling back to ${target.domain}:${STARTTLS_PORT})`
    : `Herald tried ${where.host} port ${where.port} with ${where.directTls ? "direct TLS (xmpps://)" : "STARTTLS when offered (xmpp://)"}`;
  const advice = [`${tried}; set xmpp.service to xmpp://host:port (STARTTLS, usually port ${STARTTLS_PORT}) or xmpps://host:port (direct TLS, usually port ${DIRECT_TLS_PORT})`];
  const specific = specificAdvice(code, message, where);
  if (specific !== undefined) advice.unshift(specific);
  advice.push(
    "a certificate Node does not trust stops Herald with its own message; for a private CA start Herald with NODE_EXTRA_CA_CERTS=/path/to/ca.pem",
  );
  return advice;
}

interface Where {
  readonly host: string;
  readonly port: number;
  readonly directTls: boolean;
  /** No explicit service: xmpp.js resolves the domain's SRV records. */
  readonly srv: boolean;
}

function parseService(target: AdviceTarget): Where {
  try {
    const url = new URL(target.service);
    const directTls = url.protocol === "xmpps:";
    const port = url.port === "" ? (directTls ? DIRECT_TLS_PORT : STARTTLS_PORT) : Number(url.port);
    const srv = !directTls && url.port === "" && url.hostname === target.domain;
    return { host: url.hostname, port, directTls, srv };
  } catch {
    return { host: target.domain, port: STARTTLS_PORT, directTls: false, srv: true };
  }
}

function specificAdvice(code: string, message: string, where: Where): string | undefined {
  const at = `${where.host}:${where.port}`;
  if (code === "ERR_SSL_WRONG_VERSION_NUMBER" || /wrong version number/i.test(message)) {
    return where.directTls
      ? `xmpps:// means direct TLS, but ${at} answered without TLS: it is probably a STARTTLS port; use xmpp://${at}, or the server's direct TLS port (often ${DIRECT_TLS_PORT}) with xmpps://`
      : `${at} did not speak TLS when Herald expected it to; check that the port is the server's client port (often ${STARTTLS_PORT})`;
  }
  if (/HANDSHAKE_FAILURE|handshake failure|no shared cipher|SSLV3_ALERT/i.test(`${code} ${message}`)) {
    return `the TLS handshake with ${at} failed: the server offers TLS (STARTTLS) but probably has no certificate for ${where.srv ? "the domain" : "this host"} (Prosody logs "no shared cipher"); give the server a certificate, or on a trusted network stop offering TLS (Prosody: remove "tls" from modules_enabled)`;
  }
  if (code === "ECONNREFUSED") {
    return `nothing accepts connections on ${at}: is the XMPP server running and listening there (Prosody: c2s_ports and interfaces; ejabberd: listen), and is the port right?`;
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return `the host name ${where.host} does not resolve: check xmpp.service (or the domain of xmpp.jid) and this machine's DNS`;
  }
  if (code === "ETIMEDOUT" || code === "EHOSTUNREACH" || code === "ENETUNREACH" || /timed? ?out/i.test(message)) {
    return `no answer from ${at}: check the address, and any firewall between Herald and the server`;
  }
  if (code === "ECONNRESET" || /socket|closed/i.test(message)) {
    return where.directTls
      ? `${at} closed the connection during TLS: check that it is a direct TLS port`
      : `${at} closed the connection: if it is a direct TLS port (often ${DIRECT_TLS_PORT}), use xmpps://${at}`;
  }
  return undefined;
}

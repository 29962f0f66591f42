/**
 * One HTTP(S) request on node:http(s), up to its headers, then its body: the transport under
 * http-fetch.ts, which owns the HTTP semantics (redirects, status codes, validators).
 *
 * Why node:http(s) and not fetch(): the connection must go to the very address the address policy
 * vetted. A `lookup` that answers with the vetted addresses does that, while the Host header and TLS
 * SNI stay the host name (fetch() could do it only through undici's Agent, a dependency).
 *
 * Sockets are kept alive and reused (RFC 9112 §9.3): feeds on one host (a planet, a blog platform)
 * then cost no new TCP and TLS handshake per poll, which was most of an unchanged poll's CPU in the
 * bench. Each address policy has its own pool, so a socket opened under one policy never serves a
 * call under another; an idle socket is closed after a few seconds, before a typical server's
 * keep-alive timeout (5 s for Apache and Node) could close it under a new request.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { pipeline, type Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { vetHost, type AddressPolicy, type ResolvedAddress, type ResolveHost } from "./address-policy.js";
import { FetchError } from "./fetch-error.js";

export interface HopOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly policy: AddressPolicy;
  readonly resolveHost: ResolveHost;
  readonly connectTimeoutMs: number;
  readonly signal: AbortSignal;
}

/**
 * One request, up to its response headers. The connect timer covers the lookup, the TCP connect
 * and the TLS handshake; the total deadline (`signal`) covers everything.
 *
 * Cheap on purpose: an unchanged poll is mostly this function and node:http (docs/PERFORMANCE.md).
 * A pooled socket is connected already, so the connect timer starts only when there is something
 * to connect (a name to vet, a new socket), and the request listens on the total deadline itself
 * rather than through a second AbortController.
 */
export async function requestOnce(url: URL, hop: HopOptions): Promise<IncomingMessage> {
  const startedAt = performance.now();
  const connectError = () => new FetchError(`could not connect to ${url.host} within ${hop.connectTimeoutMs / 1000} s`, true);
  const vetted = hop.policy === "any" ? undefined : await vetWithin(vetHost(url.hostname, hop.policy, hop.resolveHost), hop, connectError);
  return new Promise<IncomingMessage>((resolve, reject) => {
    if (hop.signal.aborted) return reject(hop.signal.reason);
    const https = url.protocol === "https:";
    const req = (https ? httpsRequest : httpRequest)(url, {
      method: "GET",
      headers: hop.headers,
      agent: agentFor(hop.policy, https),
      ...(vetted === undefined ? {} : { lookup: pinnedLookup(vetted) }),
    });
    let connectTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const done = () => {
      settled = true;
      clearTimeout(connectTimer);
      hop.signal.removeEventListener("abort", onTotal);
    };
    const fail = (err: unknown) => {
      if (settled) return;
      done();
      req.destroy();
      reject(hop.signal.aborted ? hop.signal.reason : err);
    };
    const onTotal = () => fail(hop.signal.reason);
    hop.signal.addEventListener("abort", onTotal, { once: true });
    req.once("socket", (socket) => {
      // A pooled socket is connected already: nothing to time.
      if (!socket.connecting || settled) return;
      // What the name's vetting used of the connect budget is not given again.
      const left = Math.max(0, hop.connectTimeoutMs - (performance.now() - startedAt));
      connectTimer = setTimeout(() => fail(connectError()), left);
      socket.once(https ? "secureConnect" : "connect", () => clearTimeout(connectTimer));
    });
    req.on("error", fail);
    req.once("response", (response) => {
      // From here on only the total deadline applies, and readBody watches it.
      done();
      resolve(response);
    });
    req.end();
  });
}

/** The address policy's look-up, bounded by the connect timer and the total deadline. */
function vetWithin<T>(promise: Promise<T>, hop: HopOptions, connectError: () => FetchError): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (hop.signal.aborted) return reject(hop.signal.reason);
    const onAbort = () => reject(hop.signal.reason);
    const timer = setTimeout(() => reject(connectError()), hop.connectTimeoutMs);
    hop.signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      hop.signal.removeEventListener("abort", onAbort);
    });
  });
}

/** An idle pooled socket is closed after this (below the 5 s keep-alive of Apache and Node servers). */
const IDLE_SOCKET_MS = 4_000;
const agents = new Map<string, HttpAgent | HttpsAgent>();

/** The keep-alive pool for one address policy and scheme. */
function agentFor(policy: AddressPolicy, https: boolean): HttpAgent | HttpsAgent {
  // The common policies are strings: no serialising on every request for them.
  const key = `${https ? "https" : "http"} ${typeof policy === "string" ? policy : JSON.stringify(policy)}`;
  let agent = agents.get(key);
  if (agent === undefined) {
    const options = { keepAlive: true, timeout: IDLE_SOCKET_MS, maxFreeSockets: 64, scheduling: "lifo" as const };
    agent = https ? new HttpsAgent(options) : new HttpAgent(options);
    agents.set(key, agent);
  }
  return agent;
}

/**
 * Lets a response that will not be read go: a short or empty body (a 304, a redirect, an error
 * page) is drained so its socket returns to the pool; a long one closes the socket instead.
 */
export function discardResponse(response: IncomingMessage): void {
  const length = Number(header(response, "content-length") ?? (response.statusCode === 304 ? 0 : NaN));
  if (Number.isFinite(length) && length <= 64 * 1024) response.resume();
  else response.destroy();
}

/** A `lookup` for net.connect that answers with the vetted addresses and never asks DNS again. */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const asked = typeof options === "object" && options !== null ? options.family : undefined;
    const family = asked === "IPv4" ? 4 : asked === "IPv6" ? 6 : asked;
    const usable = addresses.filter((a) => !family || family === a.family);
    if (usable.length === 0) return void callback(Object.assign(new Error("no vetted address of the requested family"), { code: "ENOTFOUND" }), "", 0);
    // Node >= 20 asks for all addresses (happy eyeballs, autoSelectFamily); older callers want one.
    if (typeof options === "object" && options !== null && options.all) return void (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [...usable]);
    callback(null, usable[0]!.address, usable[0]!.family);
  };
}

/** Reads the body, undoing Content-Encoding, and stops as soon as it passes `maxBytes`. */
export async function readBody(response: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  const declared = Number(header(response, "content-length"));
  if (header(response, "content-encoding") === undefined && Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw tooLarge(maxBytes);
  }
  const onAbort = () => response.destroy(signal.reason);
  if (signal.aborted) onAbort();
  signal.addEventListener("abort", onAbort, { once: true });
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of decoded(response)) {
      total += (chunk as Buffer).byteLength;
      if (total > maxBytes) throw tooLarge(maxBytes);
      chunks.push(chunk as Buffer);
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    // A body read to its end leaves the socket to the pool; one cut short closes it.
    if (!response.complete) response.destroy();
  }
  return Buffer.concat(chunks);
}

/** The body with Content-Encoding (RFC 9110 §8.4) undone; a coding we do not know is passed as is. */
function decoded(response: IncomingMessage): Readable {
  const codings = (header(response, "content-encoding") ?? "")
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "" && c !== "identity");
  const decoders = codings.reverse().map((c) => (c === "gzip" || c === "x-gzip" ? createGunzip() : c === "deflate" ? createInflate() : c === "br" ? createBrotliDecompress() : undefined));
  if (decoders.length === 0 || decoders.includes(undefined)) return response;
  const streams = decoders as NodeJS.ReadWriteStream[];
  return pipeline([response, ...streams], () => undefined) as unknown as Readable;
}

export function header(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function tooLarge(maxBytes: number): FetchError {
  return new FetchError(`feed is larger than the ${Math.round(maxBytes / 1024 / 1024)} MB limit`, false);
}

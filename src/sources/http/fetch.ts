/**
 * Fetches a feed over HTTP(S): a conditional GET (RFC 9110 §13.1), redirects followed by hand so
 * each hop is vetted and counted, a connect timeout per hop and a total timeout for the whole fetch,
 * a cap on the body, and errors that say whether trying again may help. The sockets, timers and
 * body decoding are in http-transport.ts.
 */
import type { IncomingMessage } from "node:http";
import { AddressRefusedError, systemResolver, type AddressPolicy, type ResolveHost } from "./address-policy.js";
import { decodeFeedBody, gunzipIfCompressed } from "../feeds/decode.js";
import { FetchError } from "./fetch-error.js";
import { discardResponse, header, readBody, requestOnce } from "./transport.js";
import { SourceError } from "../errors.js";
import { freshLifetimeMs, linkHeaderRelations } from "./freshness.js";

export { FetchError, type FetchErrorDetails } from "./fetch-error.js";

/** What we remember between polls to make them conditional (RFC 9110 §13.1). */
export interface Validators {
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
}

/** What the response says about itself beyond its body: freshness and WebSub discovery links. */
export interface ResponseHints {
  /** RFC 9111 §4.2.1 freshness lifetime (max-age, or Expires minus Date), when given. */
  readonly freshForMs?: number | undefined;
  /** `Link: <…>; rel="hub"` and `rel="self"` (W3C WebSub §4), absolute. */
  readonly hub?: string | undefined;
  readonly self?: string | undefined;
}

export type FetchResult =
  | { readonly kind: "not-modified"; readonly permanentRedirect?: string; readonly hints?: ResponseHints }
  | {
      readonly kind: "fetched";
      readonly hints?: ResponseHints;
      readonly text: string;
      /** Where the feed was finally found, after redirects: the document's base URI. */
      readonly url: string;
      readonly validators: Validators;
      readonly bytes: number;
      /**
       * Set when the requested URL was permanently redirected (301/308, RFC 9110 §15.4.2): the URL
       * to ask next time. When a chain mixes kinds, only the permanent hops from the start count
       * (A -301-> B -302-> C gives B).
       */
      readonly permanentRedirect?: string;
    };

export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const MAX_REDIRECTS = 5;
export const MAX_RETRY_AFTER_MS = 24 * 3600_000;

export interface FetchOptions {
  readonly userAgent: string;
  /** Bounds the whole fetch: every redirect hop, the headers and the body. */
  readonly timeoutMs: number;
  /** Bounds each hop's name lookup, TCP connect and TLS handshake. Default 10 s (never more than timeoutMs). */
  readonly connectTimeoutMs?: number;
  /** Largest body accepted, after Content-Encoding is undone. Default 20 MB. */
  readonly maxBytes?: number;
  /** Default for every call; a call can override it. Default "any" (the config file's feeds are trusted as written). */
  readonly addressPolicy?: AddressPolicy;
  /** Name resolution used when the address policy checks; default the system resolver (dns.lookup). */
  readonly resolveHost?: ResolveHost;
  /** The clock Retry-After dates are measured against. */
  readonly now?: () => number;
}

export interface FetchCallOptions {
  readonly addressPolicy?: AddressPolicy;
}

export type FetchFeed = (url: string, validators: Validators, options?: FetchCallOptions) => Promise<FetchResult>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function createHttpFetcher(options: FetchOptions): FetchFeed {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const connectTimeoutMs = Math.min(options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, options.timeoutMs);
  const resolveHost = options.resolveHost ?? systemResolver;
  const now = options.now ?? Date.now;
  const baseHeaders: Readonly<Record<string, string>> = {
    "user-agent": options.userAgent,
    accept: "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5",
    "accept-encoding": "gzip, deflate, br",
  };

  return async (url, validators, call = {}) => {
    const policy = call.addressPolicy ?? options.addressPolicy ?? "any";
    const headers: Record<string, string> = { ...baseHeaders };
    if (validators.etag) headers["if-none-match"] = validators.etag;
    if (validators.lastModified) headers["if-modified-since"] = validators.lastModified;

    // One deadline for everything; its reason is the error the fetch fails with.
    const total = new AbortController();
    const deadline = setTimeout(() => total.abort(new FetchError(`no complete answer within ${options.timeoutMs / 1000} s`, true)), options.timeoutMs);
    try {
      let current = parseHttpUrl(url);
      const chain = [current.href];
      let permanentRedirect: string | undefined;
      let permanentSoFar = true;
      for (;;) {
        const response = await requestOnce(current, { headers, policy, resolveHost, connectTimeoutMs, signal: total.signal });
        const status = response.statusCode ?? 0;
        if (REDIRECTS.has(status)) {
          discardResponse(response);
          const next = redirectTarget(response, current, chain);
          if (permanentSoFar && (status === 301 || status === 308)) permanentRedirect = next.href;
          else permanentSoFar = false;
          current = next;
          continue;
        }
        const moved = permanentRedirect === undefined ? {} : { permanentRedirect };
        if (status === 304) {
          discardResponse(response);
          // A 304 carries the headers a 200 would (RFC 9110 §15.4.5): freshness included.
          return { kind: "not-modified", ...moved, ...responseHints(response, current.href, now()) };
        }
        if (status < 200 || status > 299) {
          discardResponse(response);
          throw statusError(response, now());
        }
        const body = await readBody(response, maxBytes, total.signal);
        // A body that is itself a .gz file (no Content-Encoding) is undone here.
        const bytes = gunzipIfCompressed(body, maxBytes);
        return {
          kind: "fetched",
          text: decodeFeedBody(bytes, header(response, "content-type") ?? null),
          url: current.href,
          bytes: body.byteLength,
          validators: { etag: header(response, "etag"), lastModified: header(response, "last-modified") },
          ...responseHints(response, current.href, now()),
          ...moved,
        };
      }
    } catch (err) {
      // Whatever broke once the deadline passed broke because of it.
      if (total.signal.aborted) throw total.signal.reason;
      throw toFetchError(err);
    } finally {
      clearTimeout(deadline);
    }
  };
}

/** `{ hints }` when the response says anything of its freshness or its hub; `{}` when not. */
function responseHints(response: IncomingMessage, url: string, now: number): { hints?: ResponseHints } {
  const links = linkHeaderRelations(header(response, "link"), url);
  const fresh = freshLifetimeMs({ cacheControl: header(response, "cache-control"), expires: header(response, "expires"), date: header(response, "date") }, now);
  const hints = { freshForMs: fresh, hub: links.get("hub"), self: links.get("self") };
  return Object.values(hints).some((v) => v !== undefined) ? { hints } : {};
}

function parseHttpUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new FetchError(`"${text}" is not a URL`, false);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new FetchError(`${url.protocol} URLs cannot be fetched; only http: and https:`, false);
  // A fragment is never sent (RFC 9110 §7.1). Set only when there is one: the setter
  // re-serialises the whole URL even to clear an empty fragment.
  if (url.hash !== "" || url.href.endsWith("#")) url.hash = "";
  return url;
}

/** The next URL of a redirect, or an error for a loop, too many hops, or no usable Location. */
function redirectTarget(response: IncomingMessage, from: URL, chain: string[]): URL {
  const location = header(response, "location");
  if (location === undefined) throw new FetchError(`HTTP ${response.statusCode} redirect without a Location header from ${from.href}`, false, response.statusCode);
  const next = parseHttpUrl(location, from);
  const seen = chain.includes(next.href);
  chain.push(next.href);
  if (seen) throw new FetchError(`redirect loop: ${chain.join(" → ")}`, false, response.statusCode);
  if (chain.length - 1 > MAX_REDIRECTS) throw new FetchError(`more than ${MAX_REDIRECTS} redirects: ${chain.join(" → ")}`, false, response.statusCode);
  return next;
}

function statusError(response: IncomingMessage, now: number): FetchError {
  const status = response.statusCode ?? 0;
  const label = `HTTP ${status} ${response.statusMessage ?? ""}`.trim();
  if (status === 410) return new FetchError(`${label}: the feed was removed`, false, status, { gone: true });
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(header(response, "retry-after"), now);
    if (retryAfterMs === undefined) return new FetchError(label, true, status);
    return new FetchError(`${label} (retry after ${Math.ceil(retryAfterMs / 1000)} s)`, true, status, { retryAfterMs });
  }
  // 5xx and 408 are the server's passing trouble; other 4xx (404 included) need a person to fix the URL.
  return new FetchError(label, status >= 500 || status === 408, status);
}

/** Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), clamped to [0, 24 h]. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

function toFetchError(err: unknown): Error {
  if (err instanceof FetchError) return err;
  if (err instanceof AddressRefusedError) return new FetchError(err.message, false, undefined, { refusedAddress: err.address });
  // A body that cannot be turned into text (decode.ts) keeps its own class and flag.
  if (err instanceof SourceError) return err;
  const e = err as { code?: string; message?: string; hostname?: string };
  // zlib: the bytes are not what Content-Encoding says; the same bytes fail again.
  if (e?.code === "Z_DATA_ERROR" || e?.code?.startsWith("ERR__ERROR")) {
    return new FetchError(`the body does not decompress as its Content-Encoding says (${e.message ?? e.code})`, false);
  }
  const what = e?.code ?? e?.message ?? String(err);
  // A failed name lookup says which name (dns.lookup sets `hostname`).
  return new FetchError(`network error: ${e?.hostname ? `${what} ${e.hostname}` : what}`, true);
}

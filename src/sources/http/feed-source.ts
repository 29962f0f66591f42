import type { AddressPolicy } from "./address-policy.js";
import type { FetchFeed } from "./fetch.js";
import { parseFeedText } from "../feeds/parse-feed.js";
import type { ReadSource } from "../source.js";

export interface HttpFeedOptions {
  /** Where this feed's URL may lead (see address-policy.ts); default: the fetcher's own default. */
  readonly addressPolicy?: AddressPolicy;
}

/** An RSS/Atom feed over HTTP: a conditional GET, then the lenient feed parser on the text. */
export function httpFeedSource(url: string, fetchFeed: FetchFeed, options: HttpFeedOptions = {}): ReadSource {
  const call = options.addressPolicy === undefined ? undefined : { addressPolicy: options.addressPolicy };
  return async (validators) => {
    const fetched = await fetchFeed(url, validators, call);
    // A permanent redirect is handed up so the caller can remember the new URL.
    const moved = fetched.permanentRedirect === undefined ? {} : { permanentRedirect: fetched.permanentRedirect };
    if (fetched.kind === "not-modified") return { kind: "not-modified", ...moved, ...(fetched.hints ? { hints: { freshForMs: fetched.hints.freshForMs } } : {}) };
    // The response URL (after redirects) is the document's base URI (RFC 3986 §5.1.3).
    const parsed = parseFeedText(fetched.text, fetched.url);
    const http = fetched.hints ?? {};
    // W3C WebSub §4: the HTTP Link header is checked first, then the document's own links.
    const hints = { ...parsed.hints, freshForMs: http.freshForMs, hub: http.hub ?? parsed.hints.hub, self: http.self ?? parsed.hints.self };
    return { kind: "entries", title: parsed.title, link: parsed.link, entries: parsed.entries, validators: fetched.validators, hints, ...moved };
  };
}

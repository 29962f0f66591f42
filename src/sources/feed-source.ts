import type { FetchFeed } from "./http-fetch.js";
import { parseFeedText } from "./parse-feed.js";
import type { ReadSource } from "./source.js";

/** An RSS/Atom feed over HTTP: a conditional GET, then the lenient feed parser on the text. */
export function httpFeedSource(url: string, fetchFeed: FetchFeed): ReadSource {
  return async (validators) => {
    const fetched = await fetchFeed(url, validators);
    if (fetched.kind === "not-modified") return fetched;
    // The response URL (after redirects) is the document's base URI (RFC 3986 §5.1.3).
    const parsed = parseFeedText(fetched.text, fetched.url);
    return { kind: "entries", title: parsed.title, link: parsed.link, entries: parsed.entries, validators: fetched.validators };
  };
}

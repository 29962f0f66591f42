import type { FetchFeed } from "./http-fetch.js";
import { parseFeed } from "./parse-feed.js";
import type { ReadSource } from "./source.js";

/** An RSS/Atom feed over HTTP: a conditional GET, then rss-parser on the text. */
export function httpFeedSource(url: string, fetchFeed: FetchFeed): ReadSource {
  return async (validators) => {
    const fetched = await fetchFeed(url, validators);
    if (fetched.kind === "not-modified") return fetched;
    const parsed = await parseFeed(fetched.text, fetched.url);
    return { kind: "entries", title: parsed.title, entries: parsed.entries, validators: fetched.validators };
  };
}

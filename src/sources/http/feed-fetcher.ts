import { limitConcurrency } from "../../util/limit.js";
import { createHttpFetcher, type FetchFeed } from "./fetch.js";

export interface FeedFetcherOptions {
  readonly version: string;
  /** Who runs this Herald (an address), for feed owners reading their logs. */
  readonly contact: string | undefined;
  readonly timeoutMs: number;
}

/** How many feed fetches may be under way at once, so a trickling feed never holds up the rest. */
const FETCH_CONCURRENCY = 32;
const MAX_FEED_BYTES = 20 * 1024 * 1024;

/** The fetcher every HTTP feed shares: one User-Agent, one size cap, a bound on fetches at once. */
export function createFeedFetcher(options: FeedFetcherOptions): FetchFeed {
  return limitConcurrency(
    createHttpFetcher({
      // Feed owners see who polls them and how to reach whoever runs this bot.
      userAgent: `Herald/${options.version} (XMPP feed bot${options.contact ? `; ${options.contact}` : ""})`,
      timeoutMs: options.timeoutMs,
      maxBytes: MAX_FEED_BYTES,
    }),
    FETCH_CONCURRENCY,
  );
}

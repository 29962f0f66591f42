import { readFeedOrPage } from "../sources/http/discover.js";
import type { Logger } from "../log.js";
import { feedLocation } from "../config/schema.js";
import type { LiveFeed, Registry } from "../live/registry.js";
import type { FeedStateStore } from "../store/store.js";
import type { AddressPolicy } from "../sources/http/address-policy.js";
import type { FetchFeed } from "../sources/http/fetch.js";
import { httpFeedSource } from "../sources/http/feed-source.js";
import { markdownFolderSource } from "../sources/markdown/source.js";
import { watchFolder } from "../sources/markdown/watch.js";
import type { FeedSpec, Poller } from "./poller.js";

export interface FeedSetDeps {
  readonly registry: Registry;
  readonly feedState: FeedStateStore;
  readonly poller: Pick<Poller, "setFeeds" | "pollNow">;
  readonly fetchFeed: FetchFeed;
  /** Where feeds that admins add at runtime may lead (the config's `allow_private_addresses`). */
  readonly runtimePolicy: AddressPolicy;
  /** Tells the admins something only they can act on (the config file names an old address). */
  readonly notifyAdmins: (text: string) => void;
  /** Told the names of the feeds applied (WebSub ends the subscriptions of feeds that went). */
  readonly onApplied?: (names: ReadonlySet<string>) => void;
  /** Whether this instance polls a feed (it holds the feed's lease, cluster/leases.ts); absent: every feed. */
  readonly mine?: (feed: string) => boolean;
  readonly log: Logger;
}

export type FeedSet = ReturnType<typeof createFeedSet>;

/**
 * Keeps the poller's feeds equal to the live configuration: each feed becomes a source (HTTP, or
 * a watched Markdown folder), a feed that answered 410 Gone stays off until its location changes,
 * and a feed that moved for good is remembered at its new address.
 */
export function createFeedSet(deps: FeedSetDeps) {
  const { log } = deps;
  let watchers: { close(): void }[] = [];
  /** Moves of file-made feeds already told about in this run, as "name url". */
  const warned = new Set<string>();
  /** Counts apply() calls: only the latest one may hand its feeds to the poller. */
  let applying = 0;

  const toSpec = (feed: LiveFeed): FeedSpec => ({
    name: feed.name,
    location: feedLocation(feed),
    intervalMs: feed.intervalMs,
    read:
      feed.kind === "folder"
        ? markdownFolderSource({ ...feed, onDiagnostic: (problem) => log.warn({ feed: feed.name, problem }, "post skipped") })
        : // Feeds admins add at runtime may not reach non-public addresses unless the config allows it.
          httpFeedSource(feed.url, deps.fetchFeed, { addressPolicy: deps.registry.feedOrigin(feed.name) === "admin" ? deps.runtimePolicy : "any" }),
  });

  function closeWatchers(): void {
    watchers.forEach((w) => w.close());
    watchers = [];
  }

  return {
    /** Applies the live configuration's feeds; call again whenever they change. */
    async apply(): Promise<void> {
      const call = ++applying;
      const mine = deps.mine ?? (() => true);
      const live = deps.registry.feeds().filter((f) => mine(f.name));
      const states = await Promise.all(live.map((f) => deps.feedState.get(f.name)));
      // A later apply started while these states were read: it has the newer configuration, and
      // this one must not set the poller back to the older one after it.
      if (call !== applying) return;
      const feeds = live.filter((f, i) => {
        const state = states[i];
        return state?.goneAt === undefined || state.url !== feedLocation(f);
      });
      deps.poller.setFeeds(feeds.map(toSpec));
      deps.onApplied?.(new Set(feeds.map((f) => f.name)));
      closeWatchers();
      // A folder feed is also watched, so a new post is announced within seconds, not at the next poll.
      watchers = feeds.flatMap((feed) =>
        feed.kind === "folder"
          ? [watchFolder(feed.path, () => void deps.poller.pollNow(feed.name), { onError: (err) => log.warn({ feed: feed.name, err }, "cannot watch folder; polling only") })]
          : [],
      );
    },
    /**
     * RFC 9110 §15.4.2: a permanent redirect means the feed lives at the new URL from now on. Its
     * history stays (posts are kept per feed name, so nothing is announced again). A feed an admin
     * added follows the move; one from the config file keeps the file's address, which only the
     * operator may change, and the admins are told the new one once per run.
     */
    moved(name: string, url: string): void {
      const feed = deps.registry.feed(name);
      if (feed?.kind !== "http") return;
      if (deps.registry.feedOrigin(name) === "admin") {
        log.info({ feed: name, from: feed.url, to: url }, "feed moved permanently; remembering the new URL");
        void deps.registry.putFeed({ ...feed, url }).catch((err: unknown) => log.error({ feed: name, url, err }, "could not remember the feed's new URL"));
        return;
      }
      log.warn({ feed: name, from: feed.url, to: url }, "feed moved permanently; update its url in the config file");
      if (warned.has(`${name} ${url}`)) return;
      warned.add(`${name} ${url}`);
      deps.notifyAdmins(`Feed ${name} has moved for good to ${url}. Its url in the config file is still ${feed.url}: change it there; until then I follow the redirect.`);
    },
    /**
     * Reads a feed URL once, recording nothing, with the runtime address policy: to vet a feed an
     * admin adds. A blog's home page is followed to the feed it links to (sources/http/discover.ts).
     */
    tryFeed(url: string) {
      return readFeedOrPage(url, deps.fetchFeed, { addressPolicy: deps.runtimePolicy });
    },
    stop: closeWatchers,
  };
}

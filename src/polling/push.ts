/**
 * WebSub push for HTTP feeds: joins the subscriber (sources/websub/) to the poller. A read that
 * finds a hub subscribes; a verified push is read like a poll that found the body (same parser,
 * identity and outbox); a feed removed, or no longer advertising a hub, is unsubscribed. Without
 * `http.public_url` none of this exists and feeds are only polled.
 */
import type { Logger } from "../log.js";
import type { Poller } from "./poller.js";
import type { SourceHints } from "../sources/source.js";
import { decodeFeedBody } from "../sources/feeds/decode.js";
import { parseFeedText } from "../sources/feeds/parse-feed.js";
import { createSubscriber, type HubPost } from "../sources/websub/subscriber.js";
import { systemResolver, vetHost, type AddressPolicy } from "../sources/http/address-policy.js";

export interface PushDeps {
  readonly publicUrl: string;
  /** The poller, bound late (it is built with this module's `active` and `hints`). */
  readonly poller: () => Pick<Poller, "pushed" | "reschedule">;
  /** Where a feed's hub may be (feeds admins added stay off private addresses unless allowed). */
  readonly policyFor: (feed: string) => AddressPolicy;
  readonly userAgent: string;
  readonly timeoutMs: number;
  readonly onDelivery?: (result: "accepted" | "rejected" | "unknown") => void;
  readonly log: Logger;
  readonly now: () => number;
}

export type Push = ReturnType<typeof createPush>;

export function createPush(deps: PushDeps) {
  const { log } = deps;
  /** The topic each subscribed feed is known by at its hub (its rel="self", else its URL). */
  const topics = new Map<string, string>();

  const post: HubPost = async (hub, form) => {
    const response = await fetch(hub, {
      method: "POST",
      body: form,
      headers: { "user-agent": deps.userAgent },
      redirect: "error",
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    return { status: response.status, text: (await response.text()).trim() };
  };

  const subscriber = createSubscriber({
    publicUrl: deps.publicUrl,
    post: async (hub, form) => {
      const feed = [...topics].find(([, topic]) => topic === form.get("hub.topic"))?.[0];
      const policy = feed === undefined ? "any" : deps.policyFor(feed);
      // A hub named by a feed an admin added is vetted like that feed's own address (SSRF).
      if (policy !== "any") await vetHost(new URL(hub).hostname, policy, systemResolver);
      return post(hub, form);
    },
    onContent: (feed, body, contentType) => {
      const topic = topics.get(feed);
      if (topic === undefined) return;
      void deps.poller().pushed(feed, async (validators) => {
        // Undecodable or unparsable bytes fail this read like a fetched body would (a SourceError).
        const text = decodeFeedBody(body, contentType ?? null);
        // The topic URL is the pushed document's base URI, as the fetched one's URL is.
        const parsed = parseFeedText(text, topic);
        return { kind: "entries", title: parsed.title, link: parsed.link, entries: parsed.entries, validators };
      });
    },
    onChange: (feed) => deps.poller().reschedule(feed),
    ...(deps.onDelivery ? { onDelivery: deps.onDelivery } : {}),
    log,
    now: deps.now,
  });

  return {
    /** What a feed's read said: subscribe to its hub, or end a subscription it no longer names. */
    hints(feed: string, location: string, hints: SourceHints): void {
      if (hints.hub === undefined) {
        subscriber.unwant(feed);
        topics.delete(feed);
        return;
      }
      // W3C WebSub §4: the topic is the rel="self" URL; a feed without one is its own topic.
      const topic = hints.self ?? location;
      topics.set(feed, topic);
      subscriber.want(feed, topic, hints.hub);
    },
    /** Keeps the subscriptions of these feeds only. */
    retain(feeds: ReadonlySet<string>): void {
      subscriber.retain(feeds);
      for (const feed of topics.keys()) if (!feeds.has(feed)) topics.delete(feed);
    },
    active: (feed: string) => subscriber.active(feed),
    status: (feed: string) => subscriber.status(feed),
    counts: () => subscriber.counts(),
    handle: subscriber.handle,
    stop: () => subscriber.stop(),
  };
}

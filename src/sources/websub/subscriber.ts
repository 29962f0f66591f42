/**
 * A WebSub subscriber (W3C Recommendation, 2018): subscribes to the hub a feed advertises, with
 * a callback on Herald's HTTP listener, answers the hub's verification of intent only for what it
 * asked, checks each delivery's signature, renews before the lease ends and unsubscribes when the
 * feed goes. Each subscription has its own callback path and secret, both random: a restart makes
 * new ones, so a hub still pushing to an old callback gets 410 Gone and drops it (§7).
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "../../log.js";
import { checkSignature } from "./signature.js";

/** What the HTTP listener hands over: one request to a callback path. */
export interface CallbackRequest {
  readonly method: string;
  /** The last path segment: the subscription's callback id. */
  readonly id: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Uint8Array;
}

export interface CallbackResponse {
  readonly status: number;
  readonly body?: string;
}

export type HubPost = (hub: string, form: URLSearchParams) => Promise<{ readonly status: number; readonly text: string }>;

export interface SubscriberDeps {
  /** Herald's public base URL (`http.public_url`); callbacks are `<base>/websub/<id>`. */
  readonly publicUrl: string;
  /** Sends a form to a hub (main: fetch with a timeout, vetted like the feed's own address). */
  readonly post: HubPost;
  /** A verified, correctly signed delivery: the feed's new content. */
  readonly onContent: (feed: string, body: Uint8Array, contentType: string | undefined) => void;
  /** A feed's push began or ended: its polling interval changes. */
  readonly onChange: (feed: string) => void;
  /** Each delivery's fate, for /metrics. */
  readonly onDelivery?: (result: "accepted" | "rejected" | "unknown") => void;
  readonly log: Logger;
  readonly now: () => number;
  /** Lease asked for (the hub decides). Default 10 days. */
  readonly leaseSeconds?: number;
}

type State = "requested" | "active" | "denied" | "failed";

interface Subscription {
  readonly feed: string;
  readonly topic: string;
  readonly hub: string;
  readonly id: string;
  readonly secret: string;
  state: State;
  leaseEndsAt: number | undefined;
  failures: number;
  timer: NodeJS.Timeout | undefined;
  lastError: string | undefined;
}

export interface PushStatus {
  readonly hub: string;
  readonly topic: string;
  readonly state: State;
  readonly leaseEndsAt: number | undefined;
  readonly lastError: string | undefined;
}

const DEFAULT_LEASE_S = 10 * 86_400;
/** A failed subscription request is tried again after this, doubling up to the cap. */
const RETRY_MS = 60_000;
const MAX_RETRY_MS = 3_600_000;
/** An unsubscription the hub never verifies is forgotten after this. */
const UNSUBSCRIBE_WAIT_MS = 3_600_000;

export type Subscriber = ReturnType<typeof createSubscriber>;

export function createSubscriber(deps: SubscriberDeps) {
  const { log } = deps;
  const leaseSeconds = deps.leaseSeconds ?? DEFAULT_LEASE_S;
  const base = deps.publicUrl.endsWith("/") ? deps.publicUrl : `${deps.publicUrl}/`;
  const byFeed = new Map<string, Subscription>();
  const byId = new Map<string, Subscription>();
  /** Subscriptions being undone: only these may be verified with mode=unsubscribe. */
  const leaving = new Map<string, Subscription>();
  let stopped = false;

  const callbackOf = (sub: Subscription) => new URL(`websub/${sub.id}`, base).href;

  function setTimer(sub: Subscription, ms: number, run: () => void): void {
    clearTimeout(sub.timer);
    if (stopped) return;
    sub.timer = setTimeout(run, ms);
    sub.timer.unref?.();
  }

  async function request(sub: Subscription, mode: "subscribe" | "unsubscribe"): Promise<void> {
    const form = new URLSearchParams({ "hub.callback": callbackOf(sub), "hub.mode": mode, "hub.topic": sub.topic });
    if (mode === "subscribe") {
      form.set("hub.secret", sub.secret);
      form.set("hub.lease_seconds", String(leaseSeconds));
    }
    let problem: string | undefined;
    try {
      const answer = await deps.post(sub.hub, form);
      // §5.1.2: 202 Accepted is what the hub should answer; any 2xx means it took the request.
      if (answer.status < 200 || answer.status > 299) problem = `hub answered HTTP ${answer.status}${answer.text ? `: ${answer.text.slice(0, 200)}` : ""}`;
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
    }
    if (mode === "unsubscribe") {
      if (problem) log.warn({ feed: sub.feed, hub: sub.hub, problem }, "WebSub unsubscription failed; the hub's lease will run out");
      return;
    }
    if (problem === undefined) {
      log.info({ feed: sub.feed, hub: sub.hub, topic: sub.topic }, "WebSub subscription requested; waiting for the hub's verification");
      return;
    }
    if (byId.get(sub.id) !== sub) return; // dropped meanwhile
    sub.failures++;
    sub.lastError = problem;
    const wasActive = sub.state === "active";
    sub.state = "failed";
    const retry = Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** Math.min(sub.failures - 1, 10));
    log.warn({ feed: sub.feed, hub: sub.hub, problem, retryInS: retry / 1000 }, "WebSub subscription failed; polling carries on");
    if (wasActive) deps.onChange(sub.feed);
    setTimer(sub, retry, () => void request(sub, "subscribe"));
  }

  function forget(sub: Subscription): void {
    clearTimeout(sub.timer);
    byId.delete(sub.id);
    if (byFeed.get(sub.feed) === sub) byFeed.delete(sub.feed);
  }

  function unsubscribe(sub: Subscription): void {
    const wasActive = sub.state === "active";
    forget(sub);
    leaving.set(sub.id, sub);
    setTimer(sub, UNSUBSCRIBE_WAIT_MS, () => leaving.delete(sub.id));
    void request(sub, "unsubscribe");
    if (wasActive) deps.onChange(sub.feed);
  }

  /** §5.3: the hub checks that we asked for this; answer with the challenge only if we did. */
  function verify(req: CallbackRequest): CallbackResponse {
    const mode = req.query.get("hub.mode");
    const topic = req.query.get("hub.topic");
    const challenge = req.query.get("hub.challenge");
    if (mode === "unsubscribe") {
      const sub = leaving.get(req.id);
      if (!sub || sub.topic !== topic || !challenge) return { status: 404, body: "no such unsubscription was requested" };
      leaving.delete(req.id);
      clearTimeout(sub.timer);
      log.info({ feed: sub.feed, hub: sub.hub }, "WebSub unsubscription verified");
      return { status: 200, body: challenge };
    }
    const sub = byId.get(req.id);
    if (!sub || sub.topic !== topic) return { status: 404, body: "no such subscription was requested" };
    if (mode === "denied") {
      // §5.2: the hub refused (or ended) the subscription; polling alone goes on.
      sub.state = "denied";
      sub.lastError = `the hub denied the subscription${req.query.get("hub.reason") ? `: ${req.query.get("hub.reason")}` : ""}`;
      log.warn({ feed: sub.feed, hub: sub.hub, reason: req.query.get("hub.reason") ?? undefined }, "WebSub subscription denied; polling carries on");
      deps.onChange(sub.feed);
      setTimer(sub, MAX_RETRY_MS, () => void request(sub, "subscribe"));
      return { status: 200, body: "" };
    }
    if (mode !== "subscribe" || !challenge) return { status: 404, body: "expected hub.mode=subscribe with a hub.challenge" };
    const granted = Number(req.query.get("hub.lease_seconds") ?? leaseSeconds);
    const lease = Number.isFinite(granted) && granted > 0 ? granted : leaseSeconds;
    const wasActive = sub.state === "active";
    sub.state = "active";
    sub.failures = 0;
    sub.lastError = undefined;
    sub.leaseEndsAt = deps.now() + lease * 1000;
    // Renew when nine tenths of the lease have passed, so a slow hub still verifies in time.
    setTimer(sub, lease * 900, () => void request(sub, "subscribe"));
    if (!wasActive) {
      log.info({ feed: sub.feed, hub: sub.hub, leaseS: lease }, "WebSub subscription active; the hub pushes new posts");
      deps.onChange(sub.feed);
    }
    return { status: 200, body: challenge };
  }

  /** §7/§8: a delivery of new content; signed with our secret, or ignored. */
  function deliver(req: CallbackRequest): CallbackResponse {
    const sub = byId.get(req.id);
    if (!sub) {
      deps.onDelivery?.("unknown");
      // 410 Gone tells the hub this callback no longer wants anything (§7).
      return { status: 410, body: "no such subscription" };
    }
    const check = checkSignature(req.headers["x-hub-signature"], sub.secret, req.body);
    if (!check.ok) {
      // §8: "MUST still return a 2xx success response", and ignore the content.
      deps.onDelivery?.("rejected");
      log.warn({ feed: sub.feed, hub: sub.hub, reason: check.reason }, "WebSub delivery dropped: its signature does not check");
      return { status: 202 };
    }
    deps.onDelivery?.("accepted");
    deps.onContent(sub.feed, req.body, req.headers["content-type"]);
    return { status: 202 };
  }

  return {
    /**
     * The feed advertises `hub` for `topic`: subscribe, unless a subscription for exactly these
     * already stands (a changed hub or topic replaces it).
     */
    want(feed: string, topic: string, hub: string): void {
      if (stopped) return;
      const existing = byFeed.get(feed);
      if (existing && existing.topic === topic && existing.hub === hub) return;
      if (existing) unsubscribe(existing);
      const sub: Subscription = {
        feed,
        topic,
        hub,
        id: randomBytes(12).toString("base64url"),
        // §5.1: the secret is at most 200 bytes; 32 random bytes as hex.
        secret: randomBytes(32).toString("hex"),
        state: "requested",
        leaseEndsAt: undefined,
        failures: 0,
        timer: undefined,
        lastError: undefined,
      };
      byFeed.set(feed, sub);
      byId.set(sub.id, sub);
      void request(sub, "subscribe");
    },
    /** The feed stopped advertising a hub: end its subscription. */
    unwant(feed: string): void {
      const sub = byFeed.get(feed);
      if (sub) unsubscribe(sub);
    },
    /** Keeps only these feeds' subscriptions (a feed removed is unsubscribed). */
    retain(feeds: ReadonlySet<string>): void {
      for (const [feed, sub] of [...byFeed]) if (!feeds.has(feed)) unsubscribe(sub);
    },
    /** Whether a hub pushes this feed now (a verified subscription). */
    active(feed: string): boolean {
      return byFeed.get(feed)?.state === "active";
    },
    status(feed: string): PushStatus | undefined {
      const sub = byFeed.get(feed);
      return sub && { hub: sub.hub, topic: sub.topic, state: sub.state, leaseEndsAt: sub.leaseEndsAt, lastError: sub.lastError };
    },
    counts(): Record<State, number> {
      const counts: Record<State, number> = { requested: 0, active: 0, denied: 0, failed: 0 };
      for (const sub of byFeed.values()) counts[sub.state]++;
      return counts;
    },
    /** One request to `<callback base>/websub/<id>`. */
    handle(req: CallbackRequest): CallbackResponse {
      if (req.method === "GET") return verify(req);
      if (req.method === "POST") return deliver(req);
      return { status: 405, body: "expected GET (verification) or POST (content)" };
    },
    stop(): void {
      stopped = true;
      for (const sub of [...byFeed.values(), ...leaving.values()]) clearTimeout(sub.timer);
    },
  };
}

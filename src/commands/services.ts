import type { ClusterView } from "../cluster/leases.js";
import type { EntryStore, FeedStateStore, Outbox, SubscriptionStore, Target } from "../store/store.js";
import type { Registry } from "../live/registry.js";
import type { FeedSchedule, PollOutcome } from "../polling/poller.js";
import type { PushStatus } from "../sources/websub/subscriber.js";
import type { FeedRead } from "../sources/http/discover.js";

export type JoinOutcome = { readonly ok: true; readonly nick: string } | { readonly ok: false; readonly reason: string };

/** What commands may use: the bot's parts, by name, so commands can be tested with real stores. */
export interface CommandServices {
  readonly version: string;
  readonly startedAt: number;
  readonly now: () => number;
  readonly entries: EntryStore;
  readonly feedState: FeedStateStore;
  readonly outbox: Outbox;
  readonly registry: Registry;
  readonly subscriptions: SubscriptionStore;
  readonly pollNow: (feed: string) => Promise<PollOutcome> | undefined;
  readonly joinedRooms: () => readonly string[];
  /** Waits (bounded) until the room manager joined the room or gave up. */
  readonly awaitJoin: (room: string) => Promise<JoinOutcome>;
  /** Targets with announcements waiting: how many, and why they wait when the target refuses. */
  readonly waiting: () => Promise<readonly { readonly target: Target; readonly count: number; readonly reason: string | undefined }[]>;
  /** Reads a feed URL (or a page linking to a feed) once, without recording anything: to vet a feed before adding it. */
  readonly tryFeed: (url: string) => Promise<FeedRead>;
  /** A feed's current wait between reads and why; undefined before its first read. */
  readonly scheduleOf: (feed: string) => FeedSchedule | undefined;
  /** A feed's WebSub subscription, when its hub pushes (or is asked to). */
  readonly pushOf: (feed: string) => PushStatus | undefined;
  /** Instances sharing the store and what each holds; absent when this one is alone by design (SQLite). */
  readonly cluster?: () => Promise<ClusterView>;
  /** With several instances: which instance holds each room (by JID) now. */
  readonly roomHolders?: () => Promise<Map<string, string>>;
}

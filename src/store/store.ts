/**
 * What the rest of Herald may ask of its database, engine-neutral: every other module imports
 * these interfaces, never an engine. SQL lives only under `store/sqlite/` (embedded, the default)
 * and `store/postgres/` (a server shared by several instances); `store/open.ts` picks one.
 *
 * Every method is asynchronous, since a database server answers over the network. Callbacks that
 * run inside a transaction (`record`'s `announce`, a digest's `compose`) stay synchronous and pure:
 * they only compute, so the engine can hold its transaction open for no longer than the SQL.
 */
import type { Entry } from "../sources/entry.js";
import type { Validators } from "../sources/http/fetch.js";

/** The kinds of place an announcement can go. Each kind has its module under `targets/`. */
export type TargetKind = "room" | "user" | "pubsub" | "mix";

/**
 * Where an announcement goes: a room (its bare JID), a person with a personal subscription (theirs)
 * a PubSub node (its xmpp: URI, xmpp/pubsub-stanzas.ts nodeUri) or a MIX channel (its bare JID).
 */
export interface Target {
  readonly kind: TargetKind;
  readonly address: string;
}

export const sameTarget = (a: Target, b: Target): boolean => a.kind === b.kind && a.address === b.address;

/** A post as stored, with when Herald first saw it. */
export interface StoredEntry extends Entry {
  readonly feed: string;
  readonly firstSeen: Date;
}

/** One announcement of a post (or a correction of one) that the caller decided to queue. */
export interface QueuedAnnouncement {
  readonly target: Target;
  readonly entryKey: string;
  /** A line to add after the post, e.g. "…and 7 more from xsf: https://…". */
  readonly footer: string | undefined;
  /** A correction (XEP-0308): the outbox row of the announcement it corrects, and the post's new content fingerprint. */
  readonly correction?: { readonly of: number; readonly contentHash: string };
}

/** An announcement of a post that its target confirmed. */
export interface AnnouncedCopy {
  readonly id: number;
  readonly target: Target;
  readonly sentAt: number;
  /** Corrections of it queued so far. */
  readonly corrections: number;
}

/** A post already seen whose visible content changed in this read, with where it was announced. */
export interface ChangedEntry {
  readonly entry: Entry;
  readonly contentHash: string;
  readonly announced: readonly AnnouncedCopy[];
}

export interface RecordResult {
  /** Entries not seen before in this feed, in feed order. */
  readonly added: readonly Entry[];
  /** Entries seen before whose title or summary changed (the stored post now has the new text). */
  readonly changed: readonly ChangedEntry[];
  /** Outbox rows created (an announcement already queued for the same target and post is not). */
  readonly queued: number;
}

export interface EntryStore {
  /**
   * Stores the entries of one read that were not seen before, and the announcements `announce`
   * makes of them, in one transaction: entries and their announcements are recorded together or
   * not at all, so a crash can neither lose an announcement nor leave a post never announced.
   * Feeds repeat guids within one document; the first occurrence wins.
   */
  record(
    feed: string,
    entries: readonly Entry[],
    now: number,
    announce?: (added: readonly Entry[], changed: readonly ChangedEntry[]) => readonly QueuedAnnouncement[],
  ): Promise<RecordResult>;
  /** The newest posts, of one feed or all, newest first. */
  latest(limit: number, feed?: string): Promise<StoredEntry[]>;
  /** Posts whose title or text contain every word (prefix match), newest first. */
  search(words: readonly string[], limit: number): Promise<StoredEntry[]>;
  /** Each feed's newest post date (ms). */
  newestByFeed(): Promise<Map<string, number>>;
}

/** One message waiting for a target: a post to render, or a ready text (a digest). */
export type PendingAnnouncement =
  | {
      readonly id: number;
      /** When the row was queued (ms); with `id` it names the announcement across attempts. */
      readonly createdAt: number;
      readonly target: Target;
      readonly feed: string;
      readonly entry: Entry;
      readonly footer: string | undefined;
      /** A correction (XEP-0308): the announcement it corrects, and the id the target knows that message by, when recorded. */
      readonly corrects?: { readonly id: number; readonly createdAt: number; readonly stanzaId: string | undefined } | undefined;
      readonly body?: undefined;
    }
  | {
      readonly id: number;
      readonly createdAt: number;
      readonly target: Target;
      readonly body: string;
      readonly feed?: undefined;
      readonly entry?: undefined;
      readonly footer?: undefined;
      readonly corrects?: undefined;
    };

/** The announcement outbox: a row waits, pending, until its target confirmed it. */
export interface Outbox {
  /** The oldest pending announcements of a target, oldest first. */
  pending(target: Target, limit: number): Promise<PendingAnnouncement[]>;
  markSent(id: number, now: number, stanzaId: string | undefined): Promise<void>;
  /** Queues a ready message (a digest). */
  queueText(target: Target, body: string, now: number): Promise<void>;
  /** The targets with announcements waiting. */
  targetsWithPending(): Promise<Target[]>;
  /** Forgets what waited for a target Herald no longer serves; returns how many. */
  dropPending(target: Target): Promise<number>;
  depth(): Promise<number>;
}

export interface FeedState {
  readonly feed: string;
  readonly url: string;
  readonly title: string | undefined;
  readonly validators: Validators;
  readonly baselineAt: number | undefined;
  readonly lastPolledAt: number | undefined;
  readonly lastOkAt: number | undefined;
  readonly lastError: string | undefined;
  readonly errorSince: number | undefined;
  /** When the admins were told this feed is failing; undefined when they were not (or it recovered). */
  readonly failureReportedAt: number | undefined;
  /** When the feed answered 410 Gone; it is not polled while set. */
  readonly goneAt: number | undefined;
}

export interface FeedStateStore {
  /** Returns the state of a feed, creating it on first sight (or starting afresh after its URL changed). */
  open(feed: string, url: string): Promise<FeedState>;
  get(feed: string): Promise<FeedState | undefined>;
  recordFetched(feed: string, title: string | undefined, validators: Validators, now: number): Promise<void>;
  recordNotModified(feed: string, now: number): Promise<void>;
  /** Forgets a removed feed's state: a feed added later under the same name starts with a baseline. */
  forget(feed: string): Promise<void>;
  recordError(feed: string, error: string, now: number): Promise<void>;
  /** Remembers that the admins were told of the failure (or, with undefined, of the recovery). */
  recordFailureReported(feed: string, at: number | undefined): Promise<void>;
  recordGone(feed: string, at: number | undefined): Promise<void>;
}

/** Personal subscriptions: a person's bare JID gets a feed's announcements by direct message. */
export interface SubscriptionStore {
  /**
   * Subscribes, or changes the words of a subscription (only posts matching one of them come; none:
   * every post). Returns false when the person was already subscribed with the same words.
   */
  subscribe(jid: string, feed: string, terms?: readonly string[]): Promise<boolean>;
  /** Returns false when there was nothing to remove. */
  unsubscribe(jid: string, feed: string): Promise<boolean>;
  forgetFeed(feed: string): Promise<void>;
  feedsOf(jid: string): Promise<string[]>;
  subscriptionsOf(jid: string): Promise<{ feed: string; terms: string[] }[]>;
  subscribersOf(feed: string): Promise<string[]>;
  /** The words of a subscription, as typed (filter terms). */
  termsOf(jid: string, feed: string): Promise<string[]>;
}

/**
 * A row of the live configuration: a feed or room as it is now, whoever made it. `origin` says
 * who made it; `fileHash` is the config file's definition of it when that was last applied, so a
 * later edit of the file can be told from an unchanged file.
 */
export interface LiveRow<T> {
  readonly key: string;
  readonly spec: T;
  readonly origin: "file" | "admin";
  readonly fileHash: string | undefined;
  readonly removed: boolean;
}

export type LiveTableName = "feeds" | "rooms" | "pubsub_nodes";

export interface LiveTable<T> {
  all(): Promise<LiveRow<T>[]>;
  put(row: LiveRow<T>): Promise<void>;
  delete(key: string): Promise<void>;
}

/** One write to a live table, for `Store.applyLive`. */
export type LiveChange =
  | { readonly table: LiveTableName; readonly put: LiveRow<unknown> }
  | { readonly table: LiveTableName; readonly delete: string };

/** A target that refuses Herald's announcements, since when and why (its rows wait, pending). */
export interface Refusal {
  readonly target: Target;
  readonly reason: string;
  readonly since: number;
  /** When the admins were told; undefined while they were not. */
  readonly toldAt: number | undefined;
}

/** Targets refusing announcements, kept across restarts so `status` and the admins' notice survive them. */
export interface RefusalStore {
  /** Records that a target refuses, keeping the first `since` of an ongoing refusal; the reason is the latest. */
  record(target: Target, reason: string, now: number): Promise<void>;
  /** The target accepts again; returns the refusal that ended, if there was one. */
  clear(target: Target): Promise<Refusal | undefined>;
  markTold(target: Target, at: number): Promise<void>;
  all(): Promise<Refusal[]>;
}

/** A post listed in a digest. */
export interface DigestPost {
  readonly feed: string;
  readonly title: string;
  readonly link: string | undefined;
}

export interface DigestPeriod {
  readonly room: string;
  readonly feeds: readonly string[];
  /** The due time this digest covers up to (ms). */
  readonly due: number;
  /** Posts dated longer ago than this when first seen are left out, as for announcements. */
  readonly maxAgeMs: number;
  /** Whether the room wants a post (its filters); absent: every post. */
  readonly accepts?: (feed: string, post: Entry) => boolean;
}

export interface DigestStore {
  /**
   * Closes a room's digest period in one transaction: the posts first seen since the previous
   * period (never a feed's baseline) are handed to `compose`, its message is queued for the room
   * and the period is recorded, so a restart neither repeats a digest nor skips one. Returns
   * undefined when nothing was due (the first sight of a digest only starts its first period),
   * else how many posts the period had (0: nothing was queued).
   */
  close(
    period: DigestPeriod,
    now: number,
    compose: (posts: readonly DigestPost[], since: number) => string,
  ): Promise<number | undefined>;
}

/** A lease this instance holds: what, and its generation (bumped each time it changes hands). */
export interface LeaseGrant {
  readonly resource: string;
  readonly generation: number;
}

/** An instance sharing the database, as its last heartbeat left it. */
export interface InstanceRow {
  readonly holder: string;
  readonly name: string;
  /** Its XMPP session is up, so it may hold targets. */
  readonly online: boolean;
  readonly startedAt: number;
}

/**
 * What several instances on one database use to divide the work (cluster/leases.ts). Every expiry
 * is counted on the database's clock, so the instances' clocks need not agree. Only the
 * PostgreSQL engine has it; one instance on a SQLite file holds everything.
 */
export interface ClusterStore {
  /** Says this instance is alive for `ttlMs` more; returns every live instance, this one included. */
  heartbeat(holder: string, name: string, online: boolean, ttlMs: number): Promise<InstanceRow[]>;
  /** Extends the leases `holder` still holds (not expired); returns them. A lease not returned is lost. */
  renew(holder: string, ttlMs: number): Promise<LeaseGrant[]>;
  /** Takes up to `limit` of `resources` that are free or expired, each with a new generation. */
  acquire(holder: string, resources: readonly string[], limit: number, ttlMs: number): Promise<LeaseGrant[]>;
  /** Gives leases up at once, so another instance may take them without waiting for expiry. */
  release(holder: string, resources: readonly string[]): Promise<void>;
  /** Gives every lease up and says this instance is gone (a clean stop). */
  leave(holder: string): Promise<void>;
  /**
   * True for the first instance to claim `key` (a message every instance received); false for the
   * others. Claims are forgotten after `keepMs`.
   */
  claim(key: string, keepMs: number): Promise<boolean>;
  /** The live leases whose resource starts with `prefix` ("room:"), and who holds each. */
  holders(prefix: string): Promise<Map<string, string>>;
  /** Live leases per holder and kind (the resource's prefix), for `status` and /metrics. */
  holdings(): Promise<{ holder: string; kind: string; count: number }[]>;
  /**
   * Calls `listener` at each commit that queued an announcement (`outbox`, with "kind:address") or
   * changed the live configuration (`config`). Returns how to stop listening. A lost connection is
   * reopened; meanwhile the periodic sweep covers what was missed.
   */
  listen(listener: (channel: "outbox" | "config", payload: string) => void): Promise<() => Promise<void>>;
}

/** The whole database. */
export interface Store {
  /** Which engine, for logs and `status`. */
  readonly engine: string;
  readonly entries: EntryStore;
  readonly feedState: FeedStateStore;
  readonly outbox: Outbox;
  readonly subscriptions: SubscriptionStore;
  readonly digests: DigestStore;
  readonly refusals: RefusalStore;
  /** The live configuration's tables: feeds by name, rooms by JID, PubSub nodes by xmpp: URI. */
  liveTable<T>(table: LiveTableName): LiveTable<T>;
  /** Applies several live-table writes in one transaction, in order: all of them or none. */
  applyLive(changes: readonly LiveChange[]): Promise<void>;
  /** Sharing the database with other instances; undefined on an engine only one instance uses. */
  readonly cluster?: ClusterStore;
  close(): Promise<void>;
}

/** The database was written by a newer Herald; running older code on it could corrupt it. */
export class DatabaseTooNewError extends Error {
  constructor(path: string, found: number, known: number) {
    super(
      `database ${path} is at schema version ${found}, but this Herald only knows up to ${known}; ` +
        `upgrade Herald or point "store" at another file`,
    );
    this.name = "DatabaseTooNewError";
  }
}

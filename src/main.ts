import type { HeraldConfig } from "./config/schema.js";
import type { Logger } from "./log.js";
import { openDatabase } from "./store/db.js";
import { createFeedStateStore } from "./store/feed-state.js";
import { createEntryStore, type Target } from "./store/entries.js";
import { createOutbox } from "./store/outbox.js";
import { createSubscriptionStore } from "./store/subscriptions.js";
import { createRegistry, type LiveFeed } from "./live/registry.js";
import { createHttpFetcher } from "./sources/http-fetch.js";
import { httpFeedSource } from "./sources/feed-source.js";
import { readFeedOrPage } from "./sources/discover.js";
import { markdownFolderSource } from "./sources/markdown/source.js";
import { watchFolder } from "./sources/markdown/watch.js";
import { feedLocation } from "./config/schema.js";
import { createPoller, type FeedSpec } from "./sources/poller.js";
import { createConnection, type FatalConnectionError } from "./xmpp/connection.js";
import { groupchatMessage } from "./xmpp/muc-stanzas.js";
import { chatMessage } from "./xmpp/chat.js";
import { createAdhoc } from "./xmpp/adhoc.js";
import { registerServiceDiscovery } from "./xmpp/service-discovery.js";
import { createRoomManager } from "./rooms/room-manager.js";
import { createSelfPing } from "./rooms/self-ping.js";
import { createDelivery } from "./announce/delivery.js";
import { renderAnnouncement } from "./announce/render.js";
import { createDigests } from "./announce/digests.js";
import { commandTable } from "./commands/table.js";
import type { CommandServices } from "./commands/services.js";
import { createDispatcher } from "./commands/dispatcher.js";
import { adhocCommands } from "./commands/adhoc-commands.js";
import { createInbound } from "./bot/inbound.js";
import { limitConcurrency } from "./util/limit.js";
import { createFailureReports } from "./sources/failure-reports.js";
import { createMetrics } from "./ops/metrics.js";
import { createOpsServer, type Health } from "./ops/http-server.js";

export interface HeraldOptions {
  readonly config: HeraldConfig;
  readonly log: Logger;
  readonly version: string;
  readonly xmppDebug: boolean;
}

export interface Herald {
  /** Resolves once the first session is online; rejects when start-up cannot succeed. */
  readonly ready: Promise<void>;
  /** Resolves when the bot must stop for a reason no retry can fix. */
  readonly fatal: Promise<FatalConnectionError>;
  stop(): Promise<void>;
}

/** How many feed fetches may be under way at once. */
const FETCH_CONCURRENCY = 32;
/** How often each joined room is asked whether we are still in it (XEP-0410). */
const SELF_PING_MS = 5 * 60_000;
/** How long "join" waits for the room's answer before replying. */
const JOIN_WAIT_MS = 15_000;

/** The composition root: builds every part with its real dependencies and starts them. */
export async function startHerald(options: HeraldOptions): Promise<Herald> {
  const { config, log } = options;
  const now = () => Date.now();
  const startedAt = now();
  const admins = new Set(config.admins);
  const isAdmin = (jid: string | undefined) => jid !== undefined && admins.has(jid.toLowerCase());

  const db = await openDatabase(config.store);
  const feedState = createFeedStateStore(db);
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);
  const subscriptions = createSubscriptionStore(db, now);
  const registry = createRegistry(db, now);
  const reconciled = registry.reconcile(config.feeds, config.rooms);
  log.info({ feeds: reconciled.feeds, rooms: reconciled.rooms }, "configuration applied");

  const connection = createConnection({ ...config.xmpp, debug: options.xmppDebug, log: log.child({ part: "xmpp" }) });
  const send = (stanza: Parameters<typeof connection.send>[0]) => connection.send(stanza);
  const rooms = createRoomManager({ send, defaultNick: config.nick, log: log.child({ part: "rooms" }) });
  const isRoom = (jid: string) => registry.room(jid) !== undefined || rooms.rooms().includes(jid);
  const metrics = createMetrics({
    outboxDepth: () => outbox.depth(),
    roomsJoined: () => rooms.joinedRooms().length,
    roomsConfigured: () => registry.rooms().length,
  });

  const delivery = createDelivery({
    outbox,
    isReady: (target) => (isRoom(target) ? rooms.isJoined(target) : connection.online),
    // The row's kind decides: a room Herald has since left must never get a direct message.
    async send(target, body, id, kind) {
      if (kind === "room") {
        if (!rooms.isJoined(target)) throw new Error(`not in ${target}`);
        await connection.send(groupchatMessage(target, body, id));
        return "await-reflection";
      }
      await connection.send(chatMessage(target, body, id));
      return "confirmed";
    },
    render: (a) => renderAnnouncement(a, registry.room(a.room)?.settings),
    roomRate: { burst: config.announce.roomBurst, intervalMs: config.announce.roomIntervalMs },
    isRoom,
    onSent: (target) => metrics.announcementsSent.inc({ kind: isRoom(target) ? "room" : "user" }),
    onFailed: () => metrics.announcementsFailed.inc(),
    log: log.child({ part: "delivery" }),
    now,
  });

  const targetsFor = (feed: string): Target[] => [
    ...registry.roomsAnnouncing(feed).map((jid) => ({ kind: "room" as const, jid })),
    ...subscriptions.subscribersOf(feed).map((jid) => ({ kind: "user" as const, jid })),
  ];
  const fetchFeed = limitConcurrency(
    createHttpFetcher({
      // Feed owners see who polls them and how to reach whoever runs this bot.
      userAgent: `Herald/${options.version} (XMPP feed bot${config.fetch.userAgentContact ? `; ${config.fetch.userAgentContact}` : ""})`,
      timeoutMs: config.fetch.timeoutMs,
      maxBytes: 20 * 1024 * 1024,
    }),
    FETCH_CONCURRENCY,
  );
  const sourceLog = log.child({ part: "sources" });
  const notifyAdmins = (text: string): boolean => {
    log.info({ text, online: connection.online }, "telling the admins");
    if (!connection.online || admins.size === 0) return false;
    for (const admin of admins) void connection.send(chatMessage(admin, text)).catch(() => undefined);
    return true;
  };
  const failureReports = createFailureReports({ feedState, notifyAdmins, reportAfterMs: config.fetch.reportFailuresAfterMs, now });
  // Feeds admins add at runtime may not reach non-public addresses unless the config allows it.
  const runtimePolicy = config.fetch.allowPrivateAddresses ? "any" : "public-only";
  const toSpec = (feed: LiveFeed): FeedSpec => ({
    name: feed.name,
    location: feedLocation(feed),
    intervalMs: feed.intervalMs,
    read:
      feed.kind === "folder"
        ? markdownFolderSource({ ...feed, onDiagnostic: (message) => sourceLog.warn({ feed: feed.name, problem: message }, "post skipped") })
        : httpFeedSource(feed.url, fetchFeed, { addressPolicy: registry.feedOrigin(feed.name) === "admin" ? runtimePolicy : "any" }),
  });
  const poller = createPoller({
    feedState,
    entries,
    targetsFor,
    onQueued: (_feed, targets) => targets.forEach((t) => void delivery.kick(t.jid)),
    onMoved: (name, url) => {
      // RFC 9110 §15.4.2: a permanent redirect means the feed lives at the new URL from now on.
      const feed = registry.feed(name);
      if (feed?.kind !== "http") return;
      log.info({ feed: name, from: feed.url, to: url }, "feed moved permanently; remembering the new URL");
      registry.putFeed({ ...feed, url });
    },
    onPolled: (feed, outcome, ms) => {
      failureReports.onPolled(feed, outcome);
      const result = outcome.result === "error" ? (outcome.temporary ? "error_temporary" : "error_permanent") : outcome.result.replace("-", "_");
      metrics.polls.inc({ result });
      metrics.pollDuration.observe(ms / 1000);
      if (outcome.result === "new") metrics.entriesFound.inc(outcome.added);
      if (outcome.result === "baseline") metrics.entriesFound.inc(outcome.entries);
    },
    log: log.child({ part: "poller" }),
    now,
    floodPolicy: (feed, about) => ({
      maxAgeMs: config.announce.maxAgeMs,
      maxPerRead: config.announce.maxPerPoll,
      footer: (more) => `…and ${more} more from ${about.title ?? feed}${/^https?:/.test(about.link) ? `: ${about.link}` : ""}`,
    }),
  });
  const digests = createDigests({
    db,
    registry,
    outbox,
    onQueued: (room) => void delivery.kick(room),
    timeZone: config.timeZone,
    maxAgeMs: config.announce.maxAgeMs,
    now,
    log: log.child({ part: "digests" }),
  });


  const services: CommandServices = {
    version: options.version,
    startedAt,
    now,
    entries,
    feedState,
    outbox,
    registry,
    subscriptions,
    pollNow: (feed) => poller.pollNow(feed),
    joinedRooms: () => rooms.joinedRooms(),
    awaitJoin: (room) => rooms.awaitJoin(room, JOIN_WAIT_MS),
    // A blog's home page is followed to the feed it links to (sources/discover.ts).
    tryFeed: (url) => readFeedOrPage(url, fetchFeed, { addressPolicy: runtimePolicy }),
  };
  const table = commandTable(services, config.nick);
  const dispatcher = createDispatcher({ commands: table, log: log.child({ part: "commands" }), now, onCommand: (name) => metrics.commands.inc({ command: name }) });
  // Ad-hoc commands run the chat commands' executors.
  const adhoc = createAdhoc(adhocCommands(services, table), now);
  registerServiceDiscovery({
    iqCallee: connection.iqCallee,
    adhoc,
    version: options.version,
    ownJid: () => connection.jid ?? config.xmpp.jid,
    requester: (from) => {
      if (!from) return undefined;
      const bare = from.split("/")[0]!.toLowerCase();
      return { jid: from, bare, isAdmin: isAdmin(bare) };
    },
  });
  const inbound = createInbound({
    dispatcher,
    registry,
    isAdmin,
    nickIn: (room) => rooms.nickIn(room) ?? config.nick,
    isRoom,
    ownDomain: config.xmpp.domain,
    send,
    notifyAdmins,
    log: log.child({ part: "inbound" }),
  });

  let sessions = 0;
  connection.events.on("online", () => {
    if (++sessions > 1) metrics.reconnects.inc();
    delivery.newSession();
    rooms.onOnline();
    // Personal subscribers get what waited while we were offline.
    for (const t of outbox.targetsWithPending()) if (t.kind === "user") void delivery.kick(t.jid);
  });
  connection.events.on("offline", () => rooms.onOffline());
  connection.events.on("stanza", (stanza) => {
    if (!rooms.handleStanza(stanza)) void inbound.handleStanza(stanza).catch((err: unknown) => log.error({ err: String(err) }, "inbound failed"));
  });
  rooms.events.on("joined", (room) => void delivery.kick(room));
  rooms.events.on("reflected", (_room, originId) => delivery.reflected(originId));
  rooms.events.on("message", (message, realJid) => void inbound.onRoomMessage(message, realJid).catch((err: unknown) => log.error({ err: String(err) }, "room command failed")));
  rooms.events.on("failed", (room, reason) => notifyAdmins(`I stopped trying to join ${room}: ${reason}.`));
  const forgetLeftRooms = () => {
    for (const t of outbox.targetsWithPending()) {
      if (t.kind !== "room" || registry.room(t.jid)) continue;
      const dropped = outbox.dropPendingForRoom(t.jid);
      log.info({ room: t.jid, dropped }, "dropped announcements for a room Herald no longer serves");
    }
  };
  registry.events.on("rooms", () => {
    rooms.setRooms(registry.rooms());
    forgetLeftRooms();
    digests.reschedule();
  });
  // A folder feed is also watched, so a new post is announced within seconds, not at the next poll.
  let watchers: { close(): void }[] = [];
  const applyFeeds = () => {
    // A feed that answered 410 Gone stays off until its location changes.
    const feeds = registry.feeds().filter((f) => {
      const state = feedState.get(f.name);
      return state?.goneAt === undefined || state.url !== feedLocation(f);
    });
    poller.setFeeds(feeds.map(toSpec));
    watchers.forEach((w) => w.close());
    watchers = feeds.flatMap((feed) =>
      feed.kind === "folder"
        ? [watchFolder(feed.path, () => void poller.pollNow(feed.name), { onError: (err) => sourceLog.warn({ feed: feed.name, err: err.message }, "cannot watch folder; polling only") })]
        : [],
    );
  };
  registry.events.on("feeds", applyFeeds);

  // XEP-0410: a room can drop us silently (its service restarted while our connection stayed up).
  const selfPing = createSelfPing({
    joined: () => rooms.joinedWithNick(),
    request: (iq, timeoutMs) => connection.iqCaller.request(iq, timeoutMs),
    rejoin: (room, reason) => rooms.rejoin(room, reason),
    intervalMs: SELF_PING_MS,
    log: log.child({ part: "rooms" }),
  });
  selfPing.start();

  const fatal = new Promise<FatalConnectionError>((resolve) => connection.events.once("fatal", resolve));

  const health = (): Health => {
    const configured = registry.rooms().map((r) => r.jid);
    const joined = new Set(rooms.joinedRooms());
    const missing = configured.filter((r) => !joined.has(r));
    const reasons = [...(connection.online ? [] : ["not connected to the XMPP server"]), ...missing.map((r) => `not in ${r}`)];
    const failing = registry.feeds().filter((f) => feedState.get(f.name)?.lastError).map((f) => f.name);
    return {
      ok: reasons.length === 0,
      reasons,
      details: { online: connection.online, rooms: { configured: configured.length, joined: joined.size }, feeds: { total: registry.feeds().length, failing }, outbox: outbox.depth() },
    };
  };
  const ops = config.http ? createOpsServer({ ...config.http, health, metrics, log: log.child({ part: "http" }) }) : undefined;
  // A port that is taken is a start-up error the operator must fix, like a bad config.
  await ops?.start();

  rooms.setRooms(registry.rooms());
  forgetLeftRooms();
  applyFeeds();
  // Polling starts before the server answers: posts found meanwhile wait in the outbox.
  poller.start();
  digests.start();
  const ready = connection.start();

  let stopping: Promise<void> | undefined;
  return {
    ready,
    fatal,
    stop() {
      stopping ??= (async () => {
        watchers.forEach((w) => w.close());
        digests.stop();
        selfPing.stop();
        await poller.stop();
        await delivery.stop(5_000);
        await rooms.leaveAll();
        rooms.stop();
        await connection.stop();
        await ops?.stop();
        db.close();
        log.info("stopped");
      })();
      return stopping;
    },
  };
}

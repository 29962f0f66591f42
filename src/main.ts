import type { HeraldConfig } from "./config/schema.js";
import type { Logger } from "./log.js";
import { openStore } from "./store/open.js";
import { createRegistry } from "./live/registry.js";
import { createReloader, type ReloadResult } from "./live/reload.js";
import { createFeedFetcher } from "./sources/http/feed-fetcher.js";
import { createPoller } from "./polling/poller.js";
import { createFeedSet } from "./polling/feed-set.js";
import { createFailureReports } from "./polling/failure-reports.js";
import { createPush } from "./polling/push.js";
import { createAudience } from "./announce/audience.js";
import { configuredFloodPolicy } from "./announce/flood-policy.js";
import { createRenderer } from "./announce/render.js";
import { createDigests } from "./announce/digests.js";
import { createDelivery } from "./delivery/delivery.js";
import { createRefusalReports } from "./delivery/refusal-reports.js";
import { createRoomTarget } from "./targets/room.js";
import { createPersonTarget } from "./targets/person.js";
import { createPubsubNodeTarget } from "./targets/pubsub-node.js";
import { createNodeDirectory } from "./targets/pubsub-nodes.js";
import { createMixChannels } from "./targets/mix-channel.js";
import { createConnection, FatalConnectionError } from "./xmpp/connection.js";
import { createRoomManager } from "./rooms/room-manager.js";
import { createSelfPing } from "./rooms/self-ping.js";
import type { CommandServices } from "./commands/services.js";
import { createAdmins } from "./bot/admins.js";
import { createConversations } from "./bot/conversations.js";
import { wireSession } from "./bot/session.js";
import { createMetrics } from "./ops/metrics.js";
import { createHealth } from "./ops/health.js";
import { createOpsServer } from "./ops/http-server.js";
import { compactHeap, createHeapRelease, eventLoopBusy } from "./ops/heap-release.js";
import { createLeases, feedResource, isFeedResource, soloLeases, targetResource } from "./cluster/leases.js";
import { instanceIdentity, instanceResource } from "./cluster/identity.js";
import type { Target } from "./store/store.js";

export interface HeraldOptions {
  readonly config: HeraldConfig;
  readonly log: Logger;
  readonly version: string;
  readonly xmppDebug: boolean;
  /** Reads and validates the config file again, for a reload (throws ConfigError). */
  readonly reloadConfig?: () => HeraldConfig;
}

export interface Herald {
  /** Resolves once the first session is online; rejects when start-up cannot succeed. */
  readonly ready: Promise<void>;
  /** Resolves when the bot must stop for a reason no retry can fix. */
  readonly fatal: Promise<FatalConnectionError>;
  /** Applies the config file's feeds and rooms again, without dropping the XMPP session (SIGHUP). */
  reload(): Promise<ReloadResult>;
  stop(): Promise<void>;
}

/** How often each joined room is asked whether we are still in it (XEP-0410). */
const SELF_PING_MS = 5 * 60_000;
/** How long "join" waits for the room's answer before replying. */
const JOIN_WAIT_MS = 15_000;
/** How long a PubSub service may take to answer a publish before it counts as unconfirmed. */
const PUBSUB_ANSWER_MS = 30_000;
/** A target refusing announcements this long is reported to the admins (once). */
const REFUSAL_REPORT_MS = 10 * 60_000;

/**
 * The composition root: builds every part with its real dependencies, wires their events
 * together, starts them, and stops them in reverse. Policy lives in the parts, not here.
 */
export async function startHerald(options: HeraldOptions): Promise<Herald> {
  const { config, log } = options;
  const now = () => Date.now();
  const part = (name: string) => log.child({ part: name });

  const store = await openStore(config.store, now);
  const { entries, feedState, outbox, subscriptions, cluster } = store;
  const registry = await createRegistry(store);
  const reconciled = await registry.reconcile(config.feeds, config.rooms, config.pubsub);
  log.info({ feeds: reconciled.feeds, rooms: reconciled.rooms, nodes: reconciled.nodes, store: store.engine }, "configuration applied");

  // Several instances may share a PostgreSQL store: each takes its own XMPP resource of the one
  // account, and leases divide the feeds and targets between them (cluster/leases.ts).
  const identity = instanceIdentity(config.cluster.instance);
  const resource = cluster ? instanceResource(config.xmpp.resource, identity) : config.xmpp.resource;
  const connection = createConnection({ ...config.xmpp, resource, debug: options.xmppDebug, log: part("xmpp") });
  const send = connection.send.bind(connection);
  const online = () => connection.online;
  const rooms = createRoomManager({ send, defaultNick: config.nick, log: part("rooms") });
  let rounds = 0;
  const leases = cluster
    ? createLeases({
        cluster,
        name: identity.name,
        token: identity.token,
        leaseMs: config.cluster.leaseMs,
        wanted: async () => ({
          feeds: registry.feeds().map((f) => feedResource(f.name)),
          targets: [
            ...new Set([
              ...registry.rooms().map((r) => targetResource({ kind: "room", address: r.jid })),
              ...nodes.addresses().map((address) => targetResource({ kind: "pubsub", address })),
              ...config.mix.map((c) => targetResource({ kind: "mix", address: c.channel })),
              // People have a lease while announcements wait for them.
              ...(await outbox.targetsWithPending()).map(targetResource),
            ]),
          ],
        }),
        online,
        // What waits for a target this instance holds goes out, whoever queued it (the sweep
        // behind the notifications, which a lost connection can miss).
        onRound: () => {
          void delivery.kickReady().catch((err: unknown) => log.error({ err }, "could not list the targets waiting for announcements"));
          // And the live configuration, every sixth round, in case a notification was lost (the
          // LISTEN connection dropped) or arrived while a write of ours was on its way.
          if (++rounds % 6 === 0) void registry.refresh().catch((err: unknown) => log.error({ err }, "could not read the live configuration again"));
          if (feedsUnapplied) void applyFeeds();
        },
        log: part("cluster"),
      })
    : soloLeases(identity.name);
  const mine = (target: Target) => leases.holds(targetResource(target));
  const myFeed = (feed: string) => leases.holds(feedResource(feed));
  const myRooms = () => registry.rooms().filter((r) => mine({ kind: "room", address: r.jid }));
  const admins = createAdmins({ admins: config.admins, online, send, log: part("admins") });
  const metrics = createMetrics({
    outboxDepth: () => outbox.depth(),
    roomsJoined: () => rooms.joinedRooms().length,
    roomsConfigured: () => registry.rooms().length,
    feedIntervals: () => registry.feeds().flatMap((f) => {
      const schedule = poller.scheduleOf(f.name);
      return schedule ? [{ feed: f.name, seconds: schedule.ms / 1000, basis: schedule.basis }] : [];
    }),
    pushSubscriptions: () => push?.counts() ?? {},
    ...(cluster ? { cluster: () => leases.view() } : {}),
  });
  const userAgent = `Herald/${options.version} (XMPP feed bot${config.fetch.userAgentContact ? `; ${config.fetch.userAgentContact}` : ""})`;
  const runtimePolicy = config.fetch.allowPrivateAddresses ? "any" : "public-only";
  // W3C WebSub: only with an address hubs can reach (http.public_url); otherwise feeds are polled.
  const publicUrl = config.http?.publicUrl;
  // A hub pushes to the instance that subscribed; behind one public_url another may receive it
  // (README, "Several instances"). One instance on PostgreSQL is fine.
  if (publicUrl !== undefined && cluster) log.warn("http.public_url with a PostgreSQL store: WebSub pushes reach only the instance that subscribed; with several instances behind one address, leave public_url out (feeds are then polled)");
  const push = publicUrl === undefined ? undefined : createPush({
    publicUrl,
    poller: () => poller,
    policyFor: (feed) => (registry.feedOrigin(feed) === "admin" ? runtimePolicy : "any"),
    userAgent,
    timeoutMs: config.fetch.timeoutMs,
    onDelivery: (result) => metrics.websubDeliveries.inc({ result }),
    log: part("websub"),
    now,
  });

  const nodes = createNodeDirectory(registry);
  // MIX channels come from the file only; a change needs a restart (the reload says so).
  const mix = createMixChannels({
    request: (iq) => connection.iqCaller.request(iq, PUBSUB_ANSWER_MS),
    send,
    ownJid: () => config.xmpp.jid,
    channels: () => config.mix,
    defaultNick: config.nick,
    online,
    notifyAdmins: admins.notify,
    log: part("mix"),
  });
  const delivery = createDelivery({
    outbox,
    refusals: store.refusals,
    channels: [
      createRoomTarget({ rooms, send, configured: (room) => registry.room(room) !== undefined, rate: { burst: config.announce.roomBurst, intervalMs: config.announce.roomIntervalMs }, now, log: part("rooms") }),
      createPersonTarget({ sendAcknowledged: (stanza) => connection.sendAcknowledged(stanza), online }),
      createPubsubNodeTarget({
        request: (iq) => connection.iqCaller.request(iq, PUBSUB_ANSWER_MS),
        online,
        node: nodes.settings,
        nodes: nodes.addresses,
        firstFeed: nodes.firstFeed,
        feedTitle: async (feed) => (await feedState.get(feed))?.title ?? feed,
        notifyAdmins: admins.notify,
        now,
        log: part("pubsub"),
      }),
      mix.target,
    ],
    render: createRenderer((room) => registry.room(room)?.settings),
    onSent: (target) => metrics.announcementsSent.inc({ kind: target.kind }),
    onFailed: () => metrics.announcementsFailed.inc(),
    onAccepting: (target) => admins.notify(`${target.address} accepts my announcements again.`),
    mine,
    log: part("delivery"),
    now,
  });
  const refusalReports = createRefusalReports({ refusals: store.refusals, outbox, notifyAdmins: admins.notify, reportAfterMs: REFUSAL_REPORT_MS, mine, now, log: part("delivery") });

  const audience = createAudience({
    registry,
    subscriptions,
    nodesFor: nodes.forFeed,
    channelsFor: (feed) => config.mix.filter((c) => c.feeds.includes(feed)).map((c) => c.channel),
  });
  const failureReports = createFailureReports({ feedState, notifyAdmins: admins.notify, reportAfterMs: config.fetch.reportFailuresAfterMs, now });
  const poller = createPoller({
    feedState,
    entries,
    targetsFor: audience.targetsFor,
    accepts: audience.accepts,
    backfillFor: audience.backfillFor,
    onQueued: (_feed, targets) => targets.forEach((t) => void delivery.kick(t)),
    onMoved: (name, url) => feedSet.moved(name, url),
    // Awaited by the poller before the feed's next poll (the failure report reads, then writes).
    onPolled: async (feed, outcome, ms, before) => {
      metrics.observePoll(outcome, ms);
      await failureReports.onPolled(feed, outcome, before);
    },
    floodPolicy: configuredFloodPolicy({ maxAgeMs: config.announce.maxAgeMs, maxPerRead: config.announce.maxPerPoll }),
    correctionsMs: config.announce.correctionsMs,
    adaptive: { minMs: config.fetch.minIntervalMs, maxMs: config.fetch.maxIntervalMs },
    ...(push ? { pushActive: push.active, onHints: push.hints } : {}),
    mine: myFeed,
    log: part("poller"),
    now,
  });
  const feedSet = createFeedSet({
    registry,
    feedState,
    poller,
    fetchFeed: createFeedFetcher({ version: options.version, contact: config.fetch.userAgentContact, timeoutMs: config.fetch.timeoutMs }),
    runtimePolicy,
    ...(push ? { onApplied: (names: ReadonlySet<string>) => push.retain(names) } : {}),
    mine: myFeed,
    notifyAdmins: admins.notify,
    log: part("sources"),
  });
  const digests = createDigests({
    digests: store.digests,
    registry,
    onQueued: (room) => void delivery.kick({ kind: "room", address: room }),
    timeZone: config.timeZone,
    maxAgeMs: config.announce.maxAgeMs,
    accepts: audience.accepts,
    now,
    log: part("digests"),
  });

  const services: CommandServices = {
    version: options.version,
    startedAt: now(),
    now,
    entries,
    feedState,
    outbox,
    registry,
    subscriptions,
    pollNow: (feed) => poller.pollNow(feed),
    joinedRooms: () => rooms.joinedRooms(),
    awaitJoin: (room) => rooms.awaitJoin(room, JOIN_WAIT_MS),
    tryFeed: (url) => feedSet.tryFeed(url),
    waiting: () => delivery.waiting(),
    scheduleOf: (feed) => poller.scheduleOf(feed),
    pushOf: (feed) => push?.status(feed),
    ...(cluster ? { cluster: () => leases.view(), roomHolders: () => cluster.holders("room:") } : {}),
  };
  const inbound = createConversations({
    services,
    registry,
    admins,
    nick: config.nick,
    nickIn: (room) => rooms.nickIn(room) ?? mix.nickIn(room),
    isRoom: (jid) => registry.room(jid) !== undefined || rooms.rooms().includes(jid),
    ownDomain: config.xmpp.domain,
    ownJid: () => connection.jid ?? config.xmpp.jid,
    iqCallee: connection.iqCallee,
    send,
    onCommand: (name) => metrics.commands.inc({ command: name }),
    log: part("conversations"),
    now,
    // Every instance receives what is sent to the bare JID; the first to claim it answers.
    ...(cluster ? { claim: (key: string) => cluster.claim(key, 10 * 60_000) } : {}),
  });
  wireSession({ connection, rooms, channels: mix, delivery, inbound, admins, onReconnect: () => metrics.reconnects.inc(), log });
  // XEP-0410: a room can drop us silently (its service restarted while our connection stayed up).
  const selfPing = createSelfPing({
    joined: () => rooms.joinedWithNick(),
    request: (iq, timeoutMs) => connection.iqCaller.request(iq, timeoutMs),
    rejoin: (room, reason) => rooms.rejoin(room, reason),
    intervalMs: SELF_PING_MS,
    log: part("rooms"),
  });

  // With other instances, the copy of the live configuration is read again first: rows queued by
  // another instance for a room it just added must not be dropped as unserved here.
  const dropUnserved = () =>
    void (cluster ? registry.refresh() : Promise.resolve())
      .then(() => delivery.dropUnserved())
      .catch((err: unknown) => log.error({ err }, "could not drop the announcements of targets no longer served"));
  // A failed apply (the database was away) is tried again at the next lease round: until then the
  // poller may hold a feed whose lease is gone, and only asks the lease before each read.
  let feedsUnapplied = false;
  const applyFeeds = () =>
    feedSet.apply().then(
      () => void (feedsUnapplied = false),
      (err: unknown) => {
        feedsUnapplied = true;
        log.error({ err }, "could not apply the feeds");
      },
    );
  const applyRooms = () => {
    rooms.setRooms(myRooms());
    dropUnserved();
    // Never rejects: a failed pass is logged by the digests.
    void digests.reschedule();
  };
  registry.events.on("rooms", applyRooms);
  registry.events.on("feeds", () => void applyFeeds());
  registry.events.on("nodes", dropUnserved);
  // What this instance holds follows the configuration and the XMPP session.
  for (const event of ["rooms", "feeds", "nodes"] as const) registry.events.on(event, () => leases.soon());
  connection.events.on("online", () => leases.soon());
  connection.events.on("offline", () => leases.soon());
  let stopping: Promise<void> | undefined;
  leases.events.on("changed", (gained, lost) => {
    if (stopping) return;
    const changed = [...gained, ...lost];
    if (changed.some(isFeedResource)) void applyFeeds();
    if (changed.some((r) => r.startsWith("room:"))) rooms.setRooms(myRooms());
    for (const r of lost) if (!isFeedResource(r)) delivery.released(targetOf(r));
    for (const r of gained) if (!isFeedResource(r)) void delivery.kick(targetOf(r));
  });
  // What a burst leaves in the JS heap (the first cycle, a reload) back to the system once it is over.
  const heapRelease = createHeapRelease({ rss: () => process.memoryUsage.rss(), busy: eventLoopBusy(), compact: compactHeap, log: part("memory"), now });
  const fatal = new Promise<FatalConnectionError>((resolve) => connection.events.once("fatal", resolve));

  const health = createHealth({ online, joinedRooms: () => rooms.joinedRooms(), registry, feedState, outbox, ...(cluster ? { mine: () => myRooms().map((r) => r.jid) } : {}) });
  const ops = config.http ? createOpsServer({ ...config.http, health, metrics, log: part("http"), ...(push ? { websub: push } : {}) }) : undefined;
  // A port that is taken is a start-up error the operator must fix, like a bad config.
  await ops?.start();

  // Leases first: the feeds and rooms applied below are the ones this instance holds.
  await leases.start();
  // Another instance's changes: a new announcement for a target held here goes out now; a changed
  // live configuration is read again.
  const onNotification = (channel: "outbox" | "config", payload: string) => {
    if (channel === "config") {
      void registry.refresh().catch((err: unknown) => log.error({ err }, "could not read the live configuration again"));
      return;
    }
    const target = targetOf(payload);
    if (mine(target)) void delivery.kick(target);
    // Someone new to write to: whoever has room for it takes the lease.
    else if (target.kind === "user") leases.soon();
  };
  // Without notifications (a pooler in transaction mode refuses LISTEN) the lease rounds still
  // sweep: other instances' work is then noticed within a third of a lease, not at once.
  const stopListening = await cluster?.listen(onNotification).catch((err: unknown) => {
    log.warn({ err, everyMs: Math.round(config.cluster.leaseMs / 3) }, "cannot LISTEN for other instances' announcements and changes; noticing them at each lease round instead");
    return undefined;
  });
  applyRooms();
  await digests.start();
  // The poller must know the feeds before it starts: started, it would read each new one at once,
  // where start() lets a feed read shortly before a restart wait for its interval.
  await applyFeeds();
  selfPing.start();
  refusalReports.start();
  // Polling starts before the server answers: posts found meanwhile wait in the outbox.
  await poller.start();
  // A config naming MIX channels on a server without MIX is refused at start, saying what is missing.
  const ready = connection.start().then(async () => {
    const missing = await mix.missingSupport();
    if (missing !== undefined) throw new FatalConnectionError(missing);
  });
  // Not while logging in: the release's pause (~300 ms at 10,000 feeds) has no business in the
  // middle of the SASL exchange. The start-up's burst is still under way when the session is up.
  ready.then(
    () => {
      if (!stopping) heapRelease.start();
    },
    () => undefined,
  );

  const reloader = createReloader({ load: options.reloadConfig ?? (() => config), running: config, registry, notifyAdmins: admins.notify, log: part("config") });
  return {
    ready,
    fatal,
    // A reload is a burst of its own (the file parsed, feeds and rooms applied): watched again.
    reload: () => reloader.reload().finally(() => stopping || heapRelease.start()),
    stop() {
      stopping ??= (async () => {
        feedSet.stop();
        push?.stop();
        digests.stop();
        selfPing.stop();
        refusalReports.stop();
        heapRelease.stop();
        await poller.stop();
        await delivery.stop(5_000);
        await rooms.leaveAll();
        rooms.stop();
        // Given up only now that nothing is sent under them: another instance may start at once.
        await stopListening?.();
        await leases.stop();
        await connection.stop();
        await ops?.stop();
        await store.close();
        log.info("stopped");
      })();
      return stopping;
    },
  };
}

/** The target a lease or notification names ("kind:address"; the address may hold colons). */
function targetOf(resource: string): Target {
  const at = resource.indexOf(":");
  return { kind: resource.slice(0, at) as Target["kind"], address: resource.slice(at + 1) };
}

import type { HeraldConfig } from "./config/schema.js";
import type { Logger } from "./log.js";
import { openDatabase } from "./store/db.js";
import { createFeedStateStore } from "./store/feed-state.js";
import { createEntryStore } from "./store/entries.js";
import { createOutbox } from "./store/outbox.js";
import { createHttpFetcher } from "./sources/http-fetch.js";
import { httpFeedSource } from "./sources/feed-source.js";
import { createPoller } from "./sources/poller.js";
import { createConnection, type FatalConnectionError } from "./xmpp/connection.js";
import { groupchatMessage } from "./xmpp/muc-stanzas.js";
import { createRoomManager } from "./rooms/room-manager.js";
import { createDelivery } from "./announce/delivery.js";
import { formatAnnouncement } from "./announce/format.js";
import { limitConcurrency } from "./util/limit.js";

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

/** The composition root: builds every part with its real dependencies and starts them. */
export function startHerald(options: HeraldOptions): Herald {
  const { config, log } = options;
  const now = () => Date.now();
  const db = openDatabase(config.store);
  const feedState = createFeedStateStore(db);
  const entries = createEntryStore(db);
  const outbox = createOutbox(db);

  const connection = createConnection({
    ...config.xmpp,
    debug: options.xmppDebug,
    log: log.child({ part: "xmpp" }),
  });
  const rooms = createRoomManager({
    send: (stanza) => connection.send(stanza),
    defaultNick: config.nick,
    log: log.child({ part: "rooms" }),
  });
  const delivery = createDelivery({
    outbox,
    isJoined: (room) => rooms.isJoined(room),
    sendToRoom: (room, body, id) => connection.send(groupchatMessage(room, body, id)),
    render: (announcement) => formatAnnouncement(announcement.entry),
    log: log.child({ part: "delivery" }),
    now,
  });

  const subscribers = (feed: string) => config.rooms.filter((r) => r.feeds.includes(feed)).map((r) => r.jid.toLowerCase());
  const fetchFeed = createHttpFetcher({
    // Feed owners see who polls them and how to reach whoever runs this bot.
    userAgent: `Herald/${options.version} (XMPP feed bot${config.fetch.userAgentContact ? `; ${config.fetch.userAgentContact}` : ""})`,
    timeoutMs: config.fetch.timeoutMs,
    maxBytes: 20 * 1024 * 1024,
  });
  const limitedFetch = limitConcurrency(fetchFeed, FETCH_CONCURRENCY);
  const poller = createPoller({
    feedState,
    entries,
    roomsFor: subscribers,
    onQueued: (_feed, queuedRooms) => queuedRooms.forEach((room) => void delivery.kick(room)),
    log: log.child({ part: "poller" }),
    now,
  });

  connection.events.on("online", () => {
    delivery.newSession();
    rooms.onOnline();
  });
  connection.events.on("offline", () => rooms.onOffline());
  connection.events.on("stanza", (stanza) => rooms.handleStanza(stanza));
  rooms.events.on("joined", (room) => void delivery.kick(room));
  rooms.events.on("reflected", (_room, originId) => delivery.reflected(originId));

  const fatal = new Promise<FatalConnectionError>((resolve) => connection.events.once("fatal", resolve));

  rooms.setRooms(config.rooms);
  poller.setFeeds(
    config.feeds.map((feed) => ({
      name: feed.name,
      location: feed.url,
      intervalMs: feed.intervalMs,
      read: httpFeedSource(feed.url, limitedFetch),
    })),
  );
  // Polling starts before the server answers: posts found meanwhile wait in the outbox.
  poller.start();
  const ready = connection.start();

  let stopping: Promise<void> | undefined;
  return {
    ready,
    fatal,
    stop() {
      stopping ??= (async () => {
        await poller.stop();
        await delivery.stop(5_000);
        await rooms.leaveAll();
        rooms.stop();
        await connection.stop();
        db.close();
        log.info("stopped");
      })();
      return stopping;
    },
  };
}

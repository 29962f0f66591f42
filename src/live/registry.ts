import { EventEmitter } from "node:events";
import type { MediaSetting } from "../config/room-options.js";
import type { FeedConfig, PubsubNodeConfig, RoomConfig } from "../config/schema.js";
import { nodeUri } from "../xmpp/pubsub-stanzas.js";
import { createHash } from "node:crypto";
import type { LiveRow, LiveTable, Store } from "../store/store.js";

export interface RoomSettings {
  /** Characters of summary in announcements; 0 = no summary. */
  readonly summaryChars: number;
  /** A muted room is joined but gets no announcements (they are not queued for it). */
  readonly mute: boolean;
  /** A custom announcement template, or undefined for the default. */
  readonly template: string | undefined;
  /** A digest schedule ("daily 09:00", "weekly mon 09:00"), or undefined for none. */
  readonly digest?: string | undefined;
  /** Announce each post as it appears (default); false with a digest gives the digest only. */
  readonly instant?: boolean | undefined;
  /** Media sent along with announcements (XEP-0066); default none. */
  readonly media?: MediaSetting | undefined;
  /** Filter terms as written (filters/filters.ts): only posts matching one of `include`, none matching `exclude`. */
  readonly include?: readonly string[] | undefined;
  readonly exclude?: readonly string[] | undefined;
}

export const DEFAULT_ROOM_SETTINGS: RoomSettings = { summaryChars: 300, mute: false, template: undefined };

export interface LiveRoom {
  readonly jid: string;
  readonly nick?: string | undefined;
  readonly password?: string | undefined;
  readonly feeds: readonly string[];
  readonly settings: RoomSettings;
}

export type LiveFeed = FeedConfig;

/** A PubSub node Herald publishes to, as the file or an admin made it. */
export type LiveNode = PubsubNodeConfig;

export interface RegistryEvents {
  feeds: [];
  rooms: [];
  nodes: [];
}

export interface ReconcileReport {
  readonly added: string[];
  readonly updatedFromFile: string[];
  readonly removed: string[];
}

export type Registry = ReturnType<typeof createRegistry>;

/**
 * The live configuration of feeds and rooms, kept in the database so that what admins change at
 * runtime survives restarts. How it combines with the config file (see README, "Config file and
 * runtime changes"): on start, an item that is new in the file, or whose definition in the file
 * changed since it was last applied, takes the file's definition; an item the file still defines
 * unchanged keeps whatever admins made of it (including having been removed); an item that came
 * from the file and is no longer in it is removed; items admins created are the file's business
 * only once the file defines them too.
 */
export function createRegistry(store: Pick<Store, "liveTable" | "transaction">) {
  const events = new EventEmitter<RegistryEvents>();
  const feedTable = store.liveTable<LiveFeed>("feeds");
  const roomTable = store.liveTable<LiveRoom>("rooms");
  const nodeTable = store.liveTable<LiveNode>("pubsub_nodes");
  let feeds = new Map<string, LiveRow<LiveFeed>>();
  let rooms = new Map<string, LiveRow<LiveRoom>>();
  let nodes = new Map<string, LiveRow<LiveNode>>();

  function load(): void {
    feeds = new Map(feedTable.all().map((r) => [r.key, r]));
    rooms = new Map(roomTable.all().map((r) => [r.key, r]));
    nodes = new Map(nodeTable.all().map((r) => [r.key, r]));
  }

  function reconcileTable<F, T>(
    table: LiveTable<T>,
    current: Map<string, LiveRow<T>>,
    fromFile: readonly F[],
    keyOf: (f: F) => string,
    toSpec: (f: F, previous: T | undefined) => T,
  ): ReconcileReport {
    const report: ReconcileReport = { added: [], updatedFromFile: [], removed: [] };
    store.transaction(() => {
      const inFile = new Set<string>();
      for (const item of fromFile) {
        const key = keyOf(item);
        inFile.add(key);
        const hash = fingerprint(item);
        const row = current.get(key);
        if (row && row.fileHash === hash) continue; // unchanged in the file: runtime changes stand
        table.put({ key, spec: toSpec(item, row?.removed ? undefined : row?.spec), origin: "file", fileHash: hash, removed: false });
        (row ? report.updatedFromFile : report.added).push(key);
      }
      for (const row of current.values()) {
        if (row.origin === "file" && !inFile.has(row.key)) {
          table.delete(row.key);
          report.removed.push(row.key);
        }
      }
    });
    return report;
  }

  load();

  return {
    events,
    /**
     * Applies the config file's feeds, rooms and PubSub nodes (see the rules above); without
     * `fileNodes` (a tool that reads only feeds and rooms) the nodes are left as they are.
     */
    reconcile(
      fileFeeds: readonly FeedConfig[],
      fileRooms: readonly RoomConfig[],
      fileNodes?: readonly PubsubNodeConfig[],
    ): { feeds: ReconcileReport; rooms: ReconcileReport; nodes?: ReconcileReport } {
      const before = { feeds: JSON.stringify([...feeds.values()]), rooms: JSON.stringify([...rooms.values()]), nodes: JSON.stringify([...nodes.values()]) };
      // The database is the truth: another process (herald import-opml) may have written it.
      load();
      const feedReport = reconcileTable(feedTable, feeds, fileFeeds, (f) => f.name, (f) => f);
      const roomReport = reconcileTable(roomTable, rooms, fileRooms, (r) => r.jid.toLowerCase(), (r, previous) => ({
        jid: r.jid.toLowerCase(),
        nick: r.nick,
        password: r.password,
        feeds: [...r.feeds],
        // summary, mute and template are not in the file: a changed file definition keeps the
        // admins' values; digest, instant, media and the filters are, so the file's word stands for them.
        settings: { ...(previous?.settings ?? DEFAULT_ROOM_SETTINGS), digest: r.digest, instant: r.instant, media: r.media, include: r.include, exclude: r.exclude },
      }));
      const nodeReport = fileNodes === undefined ? undefined : reconcileTable(nodeTable, nodes, fileNodes, nodeUri, (n) => ({ ...n, feeds: [...n.feeds] }));
      load();
      // Listeners (a running bot being reloaded) apply what changed, whether the file changed it or
      // another process wrote the database (herald import-opml); at start there are none yet.
      if (JSON.stringify([...feeds.values()]) !== before.feeds) events.emit("feeds");
      if (JSON.stringify([...rooms.values()]) !== before.rooms) events.emit("rooms");
      if (JSON.stringify([...nodes.values()]) !== before.nodes) events.emit("nodes");
      return { feeds: feedReport, rooms: roomReport, ...(nodeReport === undefined ? {} : { nodes: nodeReport }) };
    },
    /** The PubSub nodes Herald publishes to. */
    nodes(): LiveNode[] {
      return [...nodes.values()].filter((r) => !r.removed).map((r) => r.spec);
    },
    /** A node by its address (nodeUri). */
    node(address: string): LiveNode | undefined {
      const row = nodes.get(address);
      return row && !row.removed ? row.spec : undefined;
    },
    putNode(node: LiveNode, notify = true): void {
      const key = nodeUri(node);
      const row = nodes.get(key);
      nodeTable.put({ key, spec: node, origin: row?.origin ?? "admin", fileHash: row?.fileHash, removed: false });
      load();
      if (notify) events.emit("nodes");
    },
    /** Stops publishing to a node (the node and its items stay at the service). */
    removeNode(address: string): boolean {
      const row = nodes.get(address);
      if (!row || row.removed) return false;
      if (row.origin === "file") nodeTable.put({ ...row, removed: true });
      else nodeTable.delete(address);
      load();
      events.emit("nodes");
      return true;
    },
    feeds(): LiveFeed[] {
      return [...feeds.values()].filter((r) => !r.removed).map((r) => r.spec);
    },
    /** Who made a feed: the config file, or an admin at runtime (whose URLs get the SSRF guard). */
    feedOrigin(name: string): "file" | "admin" | undefined {
      return feeds.get(name)?.origin;
    },
    feed(name: string): LiveFeed | undefined {
      const row = feeds.get(name);
      return row && !row.removed ? row.spec : undefined;
    },
    rooms(): LiveRoom[] {
      return [...rooms.values()].filter((r) => !r.removed).map((r) => r.spec);
    },
    room(jid: string): LiveRoom | undefined {
      const row = rooms.get(jid.toLowerCase());
      return row && !row.removed ? row.spec : undefined;
    },
    /** Rooms that announce a feed's posts as they appear (not muted, not digest-only). */
    roomsAnnouncing(feed: string): string[] {
      return this.rooms()
        .filter((r) => r.feeds.includes(feed) && !r.settings.mute && r.settings.instant !== false)
        .map((r) => r.jid);
    },
    putFeed(feed: LiveFeed): void {
      const row = feeds.get(feed.name);
      // A file-made feed edited by an admin stays the file's: removing it from the file removes it.
      feedTable.put({ key: feed.name, spec: feed, origin: row?.origin ?? "admin", fileHash: row?.fileHash, removed: false });
      load();
      events.emit("feeds");
    },
    /** Removes a feed and takes it out of every room's list. Returns the rooms that announced it. */
    removeFeed(name: string): string[] {
      const row = feeds.get(name);
      if (!row || row.removed) return [];
      const affected = this.rooms().filter((r) => r.feeds.includes(name));
      const affectedNodes = this.nodes().filter((n) => n.feeds.includes(name));
      store.transaction(() => {
        // A file-made item is marked removed (so an unchanged file does not bring it back); an
        // admin-made one is simply deleted.
        if (row.origin === "file") feedTable.put({ ...row, removed: true });
        else feedTable.delete(name);
        for (const room of affected) this.putRoom({ ...room, feeds: room.feeds.filter((f) => f !== name) }, false);
        for (const node of affectedNodes) this.putNode({ ...node, feeds: node.feeds.filter((f) => f !== name) }, false);
      });
      load();
      events.emit("feeds");
      if (affected.length > 0) events.emit("rooms");
      if (affectedNodes.length > 0) events.emit("nodes");
      return affected.map((r) => r.jid);
    },
    putRoom(room: LiveRoom, notify = true): void {
      const jid = room.jid.toLowerCase();
      const row = rooms.get(jid);
      roomTable.put({ key: jid, spec: { ...room, jid }, origin: row?.origin ?? "admin", fileHash: row?.fileHash, removed: false });
      load();
      if (notify) events.emit("rooms");
    },
    removeRoom(jid: string): boolean {
      const key = jid.toLowerCase();
      const row = rooms.get(key);
      if (!row || row.removed) return false;
      if (row.origin === "file") roomTable.put({ ...row, removed: true });
      else roomTable.delete(key);
      load();
      events.emit("rooms");
      return true;
    },
  };
}

/** A stable fingerprint of a definition in the config file. */
export function fingerprint(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 32);
}

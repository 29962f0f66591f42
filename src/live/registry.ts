import { EventEmitter } from "node:events";
import type { MediaSetting } from "../config/room-options.js";
import type { FeedConfig, PubsubNodeConfig, RoomConfig } from "../config/schema.js";
import { nodeUri } from "../xmpp/pubsub-stanzas.js";
import { createHash } from "node:crypto";
import type { LiveChange, LiveRow, LiveTableName, Store } from "../store/store.js";

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

export type Registry = Awaited<ReturnType<typeof createRegistry>>;

/**
 * The live configuration of feeds and rooms, kept in the database so that what admins change at
 * runtime survives restarts. How it combines with the config file (see README, "Config file and
 * runtime changes"): on start, an item that is new in the file, or whose definition in the file
 * changed since it was last applied, takes the file's definition; an item the file still defines
 * unchanged keeps whatever admins made of it (including having been removed); an item that came
 * from the file and is no longer in it is removed; items admins created are the file's business
 * only once the file defines them too.
 *
 * Reads answer from an in-memory copy of the tables. A write changes that copy at once, when it is
 * called, and then the database: a command that reads a room and then changes it sees every change
 * made before it, even one whose database write is still on its way (with a synchronous store
 * that could not happen; with an asynchronous one, two commands could otherwise both read the old
 * room and the second would undo the first). Resolves once the tables are loaded.
 */
export async function createRegistry(store: Pick<Store, "liveTable" | "applyLive">) {
  const events = new EventEmitter<RegistryEvents>();
  const feedTable = store.liveTable<LiveFeed>("feeds");
  const roomTable = store.liveTable<LiveRoom>("rooms");
  const nodeTable = store.liveTable<LiveNode>("pubsub_nodes");
  let feeds = new Map<string, LiveRow<LiveFeed>>();
  let rooms = new Map<string, LiveRow<LiveRoom>>();
  let nodes = new Map<string, LiveRow<LiveNode>>();

  // Database work runs one step at a time, in call order: a load reads after every write called
  // before it, and writes reach the database in the order they changed the copy.
  let queue: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(step: () => Promise<T>): Promise<T> => {
    const result = queue.then(step);
    queue = result.catch(() => undefined);
    return result;
  };
  /** Writes changed in the copy and not yet settled in the database. */
  let unwritten = 0;

  /** Refreshes the copy from the database (the truth: another process may have written it). */
  function load(): Promise<void> {
    return inTurn(async () => {
      const [f, r, n] = [await feedTable.all(), await roomTable.all(), await nodeTable.all()];
      // A write called while this read was on its way is in the copy but not in what was read:
      // keep the copy; that write's own load refreshes it once the write is in.
      if (unwritten > 0) return;
      feeds = new Map(f.map((row) => [row.key, row]));
      rooms = new Map(r.map((row) => [row.key, row]));
      nodes = new Map(n.map((row) => [row.key, row]));
    });
  }

  const mapOf = (table: LiveTableName): Map<string, LiveRow<unknown>> =>
    (table === "feeds" ? feeds : table === "rooms" ? rooms : nodes) as Map<string, LiveRow<unknown>>;

  /**
   * Applies writes to the copy now and to the database in one transaction, then reloads. If the
   * database refuses them, the reload after the last write in flight puts the copy back as the
   * database has it.
   */
  async function write(changes: readonly LiveChange[]): Promise<void> {
    for (const c of changes) {
      if ("put" in c) mapOf(c.table).set(c.put.key, c.put);
      else mapOf(c.table).delete(c.delete);
    }
    unwritten++;
    try {
      await inTurn(() => store.applyLive(changes));
    } finally {
      unwritten--;
      await load();
    }
  }

  /** The writes that apply the config file's definitions to one table (see the rules above). */
  function reconcileTable<F, T>(
    table: LiveTableName,
    current: Map<string, LiveRow<T>>,
    fromFile: readonly F[],
    keyOf: (f: F) => string,
    toSpec: (f: F, previous: T | undefined) => T,
    changes: LiveChange[],
  ): ReconcileReport {
    const report: ReconcileReport = { added: [], updatedFromFile: [], removed: [] };
    const inFile = new Set<string>();
    for (const item of fromFile) {
      const key = keyOf(item);
      inFile.add(key);
      const hash = fingerprint(item);
      const row = current.get(key);
      if (row && row.fileHash === hash) continue; // unchanged in the file: runtime changes stand
      changes.push({ table, put: { key, spec: toSpec(item, row?.removed ? undefined : row?.spec), origin: "file", fileHash: hash, removed: false } });
      (row ? report.updatedFromFile : report.added).push(key);
    }
    for (const row of current.values()) {
      if (row.origin === "file" && !inFile.has(row.key)) {
        changes.push({ table, delete: row.key });
        report.removed.push(row.key);
      }
    }
    return report;
  }

  await load();

  const registry = {
    events,
    /**
     * Applies the config file's feeds, rooms and PubSub nodes (see the rules above); without
     * `fileNodes` (a tool that reads only feeds and rooms) the nodes are left as they are.
     */
    async reconcile(
      fileFeeds: readonly FeedConfig[],
      fileRooms: readonly RoomConfig[],
      fileNodes?: readonly PubsubNodeConfig[],
    ): Promise<{ feeds: ReconcileReport; rooms: ReconcileReport; nodes?: ReconcileReport }> {
      const before = { feeds: JSON.stringify([...feeds.values()]), rooms: JSON.stringify([...rooms.values()]), nodes: JSON.stringify([...nodes.values()]) };
      // The database is the truth: another process (herald import-opml) may have written it.
      await load();
      // From here to write() nothing awaits: the changes are computed from one state of the copy.
      const changes: LiveChange[] = [];
      const feedReport = reconcileTable("feeds", feeds, fileFeeds, (f) => f.name, (f) => f, changes);
      const roomReport = reconcileTable("rooms", rooms, fileRooms, (r) => r.jid.toLowerCase(), (r, previous) => ({
        jid: r.jid.toLowerCase(),
        nick: r.nick,
        password: r.password,
        feeds: [...r.feeds],
        // summary, mute and template are not in the file: a changed file definition keeps the
        // admins' values; digest, instant, media and the filters are, so the file's word stands for them.
        settings: { ...(previous?.settings ?? DEFAULT_ROOM_SETTINGS), digest: r.digest, instant: r.instant, media: r.media, include: r.include, exclude: r.exclude },
      }), changes);
      const nodeReport = fileNodes === undefined ? undefined : reconcileTable("pubsub_nodes", nodes, fileNodes, nodeUri, (n) => ({ ...n, feeds: [...n.feeds] }), changes);
      if (changes.length > 0) await write(changes);
      else await load();
      // Listeners (a running bot being reloaded) apply what changed, whether the file changed it or
      // another process wrote the database (herald import-opml); at start there are none yet.
      if (JSON.stringify([...feeds.values()]) !== before.feeds) events.emit("feeds");
      if (JSON.stringify([...rooms.values()]) !== before.rooms) events.emit("rooms");
      if (JSON.stringify([...nodes.values()]) !== before.nodes) events.emit("nodes");
      return { feeds: feedReport, rooms: roomReport, ...(nodeReport === undefined ? {} : { nodes: nodeReport }) };
    },
    /**
     * Reads the tables again and tells the listeners what changed: another instance sharing the
     * database (cluster/) changed the live configuration.
     */
    async refresh(): Promise<void> {
      const before = { feeds: JSON.stringify([...feeds.values()]), rooms: JSON.stringify([...rooms.values()]), nodes: JSON.stringify([...nodes.values()]) };
      await load();
      if (JSON.stringify([...feeds.values()]) !== before.feeds) events.emit("feeds");
      if (JSON.stringify([...rooms.values()]) !== before.rooms) events.emit("rooms");
      if (JSON.stringify([...nodes.values()]) !== before.nodes) events.emit("nodes");
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
    async putNode(node: LiveNode): Promise<void> {
      await write([nodeChange(node)]);
      events.emit("nodes");
    },
    /** Stops publishing to a node (the node and its items stay at the service). */
    async removeNode(address: string): Promise<boolean> {
      const row = nodes.get(address);
      if (!row || row.removed) return false;
      await write([row.origin === "file" ? { table: "pubsub_nodes", put: { ...row, removed: true } } : { table: "pubsub_nodes", delete: address }]);
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
      return registry
        .rooms()
        .filter((r) => r.feeds.includes(feed) && !r.settings.mute && r.settings.instant !== false)
        .map((r) => r.jid);
    },
    async putFeed(feed: LiveFeed): Promise<void> {
      const row = feeds.get(feed.name);
      // A file-made feed edited by an admin stays the file's: removing it from the file removes it.
      await write([{ table: "feeds", put: { key: feed.name, spec: feed, origin: row?.origin ?? "admin", fileHash: row?.fileHash, removed: false } }]);
      events.emit("feeds");
    },
    /** Removes a feed and takes it out of every room's list. Returns the rooms that announced it. */
    async removeFeed(name: string): Promise<string[]> {
      const row = feeds.get(name);
      if (!row || row.removed) return [];
      const affected = registry.rooms().filter((r) => r.feeds.includes(name));
      const affectedNodes = registry.nodes().filter((n) => n.feeds.includes(name));
      // One transaction: the feed, and every room and node that listed it.
      await write([
        // A file-made item is marked removed (so an unchanged file does not bring it back); an
        // admin-made one is simply deleted.
        row.origin === "file" ? { table: "feeds", put: { ...row, removed: true } } : { table: "feeds", delete: name },
        ...affected.map((room) => roomChange({ ...room, feeds: room.feeds.filter((f) => f !== name) })),
        ...affectedNodes.map((node) => nodeChange({ ...node, feeds: node.feeds.filter((f) => f !== name) })),
      ]);
      events.emit("feeds");
      if (affected.length > 0) events.emit("rooms");
      if (affectedNodes.length > 0) events.emit("nodes");
      return affected.map((r) => r.jid);
    },
    async putRoom(room: LiveRoom): Promise<void> {
      await write([roomChange(room)]);
      events.emit("rooms");
    },
    async removeRoom(jid: string): Promise<boolean> {
      const key = jid.toLowerCase();
      const row = rooms.get(key);
      if (!row || row.removed) return false;
      await write([row.origin === "file" ? { table: "rooms", put: { ...row, removed: true } } : { table: "rooms", delete: key }]);
      events.emit("rooms");
      return true;
    },
  };

  /** A room written as an admin changed it; it keeps who made it. */
  function roomChange(room: LiveRoom): LiveChange {
    const jid = room.jid.toLowerCase();
    const row = rooms.get(jid);
    return { table: "rooms", put: { key: jid, spec: { ...room, jid }, origin: row?.origin ?? "admin", fileHash: row?.fileHash, removed: false } };
  }

  function nodeChange(node: LiveNode): LiveChange {
    const key = nodeUri(node);
    const row = nodes.get(key);
    return { table: "pubsub_nodes", put: { key, spec: node, origin: row?.origin ?? "admin", fileHash: row?.fileHash, removed: false } };
  }

  return registry;
}

/** A stable fingerprint of a definition in the config file. */
export function fingerprint(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 32);
}

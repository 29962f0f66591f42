// How the config file and runtime changes combine, on a real SQLite file reopened as a restart would.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../../src/store/sqlite/index.js";
import { createRegistry, DEFAULT_ROOM_SETTINGS } from "../../../src/live/registry.js";
import type { FeedConfig, RoomConfig } from "../../../src/config/schema.js";

const feed = (name: string, url = `https://x/${name}`): FeedConfig => ({ kind: "http", name, url, intervalMs: 600_000 });
const room = (jid: string, feeds: string[]): RoomConfig => ({ jid, feeds });

async function restart(path: string, feeds: FeedConfig[], rooms: RoomConfig[]) {
  const db = await openSqliteStore(path, () => 0);
  const registry = await createRegistry(db);
  const report = await registry.reconcile(feeds, rooms);
  return { db, registry, report };
}

const file = () => join(mkdtempSync(join(tmpdir(), "herald-reg-")), "h.db");

test("the file is the starting state", async () => {
  const { registry, report } = await restart(file(), [feed("a")], [room("r@muc", ["a"])]);
  expect(report.feeds.added).toEqual(["a"]);
  expect(registry.rooms()).toEqual([{ jid: "r@muc", feeds: ["a"], settings: DEFAULT_ROOM_SETTINGS }]);
});

test("runtime changes survive a restart while the file's entry is unchanged", async () => {
  const path = file();
  const first = await restart(path, [feed("a")], [room("r@muc", ["a"])]);
  await first.registry.putFeed(feed("b"));
  await first.registry.putRoom({ jid: "r@muc", feeds: ["a", "b"], settings: { ...DEFAULT_ROOM_SETTINGS, mute: true } });
  await first.registry.putRoom({ jid: "new@muc", feeds: ["b"], settings: DEFAULT_ROOM_SETTINGS });
  await first.db.close();
  const { registry } = await restart(path, [feed("a")], [room("r@muc", ["a"])]);
  expect(registry.feeds().map((f) => f.name)).toEqual(["a", "b"]);
  expect(registry.room("r@muc")).toMatchObject({ feeds: ["a", "b"], settings: { mute: true } });
  expect(registry.room("new@muc")).toMatchObject({ feeds: ["b"] });
});

test("an edit in the file wins over earlier runtime changes, keeping the room's settings", async () => {
  const path = file();
  const first = await restart(path, [feed("a"), feed("c")], [room("r@muc", ["a"])]);
  await first.registry.putRoom({ jid: "r@muc", feeds: [], settings: { ...DEFAULT_ROOM_SETTINGS, summaryChars: 100 } });
  await first.db.close();
  const { registry, report } = await restart(path, [feed("a"), feed("c")], [room("r@muc", ["a", "c"])]);
  expect(report.rooms.updatedFromFile).toEqual(["r@muc"]);
  expect(registry.room("r@muc")).toMatchObject({ feeds: ["a", "c"], settings: { summaryChars: 100 } });
});

test("an item removed from the file goes; one an admin removed stays removed while the file is unchanged", async () => {
  const path = file();
  const first = await restart(path, [feed("a")], [room("r@muc", ["a"]), room("s@muc", ["a"])]);
  await first.registry.removeRoom("s@muc");
  await first.db.close();
  const second = await restart(path, [feed("a")], [room("s@muc", ["a"])]);
  expect(second.report.rooms.removed).toEqual(["r@muc"]);
  expect(second.registry.rooms()).toEqual([]);
  await second.db.close();
  // Editing s@muc in the file brings it back: the newest word wins.
  const third = await restart(path, [feed("a")], [{ ...room("s@muc", ["a"]), nick: "News" }, room("t@muc", [])]);
  expect(third.registry.rooms().map((r) => r.jid)).toEqual(["s@muc", "t@muc"]);
  await third.db.close();
});

test("removing a feed takes it out of every room", async () => {
  const { registry } = await restart(file(), [feed("a"), feed("b")], [room("r@muc", ["a", "b"])]);
  expect(await registry.removeFeed("a")).toEqual(["r@muc"]);
  expect(registry.room("r@muc")?.feeds).toEqual(["b"]);
  expect(registry.roomsAnnouncing("a")).toEqual([]);
});

test("a muted room announces nothing", async () => {
  const { registry } = await restart(file(), [feed("a")], [room("r@muc", ["a"])]);
  await registry.putRoom({ ...registry.room("r@muc")!, settings: { ...DEFAULT_ROOM_SETTINGS, mute: true } });
  expect(registry.roomsAnnouncing("a")).toEqual([]);
});

describe("writes while others are on their way (an asynchronous store)", () => {
  /** The real store, whose applyLive waits while the gate is shut, or fails when told to. */
  async function slowStore() {
    const store = await openSqliteStore(":memory:", () => 0);
    let open = () => undefined as void;
    let gate: Promise<void> = Promise.resolve();
    let refuse = false;
    const slow = {
      liveTable: store.liveTable.bind(store),
      applyLive: async (changes: Parameters<typeof store.applyLive>[0]) => {
        await gate;
        if (refuse) throw new Error("database refused");
        return store.applyLive(changes);
      },
    };
    const shut = () => void (gate = new Promise<void>((r) => (open = r)));
    return { store, slow, shut, open: () => open(), refuse: (v: boolean) => (refuse = v) };
  }

  test("a change is seen at once, so a second command built on it does not undo it", async () => {
    const { store, slow, shut, open } = await slowStore();
    const registry = await createRegistry(slow);
    await registry.reconcile([feed("a"), feed("b"), feed("c")], [room("r@muc", ["a"])]);
    shut();
    // Two admins add a feed to the same room while the first write is still on its way.
    const first = registry.putRoom({ ...registry.room("r@muc")!, feeds: [...registry.room("r@muc")!.feeds, "b"] });
    const second = registry.putRoom({ ...registry.room("r@muc")!, feeds: [...registry.room("r@muc")!.feeds, "c"] });
    expect(registry.room("r@muc")?.feeds).toEqual(["a", "b", "c"]);
    open();
    await Promise.all([first, second]);
    expect(registry.room("r@muc")?.feeds).toEqual(["a", "b", "c"]);
    expect((await store.liveTable<{ feeds: string[] }>("rooms").all()).map((r) => r.spec.feeds)).toEqual([["a", "b", "c"]]);
  });

  test("a write the database refuses leaves the registry as the database has it", async () => {
    const { slow, refuse } = await slowStore();
    const registry = await createRegistry(slow);
    await registry.reconcile([feed("a")], [room("r@muc", ["a"])]);
    refuse(true);
    await expect(registry.putRoom({ ...registry.room("r@muc")!, feeds: [] })).rejects.toThrow("database refused");
    expect(registry.room("r@muc")?.feeds).toEqual(["a"]);
  });
});

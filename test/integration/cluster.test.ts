// Several instances on one PostgreSQL database (issue 18): three Herald processes with the same
// config (each its own instance name and XMPP resource) share six rooms and seven feeds through
// leases. One is killed in the middle of an announcement to every room, then restarted; one is cut
// off from the database by a proxy that stops forwarding. Through all of it, every post reaches
// every room, duplicates stay within what was in flight at a change of hands, and each feed is
// read once per interval. PostgreSQL is always used here, whatever HERALD_TEST_STORE says.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startServer, type XmppServer } from "./harness/server.js";
import { startPostgres, type PostgresServer } from "./harness/postgres.js";
import { TcpProxy } from "./harness/tcp-proxy.js";
import { connectMember, type Member, type MessageRecord } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess, writeConfig, type LogLine } from "./harness/bot.js";
import { freePorts } from "./harness/xmpp-server.js";

const BOT = "herald@localhost";
const LEASE = "3s";
const ROOMS = Array.from({ length: 6 }, (_, i) => `cluster${i + 1}@conference.localhost`);
/**
 * "all" is announced in every room (the posts every room must get); f1..f6 one room each. The
 * intervals are 2 and 3 s rather than 1 s: the poller reads on whole-second ticks, so a feed read
 * twice by two instances could still look like once a second; at 2 s it cannot (see the last test).
 */
const FEEDS = [
  { name: "all", path: "/all.atom", intervalS: 2 },
  ...ROOMS.map((_, i) => ({ name: `f${i + 1}`, path: `/f${i + 1}.atom`, intervalS: i % 2 === 0 ? 2 : 3 })),
];
const NAMES = ["a", "b", "c"] as const;
type Name = (typeof NAMES)[number];

interface Instance {
  readonly name: Name;
  readonly config: string;
  readonly port: number;
  bot: BotProcess;
  /** The lease holder, `name#token`: new for each process. */
  holder: string;
}

let pgServer: PostgresServer;
let xmpp: XmppServer;
let feeds: FeedServer;
let proxy: TcpProxy;
let member: Member;
let db: pg.Pool;
const instances = new Map<Name, Instance>();
const inst = (name: Name) => instances.get(name)!;
const running = () => NAMES.map(inst).filter((i) => i.bot.alive);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` returns undefined (all is well); else fails with its last reason. */
async function until(check: () => Promise<string | undefined> | string | undefined, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let reason: string | undefined = "never checked";
  while (Date.now() < deadline) {
    reason = await check();
    if (reason === undefined) return;
    await sleep(100);
  }
  throw new Error(`${what}: not so within ${timeoutMs} ms: ${reason}`);
}

/** The first log line matching `pred` (from each bot's `since` on) of any of the instances, as soon as it is parsed. */
function firstLog(of: Instance[], since: Map<Name, number>, pred: (l: LogLine) => boolean, timeoutMs = 60_000): Promise<{ instance: Instance; line: LogLine }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no instance logged a matching line within ${timeoutMs} ms`)), timeoutMs);
    for (const i of of) {
      i.bot.waitForLog(pred, since.get(i.name) ?? 0, timeoutMs).then(
        (line) => {
          clearTimeout(timer);
          resolve({ instance: i, line });
        },
        () => undefined,
      );
    }
  });
}

async function start(i: Instance): Promise<void> {
  i.bot = BotProcess.run(i.config);
  const jid = await i.bot.fullJid();
  const token = /-([0-9a-f]{6})$/.exec(jid)?.[1];
  if (!token) throw new Error(`instance ${i.name}: no token in its resource (${jid})`);
  i.holder = `${i.name}#${token}`;
}

interface LeaseRow {
  resource: string;
  holder: string | null;
  generation: number;
  live: boolean;
}

async function leases(): Promise<LeaseRow[]> {
  const { rows } = await db.query<LeaseRow>(
    `SELECT resource, holder, generation::int AS generation,
        (holder IS NOT NULL AND expires_at > (extract(epoch FROM clock_timestamp()) * 1000)::bigint) AS live
      FROM herald_leases ORDER BY resource`,
  );
  return rows;
}

const generations = async () => new Map((await leases()).map((r) => [r.resource, r.generation]));
const heldBy = (rows: LeaseRow[], holder: string, kind: "room" | "feed") => rows.filter((r) => r.live && r.holder === holder && r.resource.startsWith(`${kind}:`)).map((r) => r.resource.slice(kind.length + 1));

async function metric(i: Instance, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${i.port}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const value = new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1];
  return value === undefined ? undefined : Number(value);
}

/**
 * Why the cluster is not settled yet, or undefined when it is: every room and feed leased to one of
 * `of` (and to nobody else), each instance holding its fair share and no more, each in exactly the
 * rooms it holds (its own /metrics) and having logged joining each of them.
 */
async function unsettled(of: Instance[]): Promise<string | undefined> {
  const rows = await leases();
  const holders = new Set(of.map((i) => i.holder));
  for (const resource of [...ROOMS.map((r) => `room:${r}`), ...FEEDS.map((f) => `feed:${f.name}`)]) {
    const row = rows.find((r) => r.resource === resource);
    if (!row?.live || !holders.has(row.holder!)) return `${resource} held by ${row?.live ? row.holder : "nobody"}`;
  }
  const stray = rows.filter((r) => r.live && !holders.has(r.holder!));
  if (stray.length > 0) return `leases held by others: ${stray.map((r) => `${r.resource}=${r.holder}`).join(", ")}`;
  for (const i of of) {
    const rooms = heldBy(rows, i.holder, "room");
    const feedsHeld = heldBy(rows, i.holder, "feed");
    if (rooms.length > Math.ceil(ROOMS.length / of.length)) return `${i.name} holds ${rooms.length} rooms`;
    if (feedsHeld.length > Math.ceil(FEEDS.length / of.length)) return `${i.name} holds ${feedsHeld.length} feeds`;
    const joined = await metric(i, "herald_rooms_joined");
    if (joined !== rooms.length) return `${i.name} holds ${rooms.length} rooms and is in ${joined}`;
    const instancesSeen = await metric(i, "herald_cluster_instances");
    if (instancesSeen !== of.length) return `${i.name} sees ${instancesSeen} instances`;
    const notLogged = rooms.filter((room) => !i.bot.logs.some((l) => l.msg === "joined room" && l.room === room));
    if (notLogged.length > 0) return `${i.name} never logged joining ${notLogged.join(", ")}`;
  }
  return undefined;
}

const inRoom = (room: string) => (m: MessageRecord) => m.type === "groupchat" && m.from === `${room}/Herald` && !m.delayed;
/** Live copies of a post in a room, told apart by the title its announcement starts with. */
const copies = (room: string, title: string) => member.messages.filter((m) => inRoom(room)(m) && m.body.startsWith(`*${title}*`)).length;

async function pendingAnnouncements(): Promise<number> {
  const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM announcements WHERE state = 'pending'");
  return rows[0]!.n;
}

/** Waits for every title in every room and an empty outbox, then a moment for late copies. */
async function allDelivered(titles: string[], timeoutMs = 60_000): Promise<void> {
  await until(
    async () => {
      const missing = ROOMS.flatMap((room) => titles.filter((t) => copies(room, t) === 0).map((t) => `${t} in ${room}`));
      if (missing.length > 0) return `missing ${missing.join(", ")}`;
      const pending = await pendingAnnouncements();
      return pending > 0 ? `${pending} announcements pending` : undefined;
    },
    timeoutMs,
    `${titles.join(", ")} in every room`,
  );
  await sleep(1_000);
}

/** Lost posts and duplicates per room; asserts duplicates within `bound` (room → most allowed). */
function tally(label: string, titles: string[], bound: (room: string) => number): void {
  const lost: string[] = [];
  const over: string[] = [];
  let duplicates = 0;
  let allowed = 0;
  for (const room of ROOMS) {
    const extra = titles.reduce((sum, t) => {
      const n = copies(room, t);
      if (n === 0) lost.push(`${t} in ${room}`);
      return sum + Math.max(0, n - 1);
    }, 0);
    duplicates += extra;
    allowed += bound(room);
    if (extra > bound(room)) over.push(`${room}: ${extra} duplicates, at most ${bound(room)} in flight`);
  }
  process.stdout.write(`cluster ${label} (${process.env.HERALD_TEST_SERVER || "prosody"}): ${titles.length} posts x ${ROOMS.length} rooms, lost=${lost.length} duplicates=${duplicates} (bound ${allowed})\n`);
  expect(lost).toEqual([]);
  expect(over).toEqual([]);
}

function publishAll(titles: string[]): void {
  for (const t of titles) feeds.publish("/all.atom", makePost(t));
}

const marks = () => new Map(running().map((i) => [i.name, i.bot.logs.length]));

beforeAll(async () => {
  [pgServer, xmpp] = await Promise.all([startPostgres(), startServer({ users: { herald: "bot-pw", member: "member-pw" } })]);
  feeds = new FeedServer();
  await feeds.start();
  for (const f of FEEDS) feeds.setFeed(f.path, "atom", [makePost(`${f.name} baseline`)]);
  const url = await pgServer.createDatabase();
  db = new pg.Pool({ connectionString: url, max: 2 });
  db.on("error", () => undefined);
  proxy = new TcpProxy({ host: pgServer.host, port: pgServer.port });
  await proxy.start();
  const proxied = new URL(url);
  proxied.port = String(proxy.port);

  member = await connectMember({ server: xmpp, username: "member", password: "member-pw" });
  // The member makes the rooms (and owns them) before any instance comes.
  for (const room of ROOMS) await member.joinRoom(room, "member");

  const ports = await freePorts(NAMES.length);
  NAMES.forEach((name, k) => {
    const dir = mkdtempSync(join(tmpdir(), `herald-cluster-${name}-`));
    const config = writeConfig(
      {
        xmpp: { jid: BOT, password: "bot-pw", service: xmpp.service, resource: "herald" },
        nick: "Herald",
        // c reaches the database through the proxy, so that it can be cut off from it alone.
        store: name === "c" ? proxied.toString() : url,
        feeds: FEEDS.map((f) => ({ name: f.name, url: feeds.url(f.path), interval: `${f.intervalS}s` })),
        rooms: ROOMS.map((jid, i) => ({ jid, feeds: ["all", `f${i + 1}`] })),
        // One message a second per room: an announcement to every room takes a while.
        announce: { max_per_poll: 50, room_burst: 1, room_interval: "1s" },
        http: { listen: `127.0.0.1:${ports[k]}` },
        cluster: { instance: name, lease: LEASE },
      },
      dir,
    );
    instances.set(name, { name, config, port: ports[k]!, bot: undefined as unknown as BotProcess, holder: "" });
  });
  // Together, on an empty database: they migrate it once and divide the work between them.
  await Promise.all(NAMES.map((name) => start(inst(name))));
}, 90_000);

afterAll(async () => {
  await Promise.all([...instances.values()].map((i) => i.bot?.kill()));
  await member?.stop();
  await proxy?.stop();
  await db?.end().catch(() => undefined);
  await feeds?.stop();
  await Promise.all([xmpp?.cleanup(), pgServer?.cleanup()]);
}, 60_000);

test("every room is joined by exactly one instance, and the rooms and feeds are divided", async () => {
  await until(() => unsettled(running()), 45_000, "three instances sharing the rooms and feeds");
  const rows = await leases();
  const shares = NAMES.map((n) => `${n}: ${heldBy(rows, inst(n).holder, "room").length} rooms, ${heldBy(rows, inst(n).holder, "feed").length} feeds`);
  process.stdout.write(`cluster settled: ${shares.join("; ")}\n`);
  // Shares are a ceiling (leases.ts shareOf): 6 rooms are 2 each; 7 feeds at most 3 each, so at least 1.
  for (const n of NAMES) {
    expect(heldBy(rows, inst(n).holder, "room")).toHaveLength(ROOMS.length / NAMES.length);
    expect(heldBy(rows, inst(n).holder, "feed").length).toBeGreaterThanOrEqual(FEEDS.length - (NAMES.length - 1) * Math.ceil(FEEDS.length / NAMES.length));
  }
  // Nobody is missing from a room: a post reaches each once.
  publishAll(["Settled"]);
  await allDelivered(["Settled"]);
  tally("settled", ["Settled"], () => 0);
}, 90_000);

let restartable: Instance;

test("an instance killed mid-announcement to every room: nothing lost, duplicates no more than in flight", async () => {
  await until(() => unsettled(running()), 30_000, "settled before the kill");
  const titles = ["Kill 1", "Kill 2", "Kill 3", "Kill 4"];
  const before = await leases();
  const since = marks();
  publishAll(titles);
  // The instance that announces first is killed at once, the rest of its rooms' lines unsent.
  const { instance: victim } = await firstLog(running(), since, (l) => l.msg === "announced" && titles.includes(String(l.title)));
  victim.bot.signal("SIGKILL");
  await victim.bot.exited;
  restartable = victim;
  const deadRooms = new Set(heldBy(before, victim.holder, "room"));
  expect(deadRooms.size).toBeGreaterThan(0);
  const generation = new Map(before.map((r) => [r.resource, r.generation]));

  await allDelivered(titles);
  // The survivors took the dead instance's rooms (after its leases expired) and joined them.
  await until(() => unsettled(running()), 30_000, "two instances sharing everything");
  const after = await leases();
  for (const room of deadRooms) {
    const row = after.find((r) => r.resource === `room:${room}`)!;
    expect(row.holder).not.toBe(victim.holder);
    expect(row.generation).toBe(generation.get(`room:${room}`)! + 1);
  }
  // One message at most was in flight in each of the dead instance's rooms; the others kept theirs.
  tally(`kill of ${victim.name}`, titles, (room) => (deadRooms.has(room) ? 1 : 0));
}, 120_000);

test("the killed instance restarted rejoins and takes its share; a post then arrives once everywhere", async () => {
  const old = restartable.holder;
  await start(restartable);
  expect(restartable.holder).not.toBe(old);
  await until(() => unsettled(running()), 45_000, "three instances again after the restart");
  expect(heldBy(await leases(), restartable.holder, "room")).toHaveLength(ROOMS.length / NAMES.length);
  publishAll(["After restart"]);
  await allDelivered(["After restart"]);
  tally("after restart", ["After restart"], () => 0);
}, 90_000);

test("an instance cut off from the database stops delivering before the others take over its rooms", async () => {
  const c = inst("c");
  const [a, b] = [inst("a"), inst("b")];
  await until(() => unsettled(running()), 30_000, "settled before the cut");
  const before = await leases();
  const cRooms = new Set(heldBy(before, c.holder, "room"));
  expect(cRooms.size).toBeGreaterThan(0);
  const since = marks();
  const first = ["Cut 1", "Cut 2", "Cut 3"];
  publishAll(first);
  // Cut while c is sending one: its proof of delivery can no longer be stored.
  await firstLog([c], since, (l) => l.msg === "sending announcement" && first.includes(String(l.title)));
  proxy.partition();
  const cutAt = c.bot.logs.length;
  // Posts published during the cut: whoever holds "all" (c's leases lapse) reads them.
  const during = ["During cut 1", "During cut 2"];
  publishAll(during);

  const fenced = await c.bot.waitForLog((l) => l.msg === "leases given up" && /not renewed in time/.test(String(l.reason)), cutAt, 20_000);
  const fencedAt = c.bot.logs.indexOf(fenced);
  expect(fenced.resources as string[]).toEqual(expect.arrayContaining([...cRooms].map((r) => `room:${r}`)));
  await until(() => unsettled([a, b]), 30_000, "a and b serving everything while c is cut off");
  await allDelivered([...first, ...during]);

  // c sent nothing after it gave its leases up, though its XMPP session stayed up (it also waits
  // on the database after each send; the freeze below is where fencing alone must stop it).
  const afterFence = c.bot.logs.slice(fencedAt).filter((l) => l.msg === "sending announcement" || l.msg === "announced");
  expect(afterFence).toEqual([]);
  // Fencing: in each of c's rooms, c's last send came before the new holder's first one (the
  // times are the bots' own log times, on this one machine's clock).
  let compared = 0;
  for (const room of cRooms) {
    const lastByC = Math.max(...c.bot.logs.slice(since.get("c")).filter((l) => l.msg === "sending announcement" && l.target === room).map((l) => Number(l.time)));
    const firstByOthers = Math.min(
      ...[a, b].flatMap((i) => i.bot.logs.slice(since.get(i.name)).filter((l) => l.msg === "sending announcement" && l.target === room).map((l) => Number(l.time))),
    );
    if (!Number.isFinite(lastByC) || !Number.isFinite(firstByOthers)) continue;
    compared++;
    expect(lastByC).toBeLessThan(firstByOthers);
  }
  expect(compared).toBeGreaterThan(0);
  expect(c.bot.logs.slice(cutAt).some((l) => l.msg === "leases taken")).toBe(false);
  tally("cut-off of c", [...first, ...during], (room) => (cRooms.has(room) ? 1 : 0));

  // Back on the network, c takes a share again.
  proxy.heal();
  await until(() => unsettled(running()), 45_000, "three instances again after the cut healed");
  expect(heldBy(await leases(), c.holder, "room")).toHaveLength(ROOMS.length / NAMES.length);
  publishAll(["After the cut"]);
  await allDelivered(["After the cut"]);
  tally("after the cut healed", ["After the cut"], () => 0);
}, 150_000);

// Cut off from the database, an instance blocks on its next write (each send is stored as sent
// before the next), so it could hardly send more even unfenced. A process frozen past its lease
// (SIGSTOP: a stop-the-world pause, a suspended VM) is the case fencing is for: when it wakes, its
// delivery line's rate-limit timer is overdue and would send the next post at once, into a room
// another instance now serves, if it went by anything but its leases' local deadlines.
test("an instance frozen past its lease sends nothing when it wakes; the others served its rooms meanwhile", async () => {
  const b = inst("b");
  const [a, c] = [inst("a"), inst("c")];
  await until(() => unsettled(running()), 30_000, "settled before the freeze");
  const bRooms = new Set(heldBy(await leases(), b.holder, "room"));
  expect(bRooms.size).toBeGreaterThan(0);
  const since = marks();
  const titles = ["Freeze 1", "Freeze 2", "Freeze 3"];
  publishAll(titles);
  // Frozen right after its first announcement: its line now waits on the room's rate limit.
  await firstLog([b], since, (l) => l.msg === "announced" && titles.includes(String(l.title)));
  b.bot.signal("SIGSTOP");
  let woke: number;
  try {
    // Its session still sits in its rooms (same nick): a and c join them beside it.
    await until(() => unsettled([a, c]), 30_000, "a and c serving everything while b is frozen");
    await allDelivered(titles);
  } finally {
    // Every line b wrote before it froze has been read by now (the pipe was drained meanwhile).
    woke = b.bot.logs.length;
    b.bot.signal("SIGCONT");
  }
  await b.bot.waitForLog((l) => l.msg === "leases given up", woke, 20_000);
  await until(() => unsettled(running()), 45_000, "three instances again after b woke");
  // Everything was delivered while b was frozen: it has nothing of these to send, ever.
  const sentAwake = b.bot.logs.slice(woke).filter((l) => l.msg === "sending announcement" && titles.includes(String(l.title)));
  expect(sentAwake).toEqual([]);
  tally("freeze of b", titles, (room) => (bRooms.has(room) ? 1 : 0));
  publishAll(["After the freeze"]);
  await allDelivered(["After the freeze"]);
  tally("after the freeze", ["After the freeze"], () => 0);
}, 150_000);

/** Measured gaps may be shorter than real ones by this much: the feed server (this test process) notes a request's arrival when its event loop gets to it. */
const ARRIVAL_SLACK_MS = 250;

test("each feed was read once per interval, but for one read in flight at a change of hands", async () => {
  const generation = await generations();
  const report: string[] = [];
  const over: string[] = [];
  for (const f of FEEDS) {
    const times = feeds.requests.filter((r) => r.path === f.path).map((r) => r.at).sort((x, y) => x - y);
    expect(times.length).toBeGreaterThan(1);
    const intervalMs = f.intervalS * 1000;
    // An instance reads a feed at most once per interval: its next read is scheduled an interval
    // after the last one started. An instance taking a feed over waits for the interval since
    // the last recorded read (poller.ts notDueFor), so a change of hands allows one read more: the
    // old holder's read in flight when the lease moved, not yet recorded when the new holder
    // looked. That read can fall between the new holder's first two, so it may make two gaps
    // shorter than the interval. Every change of hands bumps the lease's generation; the first
    // lease of a feed (generation 1) is none.
    const handovers = (generation.get(`feed:${f.name}`) ?? 1) - 1;
    const span = times[times.length - 1]! - times[0]!;
    // The span may look shorter than it was by the same arrival slack (a late first arrival), which
    // must not cost a read: reads come exactly an interval apart (counted from the tick of the last).
    const bound = Math.floor((span + ARRIVAL_SLACK_MS) / intervalMs) + 1 + handovers;
    const early = times.slice(1).filter((t, k) => t - times[k]! < intervalMs - ARRIVAL_SLACK_MS).length;
    report.push(`${f.name} ${times.length} reads (bound ${bound}), ${early} early (bound ${2 * handovers})`);
    if (times.length > bound) over.push(`${f.name}: ${times.length} reads in ${span} ms at ${f.intervalS} s, ${handovers} changes of hands`);
    if (early > 2 * handovers) over.push(`${f.name}: ${early} reads sooner than ${f.intervalS} s after the one before, ${handovers} changes of hands`);
  }
  process.stdout.write(`cluster polls: ${report.join("; ")}\n`);
  expect(over).toEqual([]);
});

// Scenario: several instances on one PostgreSQL store (issue 18, part 5). One throwaway PostgreSQL
// (the test harness's startPostgres), the bench's Prosody and feed farm, and 1, 2 and 3 Herald
// instances spawned as the bench spawns the bot, all from the same config file (only
// HERALD_INSTANCE differs, so the logs and the lease holders are readable).
//
// - polls per second: LOAD_FEEDS unchanged feeds (every poll a 304) at a short interval, counted
//   at the farm over a window once the leases have settled; with the instances' and PostgreSQL's
//   CPU per poll, and polls per feed per interval (1 = each feed read once per interval, by one
//   instance).
// - announcement latency: posts published on PROBE_ROOMS feeds, each announced in its own room,
//   while the load feeds are polled; from publish to the reader (a real XMPP client in the rooms)
//   having the announcement, as the `latency` scenario measures it. With several instances, the
//   feed and the room are often held by different instances: the one polling stores the post and
//   the one in the room hears of it by LISTEN/NOTIFY.
// - failover: 3 instances, lease 5 s; SIGKILL the instance holding the most rooms, publish a post
//   to a feed announced in every room, time from the kill until every room has it. A new instance
//   replaces the dead one and the leases settle before the next repeat.
// BENCH_CLUSTER_LOG=debug runs the instances at debug level (BENCH_ECHO_BOT=1 shows their lines).
import type { Element } from "@xmpp/client";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { startPostgres, type PostgresServer } from "../../test/integration/harness/postgres.js";
import type { Member } from "../../test/integration/harness/member.js";
import { Bot, writeBotConfig, type BotConfig } from "../bot.js";
import { say, type BenchEnv, type Figure, type ScenarioResult } from "../env.js";
import { makeBenchPost, newestPosts, random } from "../posts.js";
import { readCpu } from "../proc.js";
import { median, percentile, round as r, sleep, sum } from "../stats.js";

/** One lease time for every phase: leases settle within seconds (rounds every lease/3). */
const LEASE = "5s";
const LEASE_MS = 5_000;
const ROUND_MS = LEASE_MS / 3;
const LOAD_INTERVAL_S = 2;
const PROBE_INTERVAL_S = 1;
const PROBE_ROOMS = 6;
const FAILOVER_INSTANCES = 3;
const FAILOVER_ROOMS = 6;
const START_TIMEOUT_MS = 60_000;
const SETTLE_TIMEOUT_MS = 60_000;
const ARRIVAL_TIMEOUT_MS = 30_000;
const PROBE = /Cluster probe #([^#]+)#/;
const NICK = "Herald";

const loadPath = (i: number) => `/cluster/load/blog${i}.xml`;
const probePath = (k: number) => `/cluster/probe/blog${k}.xml`;
const probeRoom = (k: number) => `clusterlat${k}@conference.localhost`;
const failoverPath = "/cluster/failover/blog.xml";
const failoverRoom = (k: number) => `clusterfo${k}@conference.localhost`;

interface Want {
  readonly feeds: readonly string[];
  readonly rooms: readonly string[];
}

/** The holders of the leases now (unexpired, on the database's clock), by resource: instance name. */
type Holdings = Map<string, string>;

/** Instances sharing one database, started from one config file. */
class Cluster {
  readonly bots = new Map<string, Bot>();
  readonly dead = new Set<string>();
  private seq = 0;

  constructor(
    private readonly prefix: string,
    private readonly configPath: string,
    readonly db: pg.Pool,
  ) {}

  start(): Bot {
    const name = `${this.prefix}-${++this.seq}`;
    const bot = Bot.start(this.configPath, process.env.BENCH_CLUSTER_LOG ?? "info", { HERALD_INSTANCE: name });
    this.bots.set(name, bot);
    void bot.exited.then(() => this.dead.add(name));
    return bot;
  }

  live(): [string, Bot][] {
    return [...this.bots].filter(([name]) => !this.dead.has(name));
  }

  async holdings(): Promise<Holdings> {
    const { rows } = await this.db.query<{ resource: string; holder: string }>(
      "SELECT resource, holder FROM herald_leases WHERE holder IS NOT NULL AND expires_at > (extract(epoch FROM clock_timestamp()) * 1000)::bigint",
    );
    return new Map(rows.map((row) => [row.resource, row.holder.split("#")[0]!]));
  }

  /**
   * Waits until every feed and room is held by a live instance, no instance holds more than its
   * fair share, every room has Herald in it (as the reader sees it), and the holdings have not
   * changed for more than a lease round.
   */
  async settle(want: Want, reader: Member): Promise<Holdings> {
    const deadline = performance.now() + SETTLE_TIMEOUT_MS;
    let previous = "";
    let since = performance.now();
    let problem = "";
    while (performance.now() < deadline) {
      const live = this.live().map(([name]) => name);
      const held = await this.holdings();
      const n = live.length;
      const counts = new Map(live.map((name) => [name, { feeds: 0, rooms: 0 }]));
      problem = "";
      for (const [resource, name] of held) {
        const c = counts.get(name);
        if (c && resource.startsWith("feed:")) c.feeds++;
        if (c && resource.startsWith("room:")) c.rooms++;
      }
      const unheld = [...want.feeds.map((f) => `feed:${f}`), ...want.rooms.map((j) => `room:${j}`)].filter((res) => !live.includes(held.get(res) ?? ""));
      if (unheld.length > 0) problem = `${unheld.length} resources not held by a live instance (e.g. ${unheld[0]})`;
      for (const [name, c] of counts) {
        if (c.feeds > Math.ceil(want.feeds.length / n) || c.rooms > Math.ceil(want.rooms.length / n)) problem ||= `${name} holds ${c.feeds} feeds, ${c.rooms} rooms (more than its share)`;
        if (c.rooms === 0 && want.rooms.length >= n) problem ||= `${name} holds no room yet`;
      }
      const empty = want.rooms.filter((room) => !reader.occupants(room).has(NICK));
      if (empty.length > 0) problem ||= `${empty.length} rooms without ${NICK} (e.g. ${empty[0]})`;
      const signature = JSON.stringify([...held].sort());
      if (signature !== previous) {
        previous = signature;
        since = performance.now();
      } else if (!problem && performance.now() - since >= ROUND_MS + 500) {
        return held;
      }
      await sleep(250);
    }
    throw new Error(`cluster did not settle within ${SETTLE_TIMEOUT_MS} ms: ${problem || "holdings kept changing"}`);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.live().map(([, bot]) => bot.stop()));
  }
}

/** CPU of the PostgreSQL server: the postmaster and its children (backends, writers), by pid. */
function postgresCpu(server: PostgresServer): Map<number, number> {
  const out = new Map<number, number>();
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(join(server.dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return out;
  }
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (pid === postmaster || ppid === postmaster) out.set(pid, readCpu(pid).ms);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU ms between two readings of several processes, counting those present in both. */
function cpuDelta(a: Map<number, number>, b: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of b) {
    const before = a.get(pid);
    if (before !== undefined) total += ms - before;
  }
  return total;
}

function botsCpu(bots: readonly Bot[]): Map<number, number> {
  return new Map(bots.map((bot) => [bot.pid, bot.cpu().ms]));
}

/** Arrivals of probe announcements at the reader, by probe key: every receipt time (duplicates kept). */
class Arrivals {
  readonly seen = new Map<string, number[]>();
  private readonly waiting = new Map<string, { resolve: (at: number) => void }>();
  private readonly listener = (stanza: Element) => {
    if (stanza.name !== "message" || stanza.attrs.type !== "groupchat" || !String(stanza.attrs.from ?? "").endsWith(`/${NICK}`)) return;
    if (stanza.getChild("delay", "urn:xmpp:delay")) return;
    const match = PROBE.exec(stanza.getChildText("body") ?? "");
    if (!match) return;
    const room = String(stanza.attrs.from).split("/")[0]!;
    const key = `${match[1]}@${room}`;
    const at = performance.now();
    const list = this.seen.get(key) ?? [];
    list.push(at);
    this.seen.set(key, list);
    this.waiting.get(key)?.resolve(at);
  };

  constructor(private readonly reader: Member) {
    reader.client.on("stanza", this.listener);
  }

  /** Resolves with the first receipt of probe `id` in `room`. */
  wait(id: string, room: string, timeoutMs = ARRIVAL_TIMEOUT_MS): Promise<number> {
    const key = `${id}@${room}`;
    const already = this.seen.get(key)?.[0];
    if (already !== undefined) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        reject(new Error(`probe ${id} not announced in ${room} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(key, {
        resolve: (at) => {
          clearTimeout(timer);
          this.waiting.delete(key);
          resolve(at);
        },
      });
    });
  }

  duplicates(): number {
    return sum([...this.seen.values()].map((list) => list.length - 1));
  }

  close(): void {
    this.reader.client.removeListener("stanza", this.listener);
  }
}

interface Measured {
  readonly instances: number;
  readonly pollsPerS: number;
  readonly pollsPerFeedPerInterval: number;
  /** Load feeds read at least once in the window, and reads less than half an interval after the previous one. */
  readonly feedsRead: number;
  readonly doubles: number;
  readonly botCpuPerPollMs: number;
  readonly pgCpuPerPollMs: number;
  readonly statuses: Record<number, number>;
  readonly total: number[];
  readonly processing: number[];
  /** The same, split: the feed and its room held by one instance, or by two (the NOTIFY hop). */
  readonly processingSame: number[];
  readonly processingCross: number[];
  readonly cross: number;
  /** The floor under the same load: a member's groupchat message → the reader, through the same Prosody. */
  readonly floor: number[];
  readonly duplicates: number;
  readonly startMs: number;
}

export async function cluster(env: BenchEnv): Promise<ScenarioResult> {
  const quick = env.quick;
  const loadFeeds = quick ? 100 : 300;
  const windowMs = quick ? 6_000 : 12_000;
  const samplesPerRoom = quick ? 3 : 10;
  const repeats = quick ? 2 : 4;
  const dir = join(env.dir, "cluster");
  mkdirSync(dir);

  const postgres = await startPostgres();
  const pools: pg.Pool[] = [];
  const pool = (url: string) => {
    const p = new pg.Pool({ connectionString: url, max: 2 });
    p.on("error", () => undefined);
    pools.push(p);
    return p;
  };
  const reader = await env.member("reader");
  const arrivals = new Arrivals(reader);
  try {
    const pgVersion = (await pool(postgres.url()).query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version;

    for (let i = 0; i < loadFeeds; i++) env.farm.setFeed(loadPath(i), "atom", newestPosts(`cload${i}`, 20, 20));
    for (let k = 0; k < PROBE_ROOMS; k++) env.farm.setFeed(probePath(k), "atom", newestPosts(`cprobe${k}`, 20, 20));
    env.farm.setFeed(failoverPath, "atom", newestPosts("cfail", 20, 20));
    for (let k = 0; k < PROBE_ROOMS; k++) await reader.joinRoom(probeRoom(k), "reader");
    for (let k = 0; k < FAILOVER_ROOMS; k++) await reader.joinRoom(failoverRoom(k), "reader");

    const measured: Measured[] = [];
    for (const n of [1, 2, 3]) measured.push(await throughputAndLatency(env, postgres, pool, reader, arrivals, { n, loadFeeds, windowMs, samplesPerRoom, dir }));
    const failover = await failoverRuns(env, postgres, pool, reader, arrivals, { repeats, dir });

    const ref = measured[0]!;
    const figures: Figure[] = [];
    for (const m of measured) {
      figures.push({ key: `polls_per_s_${m.instances}`, label: `cluster: polls per second (${m.instances} instance${m.instances > 1 ? "s" : ""}; ${loadFeeds} unchanged feeds every ${LOAD_INTERVAL_S} s)`, value: r(m.pollsPerS, 1), unit: "polls/s" });
    }
    for (const m of measured) figures.push({ key: `polls_per_feed_interval_${m.instances}`, label: `  polls per feed per interval (${m.instances})`, value: r(m.pollsPerFeedPerInterval, 3), unit: "" });
    for (const m of measured) figures.push({ key: `double_polls_${m.instances}`, label: `  reads within half an interval of the same feed's previous read (${m.instances}; feeds read in the window: ${m.feedsRead} of ${loadFeeds})`, value: m.doubles, unit: "polls" });
    for (const m of measured) figures.push({ key: `bot_cpu_per_poll_${m.instances}`, label: `  Herald CPU per poll, all instances (${m.instances})`, value: r(m.botCpuPerPollMs, 3), unit: "ms" });
    for (const m of measured) figures.push({ key: `pg_cpu_per_poll_${m.instances}`, label: `  PostgreSQL CPU per poll (${m.instances})`, value: r(m.pgCpuPerPollMs, 3), unit: "ms" });
    for (const m of measured) {
      figures.push({ key: `latency_p50_${m.instances}`, label: `cluster: announcement latency p50 (${m.instances}; published → reader has it, ${PROBE_INTERVAL_S} s poll)`, value: r(percentile(m.total, 50), 0), unit: "ms" });
      figures.push({ key: `latency_p99_${m.instances}`, label: `cluster: announcement latency p99 (${m.instances})`, value: r(percentile(m.total, 99), 0), unit: "ms" });
    }
    for (const m of measured) {
      figures.push({ key: `processing_p50_${m.instances}`, label: `  of which after the poll (response written → reader) p50 (${m.instances})`, value: r(percentile(m.processing, 50), 1), unit: "ms" });
      figures.push({ key: `processing_p99_${m.instances}`, label: `  of which after the poll p99 (${m.instances})`, value: r(percentile(m.processing, 99), 1), unit: "ms" });
    }
    for (const m of measured) figures.push({ key: `floor_p50_${m.instances}`, label: `  floor: a member's room message → reader, same load, p50 (${m.instances})`, value: r(percentile(m.floor, 50), 1), unit: "ms" });
    for (const m of measured.slice(1)) {
      if (m.processingSame.length > 0) figures.push({ key: `processing_same_p50_${m.instances}`, label: `  after the poll p50, feed and room on one instance (${m.instances}; ${m.processingSame.length} posts)`, value: r(percentile(m.processingSame, 50), 1), unit: "ms" });
      if (m.processingCross.length > 0) figures.push({ key: `processing_cross_p50_${m.instances}`, label: `  after the poll p50, feed and room on two instances (${m.instances}; ${m.processingCross.length} posts)`, value: r(percentile(m.processingCross, 50), 1), unit: "ms" });
    }
    for (const m of measured.slice(1)) {
      figures.push({ key: `ratio_polls_${m.instances}`, label: `  ratio ${m.instances} / 1 instance: polls per second`, value: r(m.pollsPerS / ref.pollsPerS, 2), unit: "x" });
      figures.push({ key: `ratio_processing_p50_${m.instances}`, label: `  ratio ${m.instances} / 1 instance: latency after the poll, p50`, value: r(percentile(m.processing, 50) / percentile(ref.processing, 50), 2), unit: "x" });
    }
    figures.push({ key: "failover_ms", label: `cluster: failover (rooms served again after kill; ${FAILOVER_INSTANCES} instances, lease ${LEASE}), median`, value: r(median(failover.all), 0), unit: "ms" });
    figures.push({ key: "failover_max_ms", label: "  failover, slowest repeat", value: r(Math.max(...failover.all), 0), unit: "ms" });
    figures.push({ key: "failover_survivors_ms", label: "  the survivors' rooms have the same post (kill → last of them), median", value: r(median(failover.survivors), 0), unit: "ms" });
    figures.push({ key: "failover_lease_ms", label: "  lease time (the bound a dead instance's leases outlive it)", value: LEASE_MS, unit: "ms" });

    for (const m of measured) {
      say(
        `  ${m.instances} instance(s): ${r(m.pollsPerS, 1)} polls/s (${r(m.pollsPerFeedPerInterval, 3)} per feed per interval, ${m.feedsRead} feeds read, ${m.doubles} double reads), Herald ${r(m.botCpuPerPollMs, 3)} ms + PostgreSQL ${r(m.pgCpuPerPollMs, 3)} ms CPU per poll; latency p50 ${r(percentile(m.total, 50), 0)} / p99 ${r(percentile(m.total, 99), 0)} ms, after the poll p50 ${r(percentile(m.processing, 50), 1)} / p99 ${r(percentile(m.processing, 99), 1)} ms (${m.cross}/${m.total.length} across instances)`,
      );
    }
    say(`  failover: ${failover.all.map((v) => r(v, 0)).join(", ")} ms (median ${r(median(failover.all), 0)} ms, lease ${LEASE})`);

    return {
      scenario: "cluster",
      title: "Several instances on one PostgreSQL store (issue 18): polls, latency, failover",
      figures,
      settings: {
        postgres: pgVersion,
        lease: LEASE,
        loadFeeds,
        loadIntervalS: LOAD_INTERVAL_S,
        windowMs,
        probeRooms: PROBE_ROOMS,
        probeIntervalS: PROBE_INTERVAL_S,
        samplesPerRoom,
        failoverInstances: FAILOVER_INSTANCES,
        failoverRooms: FAILOVER_ROOMS,
        failoverRepeats: repeats,
        statuses: Object.fromEntries(measured.map((m) => [m.instances, m.statuses])),
        crossInstanceAnnouncements: Object.fromEntries(measured.map((m) => [m.instances, `${m.cross}/${m.total.length}`])),
        duplicates: { latency: Object.fromEntries(measured.map((m) => [m.instances, m.duplicates])), failover: failover.duplicates },
        startToSettledMs: Object.fromEntries(measured.map((m) => [m.instances, r(m.startMs, 0)])),
        failoverVictims: failover.victims,
      },
      notes: [
        `One throwaway PostgreSQL ${pgVersion} (test/integration/harness/postgres.ts: initdb in a temp dir, fsync off), the bench's Prosody and feed farm. For each N in 1, 2, 3: a fresh database, N instances started together from one config file (store: postgres://…, cluster.lease ${LEASE}; HERALD_INSTANCE names them), then the measurements once the leases have settled (every feed and room held by a live instance, none beyond its fair share, Herald in every room, holdings unchanged for a lease round).`,
        `Lease ${LEASE} in every phase, not the default 30 s, so that the leases settle within seconds; lease rounds (heartbeat, renew, acquire) run every lease/3, six times as often as with the default, so the PostgreSQL CPU here is an upper bound for that part.`,
        `Polls: ${loadFeeds} feeds with interval ${LOAD_INTERVAL_S} s, every poll a 304, plus ${PROBE_ROOMS} probe feeds every ${PROBE_INTERVAL_S} s (not counted); polls counted at the farm over ${windowMs / 1000} s. Polls per feed per interval = polls / (feeds × window / interval): 1 would be each feed read once per interval, by one instance; the poller schedules a feed's next read at its interval after the poll ended, rounded up to the next whole second (its shared ticks), so a ${LOAD_INTERVAL_S} s interval is read every ${LOAD_INTERVAL_S + 1} s (0.667), or every ${LOAD_INTERVAL_S} s when the tick timer fires a little early by Date.now(). A read of a feed less than half an interval after its previous read would mean two instances polling it; none is expected. The rate is set by the feeds' intervals, not by what the instances could do: it shows that the feeds are divided without double polls, and what a poll costs in CPU (all instances', and PostgreSQL's: the postmaster and its children) when it is divided.`,
        `Latency: during the same run, after the polls window: ${PROBE_ROOMS} feeds each announced in its own room, one loop per room publishing a post 1–3 s after its previous one arrived (below the per-room rate), ${samplesPerRoom} posts per room after one unmeasured. Total = published → the reader's client has it (includes waiting for the ${PROBE_INTERVAL_S} s poll); after the poll = the farm has written the response carrying the post → the reader has it. With N > 1 the feed and its room are often held by different instances: the post is stored by one and sent by the other, told by LISTEN/NOTIFY; the two cases are also shown apart. The floor: meanwhile another member (user1) sends a groupchat message into the first probe room every 1–2 s, timed from send to the reader's receipt: Prosody's routing and the clients under the same load.`,
        `Failover: a fresh database, ${FAILOVER_INSTANCES} instances, one feed (interval ${PROBE_INTERVAL_S} s) announced in ${FAILOVER_ROOMS} rooms. Each repeat: SIGKILL the instance holding the most rooms, publish a post at once, time from the kill until the reader has it in every room (the dead instance's rooms last: their leases must expire, up to ${LEASE} after its last renewal, and a survivor takes them at its next round, every ${r(ROUND_MS / 1000, 2)} s, then joins and sends). Then a new instance replaces the dead one and the leases settle again. Median of ${repeats} repeats.`,
      ],
      samples: {
        ...Object.fromEntries(measured.map((m) => [`latency_total_ms_${m.instances}`, m.total])),
        ...Object.fromEntries(measured.map((m) => [`floor_ms_${m.instances}`, m.floor])),
        ...Object.fromEntries(measured.map((m) => [`latency_processing_ms_${m.instances}`, m.processing])),
        failover_ms: failover.all,
        failover_survivors_ms: failover.survivors,
      },
    };
  } finally {
    arrivals.close();
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
    await postgres.cleanup();
  }
}

async function throughputAndLatency(
  env: BenchEnv,
  postgres: PostgresServer,
  pool: (url: string) => pg.Pool,
  reader: Member,
  arrivals: Arrivals,
  o: { n: number; loadFeeds: number; windowMs: number; samplesPerRoom: number; dir: string },
): Promise<Measured> {
  const url = await postgres.createDatabase();
  const db = pool(url);
  const probeFeeds = Array.from({ length: PROBE_ROOMS }, (_, k) => `cprobe${k}`);
  const loadNames = Array.from({ length: o.loadFeeds }, (_, i) => `cload${i}`);
  const config: BotConfig = {
    xmpp: env.xmpp(),
    store: url,
    feeds: [
      ...probeFeeds.map((name, k) => ({ name, url: env.farm.url(probePath(k)), interval: `${PROBE_INTERVAL_S}s` })),
      ...loadNames.map((name, i) => ({ name, url: env.farm.url(loadPath(i)), interval: `${LOAD_INTERVAL_S}s` })),
    ],
    // Each room announces its probe feed and its share of the load feeds.
    rooms: Array.from({ length: PROBE_ROOMS }, (_, k) => ({ jid: probeRoom(k), feeds: [probeFeeds[k]!, ...loadNames.filter((_, i) => i % PROBE_ROOMS === k)] })),
    cluster: { lease: LEASE },
  };
  const phaseDir = join(o.dir, `n${o.n}`);
  mkdirSync(phaseDir);
  const c = new Cluster(`bench-n${o.n}`, writeBotConfig(config, phaseDir), db);
  const want: Want = { feeds: [...probeFeeds, ...loadNames], rooms: Array.from({ length: PROBE_ROOMS }, (_, k) => probeRoom(k)) };
  try {
    const t0 = performance.now();
    const bots = Array.from({ length: o.n }, () => c.start());
    await Promise.all(bots.map((bot) => bot.waitFor((l) => l.msg === "online", START_TIMEOUT_MS, "online")));
    const held = await c.settle(want, reader);
    const startMs = performance.now() - t0;
    // Every feed read at least once (its baseline): from here on they answer 304.
    await sleep(LOAD_INTERVAL_S * 1000 + 1000);

    // Polls window.
    let loadPolls = 0;
    // A feed read again less than half an interval after its previous read: two instances polling it.
    let doubles = 0;
    const lastRead = new Map<string, number>();
    env.farm.onRequest = (path) => {
      if (!path.startsWith("/cluster/load/")) return;
      loadPolls++;
      const now = performance.now();
      const last = lastRead.get(path);
      if (last !== undefined && now - last < (LOAD_INTERVAL_S * 1000) / 2) doubles++;
      lastRead.set(path, now);
    };
    env.farm.resetStats();
    const botA = botsCpu(bots);
    const pgA = postgresCpu(postgres);
    const w0 = performance.now();
    await sleep(o.windowMs);
    const elapsed = performance.now() - w0;
    const botB = botsCpu(bots);
    const pgB = postgresCpu(postgres);
    const polls = loadPolls;
    const stats = env.farm.snapshot();
    env.farm.onRequest = undefined;
    const allPolls = stats.requests;
    if ((stats.byStatus[200] ?? 0) > 0 || (stats.byStatus[404] ?? 0) > 0) throw new Error(`the polls window saw responses other than 304: ${JSON.stringify(stats.byStatus)}`);
    const pollsPerS = (polls * 1000) / elapsed;
    const feedsRead = lastRead.size;
    const perFeedPerInterval = polls / (o.loadFeeds * (elapsed / 1000 / LOAD_INTERVAL_S));

    // Latency: one loop per room.
    const before = arrivals.duplicates();
    const total: number[] = [];
    const processing: number[] = [];
    const processingSame: number[] = [];
    const processingCross: number[] = [];
    let cross = 0;
    const floor: number[] = [];
    let probing = true;
    const speaker = await env.member("user1");
    await speaker.joinRoom(probeRoom(0), "speaker");
    const floorLoop = (async () => {
      for (let i = 0; probing; i++) {
        await sleep(1000 + Math.random() * 1000);
        const marker = `Cluster floor n${o.n}-${i}`;
        const echoed = reader.waitForMessage((m) => m.body === marker && m.type === "groupchat", ARRIVAL_TIMEOUT_MS);
        const t = performance.now();
        await speaker.sendGroupchat(probeRoom(0), marker);
        await echoed;
        floor.push(performance.now() - t);
      }
    })();
    // Awaited below; a handler now so that a failure while the probes fail too is not unhandled.
    floorLoop.catch(() => undefined);
    await Promise.all(
      Array.from({ length: PROBE_ROOMS }, async (_, k) => {
        const rnd = random(100 * o.n + k);
        // Post numbers new to the feed in every phase: the farm keeps the previous phases' posts.
        let next = 1000 * o.n;
        for (let i = -1; i < o.samplesPerRoom; i++) {
          await sleep(1000 + rnd() * 2000);
          const id = `n${o.n}-r${k}-${i}`;
          const arrived = arrivals.wait(id, probeRoom(k));
          const { served } = env.farm.publish(probePath(k), { ...makeBenchPost(`cprobe${k}`, next++, new Date()), title: `Cluster probe #${id}#` });
          const watched = await served;
          const at = await arrived;
          if (i < 0) continue;
          total.push(at - watched.publishedAt);
          processing.push(at - watched.servedAt!);
          if (held.get(`feed:${probeFeeds[k]}`) !== held.get(`room:${probeRoom(k)}`)) {
            cross++;
            processingCross.push(at - watched.servedAt!);
          } else processingSame.push(at - watched.servedAt!);
        }
      }),
    ).finally(() => (probing = false));
    await floorLoop;
    await speaker.leaveRoom(probeRoom(0));
    await sleep(500);
    const after = await c.holdings();
    const moved = [...held].filter(([res, name]) => after.get(res) !== name).length;
    if (moved > 0) say(`  note: ${moved} leases changed hands during the ${o.n}-instance run`);
    return {
      instances: o.n,
      pollsPerS,
      pollsPerFeedPerInterval: perFeedPerInterval,
      feedsRead,
      doubles,
      botCpuPerPollMs: cpuDelta(botA, botB) / allPolls,
      pgCpuPerPollMs: cpuDelta(pgA, pgB) / allPolls,
      statuses: stats.byStatus,
      total,
      processing,
      processingSame,
      processingCross,
      cross,
      floor,
      duplicates: arrivals.duplicates() - before,
      startMs,
    };
  } finally {
    env.farm.onRequest = undefined;
    await c.stopAll();
  }
}

async function failoverRuns(
  env: BenchEnv,
  postgres: PostgresServer,
  pool: (url: string) => pg.Pool,
  reader: Member,
  arrivals: Arrivals,
  o: { repeats: number; dir: string },
): Promise<{ all: number[]; survivors: number[]; duplicates: number; victims: { rooms: number; feed: boolean; ms: number }[] }> {
  const url = await postgres.createDatabase();
  const db = pool(url);
  const rooms = Array.from({ length: FAILOVER_ROOMS }, (_, k) => failoverRoom(k));
  const config: BotConfig = {
    xmpp: env.xmpp(),
    store: url,
    feeds: [{ name: "cfail", url: env.farm.url(failoverPath), interval: `${PROBE_INTERVAL_S}s` }],
    rooms: rooms.map((jid) => ({ jid, feeds: ["cfail"] })),
    cluster: { lease: LEASE },
  };
  const phaseDir = join(o.dir, "failover");
  mkdirSync(phaseDir);
  const c = new Cluster("bench-fo", writeBotConfig(config, phaseDir), db);
  const want: Want = { feeds: ["cfail"], rooms };
  const all: number[] = [];
  const survivors: number[] = [];
  const victims: { rooms: number; feed: boolean; ms: number }[] = [];
  const before = arrivals.duplicates();
  let next = 20;
  try {
    const bots = Array.from({ length: FAILOVER_INSTANCES }, () => c.start());
    await Promise.all(bots.map((bot) => bot.waitFor((l) => l.msg === "online", START_TIMEOUT_MS, "online")));
    for (let rep = 0; rep < o.repeats; rep++) {
      const held = await c.settle(want, reader);
      // The instance holding the most rooms.
      const byName = new Map<string, string[]>();
      for (const room of rooms) {
        const name = held.get(`room:${room}`)!;
        byName.set(name, [...(byName.get(name) ?? []), room]);
      }
      const [victimName, victimRooms] = [...byName].sort((a, b) => b[1].length - a[1].length)[0]!;
      const victim = c.bots.get(victimName)!;
      const id = `fo-${rep}`;
      const arrived = rooms.map((room) => arrivals.wait(id, room, 60_000));
      const t0 = performance.now();
      const killed = victim.kill();
      env.farm.publish(failoverPath, { ...makeBenchPost("cfail", next++, new Date()), title: `Cluster probe #${id}#` });
      await killed;
      const times = (await Promise.all(arrived)).map((at) => at - t0);
      const last = Math.max(...times);
      const survivorTimes = rooms.filter((room) => !victimRooms.includes(room)).map((room) => times[rooms.indexOf(room)]!);
      all.push(last);
      if (survivorTimes.length > 0) survivors.push(Math.max(...survivorTimes));
      victims.push({ rooms: victimRooms.length, feed: held.get("feed:cfail") === victimName, ms: r(last, 0) });
      say(`  failover ${rep + 1}/${o.repeats}: killed ${victimName} (${victimRooms.length} rooms${held.get("feed:cfail") === victimName ? " and the feed" : ""}); every room had the post ${r(last, 0)} ms after the kill (survivors' rooms by ${survivorTimes.length > 0 ? r(Math.max(...survivorTimes), 0) : "-"} ms)`);
      c.start();
    }
    // Late duplicates would show up here.
    await c.settle(want, reader);
    await sleep(1000);
  } finally {
    await c.stopAll();
  }
  return { all, survivors, duplicates: arrivals.duplicates() - before, victims };
}

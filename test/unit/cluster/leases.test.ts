// The lease manager's rules (cluster/leases.ts) with the database's part played by an in-memory
// table on a fake clock: who takes what, what is given up, and the fence. The SQL itself is tested
// against a real PostgreSQL (test/integration/cluster-store.test.ts), and the instances together
// against real servers (test/integration/cluster.test.ts).
import { createLeases, fenceMarginMs, shareOf, toRelease, type Leases } from "../../../src/cluster/leases.js";
import type { ClusterStore, InstanceRow, LeaseGrant } from "../../../src/store/store.js";
import pino from "pino";

test("a fair share covers every resource: the total over the instances, rounded up", () => {
  expect(shareOf(10, 3)).toBe(4);
  expect(shareOf(9, 3)).toBe(3);
  expect(shareOf(0, 2)).toBe(0);
  expect(shareOf(5, 0)).toBe(0);
  for (let total = 0; total < 30; total++) for (let n = 1; n < 6; n++) expect(shareOf(total, n) * n).toBeGreaterThanOrEqual(total);
});

test("the fence margin is a tenth of the lease, at least half a second", () => {
  expect(fenceMarginMs(30_000)).toBe(3_000);
  expect(fenceMarginMs(3_000)).toBe(500);
});

test("what is given up: the unwanted first, then the least preferred beyond the share", () => {
  const held = ["room:a", "room:b", "room:c", "room:gone"];
  const wanted = new Set(["room:a", "room:b", "room:c"]);
  const release = toRelease(held, wanted, 2, "x#1");
  expect(release[0]).toBe("room:gone");
  expect(release).toHaveLength(2);
  // The same holder always prefers the same ones.
  expect(toRelease(held, wanted, 2, "x#1")).toEqual(release);
  expect(toRelease(held, wanted, 5, "x#1")).toEqual(["room:gone"]);
});

/** The database's part, in memory, on the clock `t`; `down` makes every call fail. */
function memoryCluster(clock: { t: number }) {
  const leases = new Map<string, { holder: string | undefined; generation: number; expires: number }>();
  const instances = new Map<string, InstanceRow & { expires: number }>();
  const state = { down: new Set<string>() };
  const check = (holder: string) => {
    if (state.down.has(holder)) throw new Error("connection refused");
  };
  const store: ClusterStore = {
    async heartbeat(holder, name, online, ttl) {
      check(holder);
      instances.set(holder, { holder, name, online, startedAt: instances.get(holder)?.startedAt ?? clock.t, expires: clock.t + ttl });
      return [...instances.values()].filter((i) => i.expires > clock.t);
    },
    async renew(holder, ttl) {
      check(holder);
      const out: LeaseGrant[] = [];
      for (const [resource, l] of leases) if (l.holder === holder && l.expires > clock.t) {
        l.expires = clock.t + ttl;
        out.push({ resource, generation: l.generation });
      }
      return out;
    },
    async acquire(holder, resources, limit, ttl) {
      check(holder);
      const out: LeaseGrant[] = [];
      for (const r of resources) {
        if (out.length >= limit) break;
        const l = leases.get(r) ?? { holder: undefined, generation: 0, expires: 0 };
        if (l.holder !== undefined && l.expires > clock.t) continue;
        leases.set(r, { holder, generation: l.generation + 1, expires: clock.t + ttl });
        out.push({ resource: r, generation: l.generation + 1 });
      }
      return out;
    },
    async release(holder, resources) {
      check(holder);
      for (const r of resources) if (leases.get(r)?.holder === holder) leases.set(r, { ...leases.get(r)!, holder: undefined, expires: 0 });
    },
    async leave(holder) {
      for (const [r, l] of leases) if (l.holder === holder) leases.set(r, { ...l, holder: undefined, expires: 0 });
      instances.delete(holder);
    },
    async claim() {
      return true;
    },
    async holdings() {
      return [];
    },
    async holders() {
      return new Map();
    },
    async listen() {
      return async () => undefined;
    },
  };
  const holderOf = (r: string) => {
    const l = leases.get(r);
    return l && l.expires > clock.t ? l.holder : undefined;
  };
  return { store, state, holderOf };
}

const ROOMS = ["room:r1@muc", "room:r2@muc", "room:r3@muc", "room:r4@muc", "room:r5@muc", "room:r6@muc"];
const FEEDS = ["feed:a", "feed:b", "feed:c"];

function instance(name: string, clock: { t: number }, store: ClusterStore, online = () => true): Leases {
  // Only the rounds run here, driven by the test (start() would also arm the round timer).
  return createLeases({ cluster: store, name, token: "t", leaseMs: 3_000, wanted: async () => ({ feeds: FEEDS, targets: ROOMS }), online, log: pino({ level: "silent" }), clock: () => clock.t });
}

/** One round of each instance, in turn (what their timers do every lease/3). */
async function rounds(list: Leases[], n = 1): Promise<void> {
  for (let i = 0; i < n; i++) for (const l of list) {
    l.soon();
    await new Promise((r) => setTimeout(r, 130));
  }
}

test("instances divide the feeds and rooms, each held by one; a cut-off instance stops before the others take over", async () => {
  const clock = { t: 1_000_000 };
  const { store, state, holderOf } = memoryCluster(clock);
  const a = instance("a", clock, store);
  const b = instance("b", clock, store);
  await rounds([a, b], 3);
  const heldBy = (l: Leases) => [...ROOMS, ...FEEDS].filter((r) => l.holds(r));
  expect(heldBy(a).filter((r) => r.startsWith("room:"))).toHaveLength(3);
  expect(heldBy(b).filter((r) => r.startsWith("room:"))).toHaveLength(3);
  for (const r of [...ROOMS, ...FEEDS]) expect([a.holds(r), b.holds(r)].filter(Boolean)).toHaveLength(1);

  // b loses the database: its renewals fail. Past its local deadline it holds nothing, while the
  // database still has its leases (the fence: b stopped first).
  const bRooms = heldBy(b);
  state.down.add("b#t");
  clock.t += 3_000 - fenceMarginMs(3_000) + 1;
  await rounds([b]);
  expect(heldBy(b)).toEqual([]);
  for (const r of bRooms) expect(holderOf(r)).toBe("b#t");
  // Once the database lets them go, a takes everything (b's heartbeat expired too).
  clock.t += fenceMarginMs(3_000);
  await rounds([a]);
  for (const r of [...ROOMS, ...FEEDS]) expect(a.holds(r)).toBe(true);

  // b comes back: the next rounds give it a share again, and no resource is held twice.
  state.down.delete("b#t");
  await rounds([b, a, b], 2);
  for (const r of [...ROOMS, ...FEEDS]) expect([a.holds(r), b.holds(r)].filter(Boolean)).toHaveLength(1);
  expect(heldBy(b).length).toBeGreaterThan(0);
  await a.stop();
  await b.stop();
});

test("an instance without an XMPP session for a third of a lease holds no targets, and gives its rooms up", async () => {
  const clock = { t: 5_000 };
  const { store } = memoryCluster(clock);
  let online = true;
  const a = instance("a", clock, store, () => online);
  await rounds([a]);
  expect(ROOMS.every((r) => a.holds(r))).toBe(true);
  const lost: string[] = [];
  a.events.on("changed", (_gained, gone) => lost.push(...gone));
  // A reconnect is not a reason to move every room: within a third of a lease they stay.
  online = false;
  await rounds([a]);
  expect(ROOMS.every((r) => a.holds(r))).toBe(true);
  clock.t += 1_000;
  await rounds([a]);
  expect(ROOMS.some((r) => a.holds(r))).toBe(false);
  expect(lost.sort()).toEqual([...ROOMS].sort());
  // Feeds need no session: they stay.
  expect(FEEDS.every((r) => a.holds(r))).toBe(true);
  await a.stop();
});

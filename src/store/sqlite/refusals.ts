import type { Db } from "./engine.js";
import type { Refusal, RefusalStore, TargetKind } from "../store.js";

interface Row {
  target_kind: string;
  target: string;
  reason: string;
  since: number;
  told_at: number | null;
}

const toRefusal = (r: Row): Refusal => ({ target: { kind: r.target_kind as TargetKind, address: r.target }, reason: r.reason, since: r.since, toldAt: r.told_at ?? undefined });

export function createRefusalStore(db: Db): RefusalStore {
  const upsert = db.prepare(`INSERT INTO refusals (target_kind, target, reason, since) VALUES (?, ?, ?, ?)
      ON CONFLICT (target_kind, target) DO UPDATE SET reason = excluded.reason`);
  const get = db.prepare<[string, string], Row>("SELECT * FROM refusals WHERE target_kind = ? AND target = ?");
  const del = db.prepare("DELETE FROM refusals WHERE target_kind = ? AND target = ?");
  const told = db.prepare("UPDATE refusals SET told_at = ? WHERE target_kind = ? AND target = ?");
  const all = db.prepare<[], Row>("SELECT * FROM refusals ORDER BY since");
  return {
    async record(target, reason, now) {
      upsert.run(target.kind, target.address, reason, now);
    },
    async clear(target) {
      // No await between the read and the delete: the synchronous driver makes the pair atomic.
      const row = get.get(target.kind, target.address);
      if (!row) return undefined;
      del.run(target.kind, target.address);
      return toRefusal(row);
    },
    async markTold(target, at) {
      told.run(at, target.kind, target.address);
    },
    all: async () => all.all().map(toRefusal),
  };
}

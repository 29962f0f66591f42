import type pg from "pg";
import type { Refusal, RefusalStore, TargetKind } from "../store.js";

interface Row {
  target_kind: string;
  target: string;
  reason: string;
  since: number;
  told_at: number | null;
}

const toRefusal = (r: Row): Refusal => ({ target: { kind: r.target_kind as TargetKind, address: r.target }, reason: r.reason, since: r.since, toldAt: r.told_at ?? undefined });

export function createRefusalStore(pool: pg.Pool): RefusalStore {
  return {
    async record(target, reason, now) {
      await pool.query(
        `INSERT INTO refusals (target_kind, target, reason, since) VALUES ($1, $2, $3, $4)
         ON CONFLICT (target_kind, target) DO UPDATE SET reason = EXCLUDED.reason`,
        [target.kind, target.address, reason, now],
      );
    },
    async clear(target) {
      const { rows } = await pool.query<Row>(
        "DELETE FROM refusals WHERE target_kind = $1 AND target = $2 RETURNING target_kind, target, reason, since, told_at",
        [target.kind, target.address],
      );
      return rows[0] ? toRefusal(rows[0]) : undefined;
    },
    async markTold(target, at) {
      await pool.query("UPDATE refusals SET told_at = $1 WHERE target_kind = $2 AND target = $3", [at, target.kind, target.address]);
    },
    async all() {
      const { rows } = await pool.query<Row>("SELECT target_kind, target, reason, since, told_at FROM refusals ORDER BY since");
      return rows.map(toRefusal);
    },
  };
}

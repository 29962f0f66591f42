import type pg from "pg";
import type { Outbox, PendingAnnouncement, Target, TargetKind } from "../store.js";
import type { Queryable } from "./database.js";
import { mediaOf } from "../entry-row.js";

interface Row {
  id: number;
  created_at: number;
  target_kind: string;
  target: string;
  feed: string | null;
  entry_key: string | null;
  body: string | null;
  footer: string | null;
  title: string | null;
  link: string | null;
  author: string | null;
  summary_html: string | null;
  categories: string | null;
  media: string | null;
  published_at: number | null;
  corrects_id: number | null;
  corrects_created_at: number | null;
  corrects_stanza_id: string | null;
  corrects_footer: string | null;
}

const KINDS: ReadonlySet<string> = new Set<TargetKind>(["room", "user", "pubsub", "mix"]);

/** Queues a ready message (a digest); on a transaction's client when it is part of one. */
export async function queueText(db: Queryable, target: Target, body: string, now: number): Promise<void> {
  await db.query("INSERT INTO announcements (target_kind, target, body, created_at) VALUES ($1, $2, $3, $4)", [target.kind, target.address, body, now]);
}

/** The announcement outbox in PostgreSQL: pending rows wait until their target has confirmed them. */
export function createOutbox(pool: pg.Pool): Outbox {
  return {
    async pending(target, limit) {
      const { rows } = await pool.query<Row>(
        `SELECT a.id, a.created_at, a.target_kind, a.target, a.feed, a.entry_key, a.body, a.footer,
            e.title, e.link, e.author, e.summary_html, e.categories, e.media, e.published_at,
            o.id AS corrects_id, o.created_at AS corrects_created_at, o.stanza_id AS corrects_stanza_id, o.footer AS corrects_footer
          FROM announcements a LEFT JOIN entries e ON e.feed = a.feed AND e.entry_key = a.entry_key
            LEFT JOIN announcements o ON o.id = a.correction_of
          WHERE a.target_kind = $1 AND a.target = $2 AND a.state = 'pending' ORDER BY a.id LIMIT $3`,
        [target.kind, target.address, limit],
      );
      return rows.map(toPending);
    },
    async markSent(id, now, stanzaId) {
      await pool.query("UPDATE announcements SET state = 'sent', sent_at = $1, stanza_id = $2 WHERE id = $3 AND state = 'pending'", [now, stanzaId ?? null, id]);
    },
    queueText: (target, body, now) => queueText(pool, target, body, now),
    async targetsWithPending() {
      const { rows } = await pool.query<{ target_kind: string; target: string }>("SELECT DISTINCT target_kind, target FROM announcements WHERE state = 'pending'");
      // A kind this Herald does not know (written by a newer one) waits for the Herald that does.
      return rows.flatMap((r) => (KINDS.has(r.target_kind) ? [{ kind: r.target_kind as TargetKind, address: r.target }] : []));
    },
    async dropPending(target) {
      const result = await pool.query("DELETE FROM announcements WHERE target_kind = $1 AND target = $2 AND state = 'pending'", [target.kind, target.address]);
      return result.rowCount ?? 0;
    },
    async depth() {
      const { rows } = await pool.query<{ n: number }>("SELECT COUNT(*) AS n FROM announcements WHERE state = 'pending'");
      return rows[0]!.n;
    },
  };
}

function toPending(row: Row): PendingAnnouncement {
  const target: Target = { kind: row.target_kind as TargetKind, address: row.target };
  if (row.body !== null) return { id: row.id, createdAt: row.created_at, target, body: row.body };
  return {
    id: row.id,
    createdAt: row.created_at,
    target,
    feed: row.feed!,
    // A correction replaces the whole message, so it keeps the original's footer line.
    footer: row.footer ?? row.corrects_footer ?? undefined,
    corrects: row.corrects_id === null ? undefined : { id: row.corrects_id, createdAt: row.corrects_created_at!, stanzaId: row.corrects_stanza_id ?? undefined },
    entry: {
      key: row.entry_key!,
      title: row.title ?? "",
      link: row.link ?? undefined,
      author: row.author ?? undefined,
      summaryHtml: row.summary_html ?? "",
      categories: JSON.parse(row.categories ?? "[]") as string[],
      ...mediaOf(row.media),
      published: row.published_at === null ? undefined : new Date(row.published_at),
    },
  };
}

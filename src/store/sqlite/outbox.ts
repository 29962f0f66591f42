import type { Db } from "./engine.js";
import { mediaOf } from "../entry-row.js";
import type { Outbox, PendingAnnouncement, Target, TargetKind } from "../store.js";

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

/** The announcement outbox in SQLite: pending rows wait until their target has confirmed them. */
export function createOutbox(db: Db): Outbox {
  const pending = db.prepare<[string, string, number], Row>(`SELECT a.id, a.created_at, a.target_kind, a.target, a.feed, a.entry_key, a.body, a.footer,
        e.title, e.link, e.author, e.summary_html, e.categories, e.media, e.published_at,
        o.id AS corrects_id, o.created_at AS corrects_created_at, o.stanza_id AS corrects_stanza_id, o.footer AS corrects_footer
      FROM announcements a LEFT JOIN entries e ON e.feed = a.feed AND e.entry_key = a.entry_key
        LEFT JOIN announcements o ON o.id = a.correction_of
      WHERE a.target_kind = ? AND a.target = ? AND a.state = 'pending' ORDER BY a.id LIMIT ?`);
  const sent = db.prepare("UPDATE announcements SET state = 'sent', sent_at = ?, stanza_id = ? WHERE id = ? AND state = 'pending'");
  const targets = db.prepare<[], { target_kind: string; target: string }>("SELECT DISTINCT target_kind, target FROM announcements WHERE state = 'pending'");
  const drop = db.prepare("DELETE FROM announcements WHERE target_kind = ? AND target = ? AND state = 'pending'");
  const countPending = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM announcements WHERE state = 'pending'");
  const queueText = db.prepare("INSERT INTO announcements (target_kind, target, body, created_at) VALUES (?, ?, ?, ?)");

  return {
    async pending(target, limit) {
      return pending.all(target.kind, target.address, limit).map(toPending);
    },
    async markSent(id, now, stanzaId) {
      sent.run(now, stanzaId ?? null, id);
    },
    async queueText(target, body, now) {
      queueText.run(target.kind, target.address, body, now);
    },
    async targetsWithPending() {
      // A kind this Herald does not know (written by a newer one) waits for the Herald that does.
      return targets.all().flatMap((r) => (KINDS.has(r.target_kind) ? [{ kind: r.target_kind as TargetKind, address: r.target }] : []));
    },
    async dropPending(target) {
      return Number(drop.run(target.kind, target.address).changes);
    },
    async depth() {
      return countPending.get()!.n;
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

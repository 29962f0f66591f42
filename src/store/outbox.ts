import type { Db } from "./db.js";
import type { Entry } from "../sources/entry.js";

/** One message waiting for a room or user: a post to render, or a ready text (a digest). */
export type PendingAnnouncement =
  | {
      readonly id: number;
      readonly room: string;
      readonly kind: "room" | "user";
      readonly feed: string;
      readonly entry: Entry;
      /** A line to add after the post, e.g. "…and 7 more from xsf: https://…". */
      readonly footer: string | undefined;
      readonly body?: undefined;
    }
  | {
      readonly id: number;
      readonly room: string;
      readonly kind: "room" | "user";
      readonly body: string;
      readonly feed?: undefined;
      readonly entry?: undefined;
      readonly footer?: undefined;
    };

interface Row {
  id: number;
  room: string;
  kind: "room" | "user";
  feed: string | null;
  entry_key: string | null;
  body: string | null;
  footer: string | null;
  title: string | null;
  link: string | null;
  author: string | null;
  summary_html: string | null;
  categories: string | null;
  published_at: number | null;
}

export type Outbox = ReturnType<typeof createOutbox>;

/** The per-target announcement outbox: pending rows wait until the target has confirmed them. */
export function createOutbox(db: Db) {
  const pending = db.prepare<[string, number], Row>(`SELECT a.id, a.room, a.kind, a.feed, a.entry_key, a.body, a.footer,
        e.title, e.link, e.author, e.summary_html, e.categories, e.published_at
      FROM announcements a LEFT JOIN entries e ON e.feed = a.feed AND e.entry_key = a.entry_key
      WHERE a.room = ? AND a.state = 'pending' ORDER BY a.id LIMIT ?`);
  const sent = db.prepare("UPDATE announcements SET state = 'sent', sent_at = ?, stanza_id = ? WHERE id = ? AND state = 'pending'");
  const targets = db.prepare<[], { room: string; kind: "room" | "user" }>("SELECT DISTINCT room, kind FROM announcements WHERE state = 'pending'");
  const drop = db.prepare("DELETE FROM announcements WHERE room = ? AND kind = 'room' AND state = 'pending'");
  const countPending = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM announcements WHERE state = 'pending'");
  const queueText = db.prepare("INSERT INTO announcements (room, kind, body, created_at) VALUES (?, ?, ?, ?)");

  return {
    /** The oldest pending announcements of a target, oldest first. */
    pending(room: string, limit: number): PendingAnnouncement[] {
      return pending.all(room, limit).map(toPending);
    },
    markSent(id: number, now: number, stanzaId: string | undefined): void {
      sent.run(now, stanzaId ?? null, id);
    },
    /** Queues a ready message (a digest). */
    queueText(room: string, kind: "room" | "user", body: string, now: number): void {
      queueText.run(room, kind, body, now);
    },
    /** Rooms and users with announcements waiting. */
    targetsWithPending(): { jid: string; kind: "room" | "user" }[] {
      return targets.all().map((r) => ({ jid: r.room, kind: r.kind }));
    },
    /** Forgets what waited for a room Herald no longer serves (left, or removed from the config). */
    dropPendingForRoom(room: string): number {
      return drop.run(room).changes;
    },
    depth(): number {
      return countPending.get()!.n;
    },
  };
}

function toPending(row: Row): PendingAnnouncement {
  if (row.body !== null) return { id: row.id, room: row.room, kind: row.kind, body: row.body };
  return {
    id: row.id,
    room: row.room,
    kind: row.kind,
    feed: row.feed!,
    footer: row.footer ?? undefined,
    entry: {
      key: row.entry_key!,
      title: row.title ?? "",
      link: row.link ?? undefined,
      author: row.author ?? undefined,
      summaryHtml: row.summary_html ?? "",
      categories: JSON.parse(row.categories ?? "[]") as string[],
      published: row.published_at === null ? undefined : new Date(row.published_at),
    },
  };
}

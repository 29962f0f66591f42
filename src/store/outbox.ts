import type { Db } from "./db.js";
import type { Entry } from "../sources/entry.js";

export interface PendingAnnouncement {
  readonly id: number;
  readonly room: string;
  readonly feed: string;
  readonly entry: Entry;
}

interface Row {
  id: number;
  room: string;
  feed: string;
  entry_key: string;
  title: string;
  link: string | null;
  author: string | null;
  summary_html: string;
  categories: string;
  published_at: number | null;
}

export type Outbox = ReturnType<typeof createOutbox>;

/** The per-room announcement outbox: pending rows wait until the room has confirmed them. */
export function createOutbox(db: Db) {
  const pending = db.prepare<[string, number], Row>(`SELECT a.id, a.room, a.feed, a.entry_key, e.title, e.link, e.author,
        e.summary_html, e.categories, e.published_at
      FROM announcements a JOIN entries e ON e.feed = a.feed AND e.entry_key = a.entry_key
      WHERE a.room = ? AND a.state = 'pending' ORDER BY a.id LIMIT ?`);
  const sent = db.prepare("UPDATE announcements SET state = 'sent', sent_at = ?, stanza_id = ? WHERE id = ? AND state = 'pending'");
  const targets = db.prepare<[], { room: string }>("SELECT DISTINCT room FROM announcements WHERE state = 'pending'");
  const countPending = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM announcements WHERE state = 'pending'");

  return {
    /** The oldest pending announcements of a room, oldest first. */
    pending(room: string, limit: number): PendingAnnouncement[] {
      return pending.all(room, limit).map(toPending);
    },
    markSent(id: number, now: number, stanzaId: string | undefined): void {
      sent.run(now, stanzaId ?? null, id);
    },
    /** Rooms and users with announcements waiting. */
    targetsWithPending(): string[] {
      return targets.all().map((r) => r.room);
    },
    depth(): number {
      return countPending.get()!.n;
    },
  };
}

function toPending(row: Row): PendingAnnouncement {
  return {
    id: row.id,
    room: row.room,
    feed: row.feed,
    entry: {
      key: row.entry_key,
      title: row.title,
      link: row.link ?? undefined,
      author: row.author ?? undefined,
      summaryHtml: row.summary_html,
      categories: JSON.parse(row.categories) as string[],
      published: row.published_at === null ? undefined : new Date(row.published_at),
    },
  };
}

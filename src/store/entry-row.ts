/**
 * A stored post as both engines' queries select it from `entries`, and its mapping to the
 * engine-neutral StoredEntry: the columns and their JSON are the same in SQLite and PostgreSQL.
 */
import type { Media } from "../sources/entry.js";
import type { StoredEntry } from "./store.js";

export interface EntryRow {
  feed: string;
  entry_key: string;
  title: string;
  link: string | null;
  author: string | null;
  summary_html: string;
  categories: string;
  media: string;
  published_at: number | null;
  first_seen_at: number;
}

export function toStored(row: EntryRow): StoredEntry {
  return {
    feed: row.feed,
    key: row.entry_key,
    title: row.title,
    link: row.link ?? undefined,
    author: row.author ?? undefined,
    summaryHtml: row.summary_html,
    categories: JSON.parse(row.categories) as string[],
    ...mediaOf(row.media),
    published: row.published_at === null ? undefined : new Date(row.published_at),
    firstSeen: new Date(row.first_seen_at),
  };
}

/** Stored media as the Entry carries them: the field only when there are any (see Entry.media). */
export function mediaOf(json: string | null): { media?: Media[] } {
  const media = JSON.parse(json ?? "[]") as Media[];
  return media.length > 0 ? { media } : {};
}

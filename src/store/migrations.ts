/**
 * Numbered schema migrations: entry N (0-based) takes the database from user_version N to N+1.
 * Never edit a released entry; append a new one.
 */
export const migrations: readonly string[] = [
  // 1: feeds' polling state, the entries seen per feed, and the per-room announcement outbox.
  `
  CREATE TABLE feed_state (
    feed            TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    title           TEXT,
    etag            TEXT,
    last_modified   TEXT,
    baseline_at     INTEGER,          -- when the first successful fetch was recorded (ms); NULL = no baseline yet
    last_polled_at  INTEGER,
    last_ok_at      INTEGER,
    last_error      TEXT,
    error_since     INTEGER
  );
  CREATE TABLE entries (
    feed          TEXT NOT NULL,
    entry_key     TEXT NOT NULL,
    title         TEXT NOT NULL,
    link          TEXT,
    author        TEXT,
    summary_html  TEXT NOT NULL,
    categories    TEXT NOT NULL DEFAULT '[]',
    published_at  INTEGER,
    first_seen_at INTEGER NOT NULL,
    PRIMARY KEY (feed, entry_key)
  );
  CREATE INDEX entries_by_time ON entries (feed, first_seen_at);
  -- One row per (room, entry) that must be announced. A row is created pending when the entry is
  -- discovered and becomes sent only when the room reflected our message back (XEP-0045 §7.2.14).
  CREATE TABLE announcements (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    room        TEXT NOT NULL,
    feed        TEXT NOT NULL,
    entry_key   TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent')),
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    stanza_id   TEXT,
    UNIQUE (room, feed, entry_key),
    FOREIGN KEY (feed, entry_key) REFERENCES entries (feed, entry_key) ON DELETE CASCADE
  );
  CREATE INDEX announcements_pending ON announcements (room, state, id);
  `,
];

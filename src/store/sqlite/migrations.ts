import type { Db } from "./engine.js";
import { htmlToPlainText } from "../../text/plain-text.js";
import { contentHash, linkKey } from "../../sources/identity.js";

/**
 * Numbered schema migrations: entry N (0-based) takes the database from user_version N to N+1.
 * SQL text, or a function for steps that need code. Never edit a released entry; append a new one.
 */
export const migrations: readonly (string | ((db: Db) => void))[] = [
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
  // 2: the live configuration (feeds and rooms admins change at runtime), personal subscriptions,
  // and full-text search over entries.
  (db) => {
    db.exec(`
    CREATE TABLE feeds (
      name        TEXT PRIMARY KEY,
      spec        TEXT NOT NULL,          -- JSON: the feed's definition (url or path, interval, ...)
      origin      TEXT NOT NULL CHECK (origin IN ('file', 'admin')),
      file_hash   TEXT,                   -- the file's definition when last applied; NULL for admin-made
      removed     INTEGER NOT NULL DEFAULT 0,
      changed_at  INTEGER NOT NULL
    );
    CREATE TABLE rooms (
      jid         TEXT PRIMARY KEY,
      spec        TEXT NOT NULL,          -- JSON: nick, password, feeds, settings
      origin      TEXT NOT NULL CHECK (origin IN ('file', 'admin')),
      file_hash   TEXT,
      removed     INTEGER NOT NULL DEFAULT 0,
      changed_at  INTEGER NOT NULL
    );
    CREATE TABLE subscriptions (
      jid         TEXT NOT NULL,          -- a user's bare JID
      feed        TEXT NOT NULL,
      created_at  INTEGER NOT NULL,
      PRIMARY KEY (jid, feed)
    );
    -- The outbox serves users (personal subscriptions) as well as rooms.
    ALTER TABLE announcements ADD COLUMN kind TEXT NOT NULL DEFAULT 'room' CHECK (kind IN ('room', 'user'));
    CREATE VIRTUAL TABLE entries_fts USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2');
    `);
    // Index what is already stored, as plain text (the same text a summary is cut from).
    const rows = db.prepare<[], { rowid: number; title: string; summary_html: string }>("SELECT rowid, title, summary_html FROM entries");
    const insert = db.prepare("INSERT INTO entries_fts (rowid, title, body) VALUES (?, ?, ?)");
    for (const row of rows.iterate()) insert.run(row.rowid, htmlToPlainText(row.title), htmlToPlainText(row.summary_html));
  },
  // 3: the outbox also carries messages that are not one post (digests) and a footer line
  // ("…and 7 more") on the last announcement of a capped batch; feeds remember their site link.
  // SQLite cannot relax NOT NULL in place, so the table is rebuilt (https://sqlite.org/lang_altertable.html §7).
  `
  CREATE TABLE announcements_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    room        TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT 'room' CHECK (kind IN ('room', 'user')),
    feed        TEXT,
    entry_key   TEXT,
    body        TEXT,                    -- a ready message (a digest); NULL = render the entry
    footer      TEXT,                    -- a line appended to the rendered entry
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent')),
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    stanza_id   TEXT,
    CHECK ((entry_key IS NULL) = (body IS NOT NULL)),
    UNIQUE (room, feed, entry_key),
    FOREIGN KEY (feed, entry_key) REFERENCES entries (feed, entry_key) ON DELETE CASCADE
  );
  INSERT INTO announcements_new (id, room, kind, feed, entry_key, state, created_at, sent_at, stanza_id)
    SELECT id, room, kind, feed, entry_key, state, created_at, sent_at, stanza_id FROM announcements;
  DROP TABLE announcements;
  ALTER TABLE announcements_new RENAME TO announcements;
  CREATE INDEX announcements_pending ON announcements (room, state, id);
  ALTER TABLE feed_state ADD COLUMN link TEXT;
  CREATE TABLE digests (
    room        TEXT NOT NULL,
    period_end  INTEGER NOT NULL,        -- the scheduled time this digest covers up to (ms)
    posts       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (room, period_end)
  );
  `,
  // 4: a feed's long failure is told to the admins once (and its recovery once); a feed that
  // answered 410 Gone is disabled until an admin acts.
  `
  ALTER TABLE feed_state ADD COLUMN failure_reported_at INTEGER;
  ALTER TABLE feed_state ADD COLUMN gone_at INTEGER;
  `,
  // 5: "latest" and search order posts by their date; without an index on that expression SQLite
  // sorted every stored post on each request (9 ms at 50,000 posts, measured by npm run bench).
  `
  CREATE INDEX entries_by_date ON entries (COALESCE(published_at, first_seen_at));
  CREATE INDEX entries_by_feed_date ON entries (feed, COALESCE(published_at, first_seen_at));
  `,
  // 6: the outbox names a target (its kind and address), not a room: people get announcements
  // too, and PubSub nodes and MIX channels will. Every row, pending or sent, is kept. The kind
  // has no CHECK, so a new kind needs no table rebuild; the code reads only kinds it knows.
  `
  CREATE TABLE announcements_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    target_kind  TEXT NOT NULL,
    target       TEXT NOT NULL,
    feed         TEXT,
    entry_key    TEXT,
    body         TEXT,                   -- a ready message (a digest); NULL = render the entry
    footer       TEXT,                   -- a line appended to the rendered entry
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent')),
    created_at   INTEGER NOT NULL,
    sent_at      INTEGER,
    stanza_id    TEXT,
    CHECK ((entry_key IS NULL) = (body IS NOT NULL)),
    UNIQUE (target_kind, target, feed, entry_key),
    FOREIGN KEY (feed, entry_key) REFERENCES entries (feed, entry_key) ON DELETE CASCADE
  );
  INSERT INTO announcements_new (id, target_kind, target, feed, entry_key, body, footer, state, created_at, sent_at, stanza_id)
    SELECT id, kind, room, feed, entry_key, body, footer, state, created_at, sent_at, stanza_id FROM announcements;
  DROP TABLE announcements;
  ALTER TABLE announcements_new RENAME TO announcements;
  CREATE INDEX announcements_pending ON announcements (target_kind, target, state, id);
  `,
  // 7: a post's identity survives a blog's move (sources/identity.ts): its normalized link, and
  // its title and date, can be looked up per feed. Stored posts get their link key now.
  (db) => {
    db.exec(`
    ALTER TABLE entries ADD COLUMN link_key TEXT;
    CREATE INDEX entries_by_link ON entries (feed, link_key);
    CREATE INDEX entries_by_title_date ON entries (feed, published_at, title);
    `);
    const rows = db.prepare<[], { rowid: number; link: string | null }>("SELECT rowid, link FROM entries WHERE link IS NOT NULL");
    const set = db.prepare("UPDATE entries SET link_key = ? WHERE rowid = ?");
    for (const row of rows.all()) set.run(linkKey(row.link ?? undefined) ?? null, row.rowid);
  },
  // 8: targets that refuse announcements (a room where Herald has no voice, a wait error), so a
  // restart keeps when the refusal began and whether the admins were told.
  `
  CREATE TABLE refusals (
    target_kind  TEXT NOT NULL,
    target       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    since        INTEGER NOT NULL,
    told_at      INTEGER,
    PRIMARY KEY (target_kind, target)
  );
  `,
  // 9: corrections (XEP-0308). A post remembers the fingerprint of what readers saw of it, so a
  // real change can be told from a cosmetic one; the outbox carries corrections, each naming the
  // announcement it corrects. Rows stay unique per target and post, and per corrected content.
  (db) => {
    db.exec(`
    ALTER TABLE entries ADD COLUMN content_hash TEXT;
    CREATE TABLE announcements_new (
      id            INTEGER PRIMARY KEY AUTOINCREMENT,
      target_kind   TEXT NOT NULL,
      target        TEXT NOT NULL,
      feed          TEXT,
      entry_key     TEXT,
      body          TEXT,
      footer        TEXT,
      correction_of INTEGER REFERENCES announcements_new (id) ON DELETE CASCADE,
      content_hash  TEXT,                 -- a correction's content; NULL on announcements
      state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent')),
      created_at    INTEGER NOT NULL,
      sent_at       INTEGER,
      stanza_id     TEXT,                 -- the id the target knows the message by (a room's reflection)
      CHECK ((entry_key IS NULL) = (body IS NOT NULL)),
      CHECK ((correction_of IS NULL) = (content_hash IS NULL)),
      FOREIGN KEY (feed, entry_key) REFERENCES entries (feed, entry_key) ON DELETE CASCADE
    );
    INSERT INTO announcements_new (id, target_kind, target, feed, entry_key, body, footer, state, created_at, sent_at, stanza_id)
      SELECT id, target_kind, target, feed, entry_key, body, footer, state, created_at, sent_at, stanza_id FROM announcements;
    DROP TABLE announcements;
    ALTER TABLE announcements_new RENAME TO announcements;
    CREATE INDEX announcements_pending ON announcements (target_kind, target, state, id);
    CREATE UNIQUE INDEX announcements_once ON announcements (target_kind, target, feed, entry_key, COALESCE(content_hash, '')) WHERE entry_key IS NOT NULL;
    CREATE INDEX announcements_of_entry ON announcements (feed, entry_key);
    `);
    const rows = db.prepare<[], { rowid: number; title: string; summary_html: string }>("SELECT rowid, title, summary_html FROM entries");
    const set = db.prepare("UPDATE entries SET content_hash = ? WHERE rowid = ?");
    for (const row of rows.all()) set.run(contentHash({ title: row.title, summaryHtml: row.summary_html }), row.rowid);
  },
  // 10: a personal subscription may take words: only posts matching one of them are sent.
  `
  ALTER TABLE subscriptions ADD COLUMN terms TEXT NOT NULL DEFAULT '[]';
  `,
  // 11: the media a post carries (podcast audio, a lead image), so an announcement can bring one
  // along (XEP-0066) when the room asks for it. JSON, as the sources give it (sources/media.ts).
  `
  ALTER TABLE entries ADD COLUMN media TEXT NOT NULL DEFAULT '[]';
  `,
  // 12: a post recognised under a new id (its link, or its title and date, after a blog's move)
  // keeps that id as an alias, so later reads know it by id and never announce it again; and
  // correction rows are found by what they correct without scanning the outbox (deletes cascade).
  `
  CREATE TABLE entry_aliases (
    feed       TEXT NOT NULL,
    alias_key  TEXT NOT NULL,
    entry_key  TEXT NOT NULL,
    PRIMARY KEY (feed, alias_key),
    FOREIGN KEY (feed, entry_key) REFERENCES entries (feed, entry_key) ON DELETE CASCADE
  );
  CREATE INDEX announcements_by_correction ON announcements (correction_of);
  `,
  // 13: PubSub nodes (XEP-0060) in the live configuration, by their xmpp: URI, like rooms by JID:
  // from the config file or made by an admin in chat.
  `
  CREATE TABLE pubsub_nodes (
    address     TEXT PRIMARY KEY,
    spec        TEXT NOT NULL,          -- JSON: service, node, feeds, title, access model, backfill
    origin      TEXT NOT NULL CHECK (origin IN ('file', 'admin')),
    file_hash   TEXT,
    removed     INTEGER NOT NULL DEFAULT 0,
    changed_at  INTEGER NOT NULL
  );
  `,
  // 14: nothing. PostgreSQL's step 14 adds the tables with which several instances share one
  // database (leases, cluster/); one instance on a SQLite file holds everything without them.
  // The step is kept so that a version number means the same data in both engines.
  `
  SELECT 1;
  `,
];

import type { Db } from "./engine.js";

/** Posts checked per round: one statement fills the probe with this many. */
const CHUNK = 8;
/** Rounds before the first verdict on whether the query matches often enough among the newest. */
const MIN_CHECKED = 2 * CHUNK;

/**
 * Checks a handful of stored posts against a search query without asking the whole index.
 *
 * FTS5 answers a prefix query ("stream"*) by first merging the posting lists of every term with
 * that prefix, all of them, however few rows the caller wants. A word in most posts therefore
 * costs milliseconds before the first match, while the newest posts by date would have answered
 * it. This probe is a contentless FTS5 table in the connection's temp schema, with the tokenizer of
 * `entries_fts`: filled with a few posts' indexed text (as `entries_fts` holds it), it matches the
 * same query exactly as `entries_fts` would, over those posts only, and is emptied again.
 * It must run inside a transaction (one commit for all its writes, which touch only temp).
 */
export function createSearchProbe(db: Db) {
  db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.herald_search_probe USING fts5(title, body, content = ''${tokenizeOption(db)})`);
  const placeholders = Array.from({ length: CHUNK }, () => "?").join(", ");
  const fill = db.prepare(`INSERT INTO temp.herald_search_probe (rowid, title, body) SELECT rowid, title, body FROM entries_fts WHERE rowid IN (${placeholders})`);
  const matching = db.prepare<[string], { id: number }>("SELECT rowid AS id FROM temp.herald_search_probe WHERE herald_search_probe MATCH ?");
  const empty = db.prepare("INSERT INTO temp.herald_search_probe (herald_search_probe) VALUES ('delete-all')");

  return {
    /**
     * The first `limit` of `ids` (post rowids, newest first) that match `query`, in that order;
     * or undefined when they cannot answer it: fewer than `limit` match and `ids` are not all the
     * posts there are (`all`), or the matches so far are too sparse to reach `limit` within `ids`,
     * so the caller's plan over the whole index is cheaper.
     */
    firstMatches(query: string, ids: readonly number[], limit: number, all: boolean): number[] | undefined {
      const found: number[] = [];
      for (let at = 0; at < ids.length && found.length < limit; at += CHUNK) {
        const chunk = ids.slice(at, at + CHUNK);
        fill.run(...chunk, ...Array<null>(CHUNK - chunk.length).fill(null));
        const hits = new Set(matching.all(query).map((r) => r.id));
        empty.run();
        for (const id of chunk) if (hits.has(id) && found.length < limit) found.push(id);
        const checked = at + chunk.length;
        // At this rate, `limit` matches would need more posts than `ids` holds: give up early.
        if (found.length < limit && checked >= MIN_CHECKED && (found.length === 0 || (checked * limit) / found.length > ids.length)) return undefined;
      }
      return found.length === limit || all ? found : undefined;
    },
  };
}

/** `entries_fts`'s tokenize option (", tokenize = '…'"), so the probe folds words the same way. */
function tokenizeOption(db: Db): string {
  const row = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'entries_fts'").get();
  const option = row?.sql.match(/tokenize\s*=\s*('(?:[^']|'')*'|"(?:[^"]|"")*")/i)?.[1];
  return option === undefined ? "" : `, tokenize = ${option}`;
}

// Experiment (issue 16): what one `search` costs in the store at 50,000 posts, per kind of query.
// `npx tsc -p tsconfig.scripts.json && node build/bench/experiments/search-cost.js`
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/store/sqlite/database.js";
import { createEntryStore } from "../../src/store/sqlite/entries.js";
import { seedPosts } from "../seed.js";
import { searchQueries } from "../posts.js";
import { median, percentile, round as r } from "../stats.js";

const store = join(mkdtempSync(join(tmpdir(), "herald-search-")), "herald.db");
const names = Array.from({ length: 1000 }, (_, i) => `s${i}`);
await seedPosts(store, names, 50);
const db = await openDatabase(store);
const entries = createEntryStore(db);
const queries = searchQueries(500);
for (let i = 0; i < 50; i++) await entries.search(queries[i]!.split(" "), 5);
const byQuery = new Map<string, number[]>();
for (const q of queries) {
  const t0 = performance.now();
  await entries.search(q.split(" "), 5);
  const ms = performance.now() - t0;
  byQuery.set(q, [...(byQuery.get(q) ?? []), ms]);
}
const all = [...byQuery.values()].flat();
console.log(`search at 50,000 posts: p50 ${r(median(all), 2)} ms, p99 ${r(percentile(all, 99), 2)} ms`);
for (const [q, ms] of [...byQuery].sort((a, b) => median(b[1]) - median(a[1])).slice(0, 6)) console.log(`  ${q}: median ${r(median(ms), 2)} ms`);
db.close();

// Plans compared on the same database (printed p50/p99 per plan).
{
  const db2 = await openDatabase(store);
  const WHEN = "COALESCE(e.published_at, e.first_seen_at)";
  const plans: Record<string, (q: string) => unknown[]> = {};
  const ftsJoinSort = db2.prepare(`SELECT e.* FROM entries_fts f JOIN entries e ON e.rowid = f.rowid WHERE entries_fts MATCH ? ORDER BY ${WHEN} DESC, e.rowid DESC LIMIT 5`);
  const dateWalk = db2.prepare(`SELECT e.* FROM entries e INDEXED BY entries_by_date WHERE e.rowid IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?) ORDER BY ${WHEN} DESC, e.rowid DESC LIMIT 5`);
  const countTo = db2.prepare(`SELECT count(*) AS n FROM (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? LIMIT 500)`);
  const toQuery = (q: string) => q.split(" ").map((w) => `"${w}"*`).join(" ");
  plans["fts join sort"] = (q) => ftsJoinSort.all(toQuery(q));
  plans["date walk"] = (q) => dateWalk.all(toQuery(q));
  plans["adaptive"] = (q) => ((countTo.get(toQuery(q)) as { n: number }).n < 500 ? ftsJoinSort.all(toQuery(q)) : dateWalk.all(toQuery(q)));
  for (const [name, run] of Object.entries(plans)) {
    for (let i = 0; i < 50; i++) run(queries[i]!);
    const ms: number[] = [];
    for (const q of queries) {
      const t0 = performance.now();
      run(q);
      ms.push(performance.now() - t0);
    }
    console.log(`${name}: p50 ${r(median(ms), 2)} ms, p99 ${r(percentile(ms, 99), 2)} ms, max ${r(Math.max(...ms), 2)} ms`);
  }
  const same = queries.slice(0, 100).every((q) => JSON.stringify(plans["fts join sort"]!(q)) === JSON.stringify(plans["adaptive"]!(q)));
  console.log(`adaptive gives the same rows as fts join sort on 100 queries: ${same}`);
  db2.close();
}
{
  const db3 = await openDatabase(store);
  const WHEN = "COALESCE(e.published_at, e.first_seen_at)";
  const dateWalk = db3.prepare(`SELECT e.* FROM entries e INDEXED BY entries_by_date WHERE e.rowid IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?) ORDER BY ${WHEN} DESC, e.rowid DESC LIMIT 5`);
  const toQuery = (q: string) => q.split(" ").map((w) => `"${w}"*`).join(" ");
  const slow: [string, number][] = [];
  for (const q of queries) {
    const t0 = performance.now();
    const rows = dateWalk.all(toQuery(q));
    slow.push([`${q} (${rows.length} rows)`, performance.now() - t0]);
  }
  console.log("date walk, slowest:", slow.sort((a, b) => b[1] - a[1]).slice(0, 5).map(([q, ms]) => `${q}: ${r(ms, 2)} ms`).join("; "));
  db3.close();
}
{
  const db4 = await openDatabase(store);
  const WHEN = "COALESCE(e.published_at, e.first_seen_at)";
  const ftsJoinSort = db4.prepare(`SELECT e.* FROM entries_fts f JOIN entries e ON e.rowid = f.rowid WHERE entries_fts MATCH ? ORDER BY ${WHEN} DESC, e.rowid DESC LIMIT 5`);
  const walkExists = db4.prepare(`SELECT e.* FROM entries e INDEXED BY entries_by_date WHERE EXISTS (SELECT 1 FROM entries_fts f WHERE f.rowid = e.rowid AND entries_fts MATCH ?) ORDER BY ${WHEN} DESC, e.rowid DESC LIMIT 5`);
  const countTo = db4.prepare(`SELECT count(*) AS n FROM (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? LIMIT 2000)`);
  const toQuery = (q: string) => q.split(" ").map((w) => `"${w}"*`).join(" ");
  for (const threshold of [200, 1000, 2000]) {
    const run = (q: string) => ((countTo.get(toQuery(q)) as { n: number }).n < threshold ? ftsJoinSort.all(toQuery(q)) : walkExists.all(toQuery(q)));
    for (let i = 0; i < 50; i++) run(queries[i]!);
    const ms: number[] = [];
    for (const q of queries) {
      const t0 = performance.now();
      run(q);
      ms.push(performance.now() - t0);
    }
    const same = queries.slice(0, 200).every((q) => JSON.stringify(ftsJoinSort.all(toQuery(q))) === JSON.stringify(run(q)));
    console.log(`count<${threshold} ? join-sort : walk+exists: p50 ${r(median(ms), 2)} ms, p99 ${r(percentile(ms, 99), 2)} ms, max ${r(Math.max(...ms), 2)} ms; same rows: ${same}`);
  }
  db4.close();
}

import { readFile } from "node:fs/promises";
import type { HeraldConfig } from "../config/schema.js";
import { openStore } from "../store/open.js";
import { createRegistry } from "../live/registry.js";
import { buildOpml, feedName, parseOpml } from "./opml.js";

export interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * `herald import-opml <file>`: adds every feed of an OPML file to the live configuration (as an
 * admin's `feed add` would, without reading them first), skipping URLs and names already there.
 * Each new feed's first poll is its baseline, so importing a reader's list floods no room. A
 * running Herald is signalled by the caller (cli.ts) and polls them at once. Returns the exit code.
 */
export async function importOpml(config: HeraldConfig, file: string, intervalMs: number | undefined, io: Io): Promise<number> {
  let read;
  try {
    read = parseOpml(await readFile(file, "utf8"));
  } catch (err) {
    io.stderr.write(`herald: cannot import ${file}: ${(err as Error).message}\n`);
    return 1;
  }
  const store = await openStore(config.store, Date.now);
  try {
    const registry = await createRegistry(store);
    await registry.reconcile(config.feeds, config.rooms);
    const names = new Set(registry.feeds().map((f) => f.name));
    const urls = new Set(registry.feeds().flatMap((f) => (f.kind === "http" ? [f.url] : [])));
    let added = 0;
    for (const feed of read.feeds) {
      if (urls.has(feed.xmlUrl)) {
        io.stdout.write(`already there: ${feed.xmlUrl}\n`);
        continue;
      }
      const name = feedName(feed.title, feed.xmlUrl, names);
      await registry.putFeed({ kind: "http", name, url: feed.xmlUrl, ...(intervalMs === undefined ? {} : { intervalMs }) }); // absent: auto
      names.add(name);
      urls.add(feed.xmlUrl);
      added++;
      io.stdout.write(`added ${name}: ${feed.xmlUrl}\n`);
    }
    for (const line of read.skipped) io.stderr.write(`skipped ${line}\n`);
    io.stdout.write(`${added} feeds added, ${read.feeds.length - added} already there, ${read.skipped.length} skipped. Rooms announce a feed after “room <room> add <name>”.\n`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `herald export-opml`: the live feed list (config file plus runtime changes) as OPML on stdout. */
export async function exportOpml(config: HeraldConfig, io: Io): Promise<number> {
  const store = await openStore(config.store, Date.now);
  try {
    const registry = await createRegistry(store);
    await registry.reconcile(config.feeds, config.rooms);
    const state = store.feedState;
    const feeds = registry.feeds();
    for (const f of feeds) if (f.kind === "folder") io.stderr.write(`not exported (a Markdown folder, not a feed URL): ${f.name} ${f.path}\n`);
    const http = [];
    for (const f of feeds) if (f.kind === "http") http.push({ name: f.name, title: (await state.get(f.name))?.title, url: f.url });
    io.stdout.write(buildOpml("Herald feeds", http, new Date()));
    return 0;
  } finally {
    await store.close();
  }
}

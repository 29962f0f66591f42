// Scenario 2, second part: how fast Herald's feed reader turns the corpus's well-formed feeds into
// entries, beside Python's feedparser on the same files in the same run (issue 16), and how much
// memory one big feed takes to parse. Herald's figures come from child processes run with the bot's
// own node flags (bench/parse-child.ts), feedparser's from a python3 child that times its own warm
// loop (bench/feedparser_rate.py); the in-process figures of issue 7 are kept beside them.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { decodeFeedBody, gunzipIfCompressed } from "../../src/sources/feeds/decode.js";
import { parseFeedText } from "../../src/sources/feeds/parse-feed.js";
import { ROOT } from "../bot.js";
import { say, type BenchEnv, type Figure, type ScenarioResult } from "../env.js";
import { makeBenchPost } from "../posts.js";
import { median, round as r } from "../stats.js";

const MAX_BYTES = 20 * 1024 * 1024;

/** The files SOURCES.md marks well-formed (`wf` yes): the set the reference figures are for. */
function wellFormedFiles(dir: string): string[] {
  const sources = readFileSync(join(dir, "SOURCES.md"), "utf8");
  const files: string[] = [];
  for (const line of sources.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    // | `file` | format | real | what | bytes | wf | ...
    const name = /^`([^`]+)`$/.exec(cells[1] ?? "")?.[1];
    if (name && cells[6] === "yes" && existsSync(join(dir, name))) files.push(name);
  }
  return files;
}

/** The bot's node flags (package.json `start`, the Dockerfile, the systemd unit). */
const BOT_NODE_FLAGS = ["--max-semi-space-size=2"];
const CHILD = join(ROOT, "build/bench/parse-child.js");
const FEEDPARSER_SCRIPT = join(ROOT, "bench/feedparser_rate.py");
/** The size of the generated feed for the memory figure (issue 16: "one 4 MB feed"). */
const BIG_FEED_BYTES = 4 * 1024 * 1024;
/** The warm variant's first feed: the same shape, small (the big feed's first posts; the reader caches nothing of a feed but tag names). */
const WARM_UP_FEED_BYTES = 256 * 1024;

interface RateRun {
  readonly entriesPerPass: number;
  readonly rates: number[];
  readonly cpuRates: number[];
  readonly version?: string;
}

export async function parse(env: BenchEnv): Promise<ScenarioResult> {
  const dir = join(env.options.corpus, "feeds");
  const base = {
    scenario: "parse",
    title: "2b. Parse throughput on the corpus feeds",
    settings: { corpus: dir } as Record<string, unknown>,
    samples: {} as Record<string, number[]>,
  };
  const notes: string[] = [];
  const figures: Figure[] = [];
  const samples: Record<string, number[]> = {};
  const memory = bigFeedMemory(env, env.quick ? 3 : 5);
  if (!existsSync(join(dir, "SOURCES.md"))) {
    say(`  skipped: no corpus at ${dir} (give --corpus PATH)`);
    return { ...base, figures: memory.figures, samples: memory.samples, notes: [`Skipped the corpus figures: no corpus at ${dir}. Pass --corpus <path to shared/corpus>.`, ...memory.notes] };
  }
  const names = wellFormedFiles(dir);
  const paths = names.map((name) => join(dir, name));
  const files = paths.map((path) => ({ bytes: readFileSync(path), base: pathToFileURL(path).href }));
  const once = (): number => {
    let entries = 0;
    for (const f of files) {
      const text = decodeFeedBody(gunzipIfCompressed(f.bytes, MAX_BYTES), null);
      entries += parseFeedText(text, f.base).entries.length;
    }
    return entries;
  };
  const entriesPerPass = once();
  for (let i = 0; i < 3; i++) once(); // warm-up: let the JIT settle
  const passes = env.quick ? 5 : 20;
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let i = 0; i < passes; i++) {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    once();
    const wallS = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu);
    rates.push(entriesPerPass / wallS);
    cpuRates.push(entriesPerPass / ((used.user + used.system) / 1e6));
  }
  const rssParser = await rssParserRate(files, env.quick ? 2 : 5);
  const totalBytes = files.reduce((a, f) => a + f.bytes.byteLength, 0);
  say(`  ${files.length} well-formed files, ${entriesPerPass} entries: ${r(median(rates), 0)} entries/s in the bench process`);
  figures.push(
    { key: "entries_per_s", label: "Herald's reader: entries per second (wall)", value: r(median(rates), 0), unit: "entries/s" },
    { key: "entries_per_cpu_s", label: "Herald's reader: entries per CPU second", value: r(median(cpuRates), 0), unit: "entries/s" },
    ...(rssParser === undefined ? [] : [{ key: "rss_parser_entries_per_s", label: "rss-parser 3.13 alone, same files, same machine", value: r(rssParser, 0), unit: "entries/s" }]),
  );
  samples["entries_per_s"] = rates;

  // Herald and feedparser side by side: the same files, each warm in its own process, one after
  // the other so that they meet the same machine load.
  const sidePasses = env.quick ? 5 : 15;
  const herald = heraldRate(paths, sidePasses);
  const python = feedparserRate(paths, env.quick ? 2 : 5);
  if (herald !== undefined) {
    say(`  Herald (node ${BOT_NODE_FLAGS.join(" ")}): ${r(median(herald.rates), 0)} entries/s`);
    figures.push({ key: "herald_child_entries_per_s", label: `Herald's reader in node ${BOT_NODE_FLAGS.join(" ")}: entries per second (wall)`, value: r(median(herald.rates), 0), unit: "entries/s" });
    samples["herald_child_entries_per_s"] = herald.rates;
  }
  if (python.run !== undefined) {
    say(`  feedparser ${python.run.version}: ${r(median(python.run.rates), 0)} entries/s`);
    figures.push({ key: "feedparser_entries_per_s", label: `Python feedparser ${python.run.version}: entries per second (wall)`, value: r(median(python.run.rates), 0), unit: "entries/s" });
    samples["feedparser_entries_per_s"] = python.run.rates;
  }
  if (herald !== undefined && python.run !== undefined) {
    const ratio = median(herald.rates) / median(python.run.rates);
    say(`  parse: Herald / feedparser = ${r(ratio, 1)} x`);
    figures.push({ key: "herald_over_feedparser", label: "parse: Herald / feedparser", value: r(ratio, 1), unit: "x", target: { op: ">=", value: 20 } });
  }
  notes.push(
    "Files: those corpus/feeds/SOURCES.md marks well-formed (wf = yes), read once into memory; each pass decodes (gzip, charset) and parses every file with the compiled src/sources code the bot runs. Three warm-up passes first; median over the passes.",
    `parse: Herald / feedparser: the median entries per wall second of Herald's reader in a child \`node ${BOT_NODE_FLAGS.join(" ")}\` (bench/parse-child.ts, ${sidePasses} passes) over that of Python's feedparser in a python3 child (bench/feedparser_rate.py, timed by Python itself, same warm-up). Each counts the entries it finds itself (feedparser finds none in the gzip file, which it is given as bytes, as Herald is).`,
    ...python.notes,
    ...(rssParser === undefined ? ["rss-parser is not installed in node_modules, so it was not measured here."] : []),
    ...memory.notes,
  );
  figures.push(...memory.figures);
  Object.assign(samples, memory.samples);
  return {
    ...base,
    figures,
    settings: { ...base.settings, files: files.length, bytes: totalBytes, entriesPerPass, passes, sidePasses, botNodeFlags: BOT_NODE_FLAGS, bigFeedBytes: memory.feedBytes },
    notes,
    samples,
  };
}

/** Herald's reader on `paths` in a child node with the bot's flags; undefined (with a say) when it fails. */
function heraldRate(paths: string[], passes: number): RateRun | undefined {
  const run = spawnSync(process.execPath, [...BOT_NODE_FLAGS, CHILD, "rate", String(passes), ...paths], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (run.status !== 0) {
    say(`  Herald's child failed: ${run.stderr || run.error?.message}`);
    return undefined;
  }
  return JSON.parse(run.stdout) as RateRun;
}

/**
 * feedparser in a python3 child. Debian's python3-feedparser is installed with apt-get when no
 * Python on PATH (or /usr/bin/python3, where Debian puts it) can import it and the bench runs as
 * root; without Python, or without the package, the figure is skipped with a note, never made up.
 */
function feedparserRate(paths: string[], passes: number): { run?: RateRun; notes: string[] } {
  let python = pythonWithFeedparser();
  const notes: string[] = [];
  if (python === undefined && pythonPresent() && process.getuid?.() === 0) {
    say("  installing python3-feedparser with apt-get");
    const apt = spawnSync("apt-get", ["install", "-y", "-q", "python3-feedparser"], { encoding: "utf8", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (apt.status === 0) notes.push("python3-feedparser was missing and was installed with apt-get by this run.");
    else notes.push(`apt-get install python3-feedparser failed (${(apt.stderr || apt.error?.message || "").trim().split("\n").pop()}).`);
    python = pythonWithFeedparser();
  }
  if (python === undefined) {
    const why = pythonPresent() ? "Python's feedparser is not installed (apt-get install python3-feedparser, as root)" : "no python3 on this machine";
    say(`  skipped parse: Herald / feedparser: ${why}`);
    return { notes: [`parse: Herald / feedparser skipped: ${why}.`] };
  }
  const run = spawnSync(python, [FEEDPARSER_SCRIPT, String(passes), ...paths], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (run.status !== 0) {
    say(`  feedparser's child failed: ${run.stderr || run.error?.message}`);
    return { notes: [...notes, `parse: Herald / feedparser skipped: the feedparser child failed (${(run.stderr || "").trim().split("\n").pop()}).`] };
  }
  return { run: JSON.parse(run.stdout) as RateRun, notes: [...notes, `feedparser ran in ${python}.`] };
}

const PYTHONS = ["python3", "/usr/bin/python3"];

function pythonWithFeedparser(): string | undefined {
  return PYTHONS.find((python) => spawnSync(python, ["-c", "import feedparser"], { stdio: "ignore" }).status === 0);
}

function pythonPresent(): boolean {
  return PYTHONS.some((python) => spawnSync(python, ["--version"], { stdio: "ignore" }).status === 0);
}

/**
 * One generated feed of BIG_FEED_BYTES, parsed once in each of `runs` fresh node processes with the
 * bot's flags: the peak resident memory above the process's resident memory just before the parse
 * (the bytes already read), over the feed's size. The median of the runs.
 */
function bigFeedMemory(env: BenchEnv, runs: number): { figures: Figure[]; notes: string[]; samples: Record<string, number[]>; feedBytes: number } {
  const path = join(env.dir, "big-feed.xml");
  const text = bigFeed(BIG_FEED_BYTES);
  writeFileSync(path, text);
  const feedBytes = Buffer.byteLength(text);
  // A small feed of the same shape, other posts: the warm variant parses it first.
  const warmPath = join(env.dir, "warm-up-feed.xml");
  writeFileSync(warmPath, bigFeed(WARM_UP_FEED_BYTES));
  const ratios: number[] = [];
  const warmRatios: number[] = [];
  const heapRatios: number[] = [];
  for (let i = 0; i < 2 * runs; i++) {
    const warm = i % 2 === 1;
    const run = spawnSync(process.execPath, [...BOT_NODE_FLAGS, "--expose-gc", CHILD, "memory", path, ...(warm ? [warmPath] : [])], { encoding: "utf8" });
    if (run.status !== 0) {
      say(`  memory child failed: ${run.stderr || run.error?.message}`);
      return { figures: [], notes: [`parse: peak memory above baseline / feed size: the child failed (${(run.stderr || "").trim().split("\n").pop()}).`], samples: {}, feedBytes };
    }
    const m = JSON.parse(run.stdout) as { feedBytes: number; entries: number; rssBefore: number; hwmAfter: number; heapBefore: number; heapAfter: number };
    if (warm) {
      warmRatios.push(Math.max(0, m.hwmAfter - m.rssBefore) / m.feedBytes);
      continue;
    }
    ratios.push(Math.max(0, m.hwmAfter - m.rssBefore) / m.feedBytes);
    heapRatios.push((m.heapAfter - m.heapBefore) / m.feedBytes);
  }
  const ratio = median(ratios);
  const warmRatio = median(warmRatios);
  say(`  parse: peak memory above baseline / feed size = ${r(ratio, 2)} x (${r(feedBytes / 1024 / 1024, 1)} MB feed); with the parser warm ${r(warmRatio, 2)} x`);
  return {
    figures: [
      { key: "peak_memory_over_feed_size", label: "parse: peak memory above baseline / feed size", value: r(ratio, 2), unit: "x", target: { op: "<=", value: 3 } },
      { key: "peak_memory_over_feed_size_warm", label: "  the same with the parser warm (as in a running bot)", value: r(warmRatio, 2), unit: "x" },
    ],
    notes: [
      `parse: peak memory above baseline / feed size: a generated RSS 2.0 feed of ${feedBytes} bytes (bench/posts.ts items with a description and a content:encoded body) parsed once in each of ${runs} fresh \`node ${BOT_NODE_FLAGS.join(" ")} --expose-gc\` processes (bench/parse-child.ts memory). The file is read into memory and a GC run first; VmHWM is reset (clear_refs 5) and the figure is the VmHWM after the parse minus the VmRSS before it, over the feed's size. Median of the runs; --expose-gc only lets the child settle its heap before the baseline. This cold parse also pays one-time costs of the process, not of the feed: V8 compiling the parser and the node binary's compiler code paged in (on Node 24 about 1.4 x of the feed's size in file-backed pages and 1 x in the compilers' memory, from /proc/self/smaps around the parse). The warm variant, in as many other fresh processes, first parses a ${WARM_UP_FEED_BYTES / 1024} KB feed of the same shape 30 times, as a running bot has parsed other feeds before a big one.`,
    ],
    samples: { peak_memory_over_feed_size: ratios, peak_memory_over_feed_size_warm: warmRatios, heap_retained_over_feed_size: heapRatios },
    feedBytes,
  };
}

/** An RSS 2.0 feed of at least `size` bytes: made-up posts with a summary and a longer full text. */
function bigFeed(size: number): string {
  const esc = (t: string): string => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const head = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
  <title>A big feed</title>
  <link>https://big.blog.example/</link>
  <description>A made-up blog with a long history in its feed</description>
`;
  const items: string[] = [];
  let bytes = head.length;
  for (let n = 0; bytes < size; n++) {
    const p = makeBenchPost("big", n);
    const full = [0, 1, 2, 3, 4].map((k) => makeBenchPost("big-body", n * 5 + k).summaryHtml).join("\n");
    const item = `  <item>
    <guid isPermaLink="false">${esc(p.id)}</guid>
    <title>${esc(p.title)}</title>
    <link>${esc(p.link)}</link>
    <dc:creator>${esc(p.author)}</dc:creator>
    <pubDate>${p.published.toUTCString()}</pubDate>
    <description>${esc(p.summaryHtml)}</description>
    <content:encoded><![CDATA[${full}]]></content:encoded>
  </item>
`;
    items.push(item);
    bytes += item.length;
  }
  return `${head}${items.join("")}</channel></rss>
`;
}

/** rss-parser's parseString on the same decoded texts, if the package is installed (it is no longer used by src). */
async function rssParserRate(files: { bytes: Buffer }[], passes: number): Promise<number | undefined> {
  let Parser: new () => { parseString(xml: string): Promise<{ items: unknown[] }> };
  try {
    const name = "rss-parser";
    Parser = ((await import(name)) as { default: typeof Parser }).default;
  } catch {
    return undefined;
  }
  const parser = new Parser();
  const texts = files.map((f) => decodeFeedBody(gunzipIfCompressed(f.bytes, MAX_BYTES), null));
  const once = async (): Promise<number> => {
    let entries = 0;
    for (const t of texts) {
      try {
        entries += (await parser.parseString(t)).items.length;
      } catch {
        // rss-parser refuses some files Herald reads; they count as zero entries
      }
    }
    return entries;
  };
  const entries = await once();
  const rates: number[] = [];
  for (let i = 0; i < passes; i++) {
    const t0 = performance.now();
    await once();
    rates.push(entries / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

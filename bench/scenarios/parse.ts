// Scenario 2, second part: how fast Herald's feed reader turns the corpus's well-formed feeds into
// entries. Runs in the bench process on the same compiled code as the bot (decode + parse, from
// bytes in memory, no I/O), so it is the reader's throughput alone.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { decodeFeedBody, gunzipIfCompressed } from "../../src/sources/feeds/decode.js";
import { parseFeedText } from "../../src/sources/feeds/parse-feed.js";
import { say, type BenchEnv, type ScenarioResult } from "../env.js";
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

export async function parse(env: BenchEnv): Promise<ScenarioResult> {
  const dir = join(env.options.corpus, "feeds");
  const base = {
    scenario: "parse",
    title: "2b. Parse throughput on the corpus feeds",
    settings: { corpus: dir } as Record<string, unknown>,
    samples: {} as Record<string, number[]>,
  };
  if (!existsSync(join(dir, "SOURCES.md"))) {
    say(`  skipped: no corpus at ${dir} (give --corpus PATH)`);
    return { ...base, figures: [], notes: [`Skipped: no corpus at ${dir}. Pass --corpus <path to shared/corpus>.`] };
  }
  const files = wellFormedFiles(dir).map((name) => ({ name, bytes: readFileSync(join(dir, name)), base: pathToFileURL(join(dir, name)).href }));
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
  say(`  ${files.length} well-formed files, ${entriesPerPass} entries: ${r(median(rates), 0)} entries/s`);
  return {
    ...base,
    figures: [
      { key: "entries_per_s", label: "Herald's reader: entries per second (wall)", value: r(median(rates), 0), unit: "entries/s" },
      { key: "entries_per_cpu_s", label: "Herald's reader: entries per CPU second", value: r(median(cpuRates), 0), unit: "entries/s" },
      ...(rssParser === undefined ? [] : [{ key: "rss_parser_entries_per_s", label: "rss-parser 3.13 alone, same files, same machine", value: r(rssParser, 0), unit: "entries/s" }]),
    ],
    settings: { ...base.settings, files: files.length, bytes: totalBytes, entriesPerPass, passes },
    notes: [
      "Files: those corpus/feeds/SOURCES.md marks well-formed (wf = yes), read once into memory; each pass decodes (gzip, charset) and parses every file with the compiled src/sources code the bot runs. Three warm-up passes first; median over the passes.",
      "Reference (issue 7, on these machines): Python's feedparser about 1,400 entries/s, rss-parser alone about 8,600 on the same well-formed corpus.",
      ...(rssParser === undefined ? ["rss-parser is not installed in node_modules, so it was not measured here; compare with the issue's figure."] : []),
    ],
    samples: { entries_per_s: rates },
  };
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

// The Herald side of the `parse` scenario, run as a child process by bench/scenarios/parse.ts with
// the bot's own node flags (`--max-semi-space-size=2`, as `npm start`, the Dockerfile and the
// systemd unit run it): the bench process may have other flags, and a young generation of a
// different size changes the parser's speed by a third (issue 16). Prints one JSON line.
//
//   node --max-semi-space-size=2 build/bench/parse-child.js rate <passes> <file>...
//     decode + parse every file per pass, warm: entries per pass and the per-pass rates.
//   node --max-semi-space-size=2 --expose-gc build/bench/parse-child.js memory <file>
//     decode + parse one file once in this fresh process: resident memory before, peak after.
//     With a warm-up file, that one is parsed 30 times first (the parser warm, as in a running bot).
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { decodeFeedBody, gunzipIfCompressed } from "../src/sources/feeds/decode.js";
import { parseFeedText } from "../src/sources/feeds/parse-feed.js";

const MAX_BYTES = 20 * 1024 * 1024;

function rate(passes: number, paths: string[]): void {
  const files = paths.map((path) => ({ bytes: readFileSync(path), base: pathToFileURL(path).href }));
  const once = (): number => {
    let entries = 0;
    for (const f of files) entries += parseFeedText(decodeFeedBody(gunzipIfCompressed(f.bytes, MAX_BYTES), null), f.base).entries.length;
    return entries;
  };
  const entriesPerPass = once();
  for (let i = 0; i < 3; i++) once(); // warm-up: let the JIT settle
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
  process.stdout.write(`${JSON.stringify({ entriesPerPass, rates, cpuRates })}\n`);
}

/** VmRSS and VmHWM (the peak resident set since the process started), in bytes (proc(5)). */
function residentBytes(): { rss: number; hwm: number } {
  const status = readFileSync("/proc/self/status", "utf8");
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

function memory(path: string, warmUp?: string): void {
  const bytes = readFileSync(path);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (warmUp !== undefined) {
    // As in a running bot: the parser compiled and V8's compilers and their code paged in by
    // other feeds before this one, so the peak is this feed's alone.
    const small = readFileSync(warmUp);
    for (let i = 0; i < 30; i++) parseFeedText(decodeFeedBody(gunzipIfCompressed(small, MAX_BYTES), null), pathToFileURL(warmUp).href);
  }
  gc?.();
  // Writing 5 to clear_refs resets VmHWM to the current RSS (proc(5)), so the peak read after the
  // parse is the parse's own, not start-up's.
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // an old kernel: the start-up peak may hide a small parse's; a 4 MB feed's is far above it
  }
  const before = residentBytes();
  const heapBefore = process.memoryUsage().heapUsed;
  const feed = parseFeedText(decodeFeedBody(gunzipIfCompressed(bytes, MAX_BYTES), null), pathToFileURL(path).href);
  const after = residentBytes();
  const heapAfter = process.memoryUsage().heapUsed;
  process.stdout.write(
    `${JSON.stringify({ feedBytes: bytes.byteLength, entries: feed.entries.length, rssBefore: before.rss, hwmBefore: before.hwm, hwmAfter: after.hwm, heapBefore, heapAfter })}\n`,
  );
}

const [mode, ...args] = process.argv.slice(2);
if (mode === "rate") rate(Number(args[0]), args.slice(1));
else if (mode === "memory") memory(args[0]!, args[1]);
else {
  process.stderr.write("usage: parse-child.js rate <passes> <file>... | memory <file> [<warm-up file>]\n");
  process.exit(2);
}

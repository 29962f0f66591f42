// Where the feed reader allocates (issue 16): a sampling heap profile of warm passes over feed
// files, garbage collected by minor and major GCs included, summed by function. With the bot's
// 2 MB young generation, what is allocated sets how often the scavenger runs.
//   node --max-semi-space-size=2 build/bench/experiments/parse-alloc.js <file>...
import { readFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { pathToFileURL } from "node:url";
import { decodeFeedBody, gunzipIfCompressed } from "../../src/sources/feeds/decode.js";
import { parseFeedText } from "../../src/sources/feeds/parse-feed.js";

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const PASSES = 5;

async function main(paths: string[]): Promise<void> {
  const files = paths.map((path) => ({ bytes: readFileSync(path), base: pathToFileURL(path).href }));
  const once = (): void => {
    for (const f of files) parseFeedText(decodeFeedBody(gunzipIfCompressed(f.bytes, 20 << 20), null), f.base);
  };
  for (let i = 0; i < 5; i++) once(); // warm, as the bench's passes are
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.startSampling", { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let i = 0; i < PASSES; i++) once();
  const { profile } = (await session.post("HeapProfiler.stopSampling")) as unknown as { profile: { head: ProfileNode } };
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode): void => {
    const { functionName, url, lineNumber } = node.callFrame;
    const site = `${functionName || "(anonymous)"} ${url.split("/").pop()}:${lineNumber + 1}`;
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    total += node.selfSize;
    node.children.forEach(walk);
  };
  walk(profile.head);
  process.stdout.write(`allocated per pass: ${(total / PASSES / 1048576).toFixed(1)} MB\n`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    process.stdout.write(`${((100 * bytes) / total).toFixed(1).padStart(5)}% ${String(Math.round(bytes / PASSES / 1024)).padStart(6)} KB  ${site}\n`);
  }
}

void main(process.argv.slice(2));

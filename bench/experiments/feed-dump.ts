// Dumps everything Herald's feed reader returns for every file in a folder, field for field, as
// JSON lines: for checking that a change to src/sources/feeds leaves the output identical (issue 16).
//   node build/bench/experiments/feed-dump.js <corpus>/feeds > before.jsonl
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { readFeedFile } from "../../src/sources/feeds/feed-file.js";
import { parseFeedText } from "../../src/sources/feeds/parse-feed.js";
import { decodeFeedBody, gunzipIfCompressed } from "../../src/sources/feeds/decode.js";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

async function main(dir: string): Promise<void> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (!statSync(path).isFile() || name === "SOURCES.md") continue;
    // Both entry points: readFeedText (via the file reader) and parseFeedText (what a poll uses).
    for (const [how, read] of [
      ["read", () => readFeedFile(path)],
      ["parse", async () => parseFeedText(decodeFeedBody(gunzipIfCompressed(readFileSync(path), 20 << 20), null), pathToFileURL(path).href)],
    ] as const) {
      try {
        const feed = await read();
        process.stdout.write(`${JSON.stringify({ name, how, feed }, (_k, v: unknown) => (v instanceof Date ? `D:${v.toISOString()}` : v === undefined ? "<undef>" : v))}\n`);
      } catch (err) {
        process.stdout.write(`${JSON.stringify({ name, how, error: `${(err as Error).name}: ${(err as Error).message}` })}\n`);
      }
    }
  }
}

void main(process.argv[2]!);

import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { decodeFeedBody, gunzipIfCompressed } from "./decode.js";
import { readFeedText, type ParsedFeed } from "./parse-feed.js";

/** Same cap as for feeds fetched over HTTP. */
export const MAX_FEED_FILE_BYTES = 20 * 1024 * 1024;

/**
 * Reads a feed saved as a file (for `herald preview` and the conformance run): gzip undone,
 * charset sniffed as for HTTP without a Content-Type. Relative links resolve against `baseUrl`
 * (the address the feed was saved from) when given, else against the feed's own home page, since
 * a file: URL is no place to send a reader. A cut-off file gives what can be read of it (see
 * readFeedText), with `truncated` set, rather than an error.
 */
export async function readFeedFile(path: string, baseUrl?: string, maxBytes: number = MAX_FEED_FILE_BYTES): Promise<ParsedFeed> {
  const bytes = await readFile(path);
  if (bytes.byteLength > maxBytes) throw new Error(`the file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`);
  return readFeedText(decodeFeedBody(gunzipIfCompressed(bytes, maxBytes), null), baseUrl ?? pathToFileURL(path).href);
}

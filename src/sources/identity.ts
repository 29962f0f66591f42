import { createHash } from "node:crypto";
import type { Entry } from "./entry.js";
import { cleanTitle } from "../text/title.js";
import { DEFAULT_SUMMARY_CHARS, summarize } from "../text/summary.js";

/**
 * When a post in a read is one Herald has seen before. Ids (guid, Atom id) change when a blog
 * moves to another engine or host, and links change with it (http → https, www., a trailing
 * slash, tracking parameters), while the post stays the same. In order, a post is already seen
 * when:
 *   1. its id matches a stored post of the feed; or
 *   2. its normalized link (linkKey) matches one; or
 *   3. the read changes many ids at once (isMassIdChange) and its title and date match one.
 * The third rule waits for a mass change because a title and a date alone could be two posts.
 */

/** Query parameters that track a reader, not name a page. */
const TRACKING = /^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_hsenc|_hsmi|mkt_tok|igshid|yclid|ref_src|oly_enc_id|oly_anon_id|vero_id|wt_mc)$/i;
const INDEX_PAGE = /\/(index|default)\.(html?|php|aspx?)$/i;

/**
 * A link reduced to what names the page: no scheme (http and https are one page), host lower-cased
 * without "www.", no default port, no fragment, no tracking parameters, no "index.html", no trailing
 * slash. undefined for anything that is not an http(s) URL.
 */
export function linkKey(link: string | undefined): string | undefined {
  if (!link) return undefined;
  let url: URL;
  try {
    url = new URL(link.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  const host = url.hostname.toLowerCase().replace(/^www\./, "");
  const port = url.port === "" || url.port === "80" || url.port === "443" ? "" : `:${url.port}`;
  const path = url.pathname.replace(INDEX_PAGE, "/").replace(/\/+$/, "");
  const params = [...url.searchParams].filter(([name]) => !TRACKING.test(name));
  const query = params.length === 0 ? "" : `?${new URLSearchParams(params).toString()}`;
  return `${host}${port}${path}${query}`;
}

/**
 * Whether one read changed many ids at once: at least three posts (and at least half the read)
 * have ids and links Herald has not seen. A normal read brings one or two new posts.
 */
export function isMassIdChange(unknown: number, readSize: number): boolean {
  return unknown >= 3 && unknown * 2 >= readSize;
}

/**
 * A fingerprint of what a reader sees of a post: its title and its summary as plain text at the
 * default length. A change of whitespace, markup or dates leaves it alone, so only a real change
 * of the words (a retitle, a fixed summary) makes an announcement worth correcting.
 */
export function contentHash(entry: Pick<Entry, "title" | "summaryHtml">): string {
  const visible = `${cleanTitle(entry.title, Infinity)}\n${summarize(entry.summaryHtml, DEFAULT_SUMMARY_CHARS)}`;
  return createHash("sha256").update(visible).digest("base64url").slice(0, 22);
}

import type { DigestPost } from "../store/store.js";
import { cleanTitle } from "../text/title.js";

/** Longest digest: a chat message, not a newsletter. */
export const MAX_DIGEST_LINES = 25;
const DIGEST_TITLE_CHARS = 120;

/** A digest message: a bold header, then one line per post (title and link), oldest first. */
export function formatDigest(posts: readonly DigestPost[], since: number): string {
  const lines = posts.slice(0, MAX_DIGEST_LINES).map((p) => `• ${cleanTitle(p.title, DIGEST_TITLE_CHARS)}${p.link ? ` ${p.link}` : ""}`);
  if (posts.length > MAX_DIGEST_LINES) lines.push(`…and ${posts.length - MAX_DIGEST_LINES} more`);
  const header = `*Digest: ${posts.length} new post${posts.length === 1 ? "" : "s"} since ${new Date(since).toISOString().slice(0, 16).replace("T", " ")} UTC*`;
  return [header, ...lines].join("\n");
}

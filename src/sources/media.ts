/**
 * Media that travel with a post: a podcast's audio, a video, a lead image. Sources read them at
 * the edge (feed XML, front matter) into this shape; nothing downstream sees a raw attribute.
 */

/** "enclosure": the post's audio, video or attached file. "image": a picture that illustrates it. */
export type MediaRole = "enclosure" | "image";

export interface Media {
  /** Absolute http(s) URL. */
  readonly url: string;
  /** MIME type, lower-cased ("audio/mpeg"), or undefined when the source gave none that reads as one. */
  readonly type: string | undefined;
  /** Size in bytes, or undefined when unknown. */
  readonly length: number | undefined;
  readonly role: MediaRole;
}

/** A medium as a source found it, before order, duplicates and the cap are settled. */
export interface MediaCandidate {
  /** Already resolved: undefined when the reference was not, or could not become, an http(s) URL. */
  readonly url: string | undefined;
  readonly type: string | undefined;
  readonly length: number | undefined;
  readonly role: MediaRole | undefined;
}

/** Enough for a podcast episode with its cover and a few pictures; a feed cannot make an entry heavy. */
export const MAX_MEDIA_PER_ENTRY = 8;

// RFC 6838 §4.2: type "/" subtype, of restricted-name characters; RFC 2045 §5.1 parameters may follow.
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(?:\s*;.*)?$/;

/** A MIME type trimmed and lower-cased; anything that is not one ("mp3", "", "image") is undefined. */
export function mediaType(raw: string | undefined): string | undefined {
  const type = raw?.trim().toLowerCase();
  return type !== undefined && MIME_TYPE.test(type) ? type : undefined;
}

/**
 * A length in bytes: a non-negative whole number written in digits, else undefined ("-1",
 * "12.5", "1,024", "unknown"). 0 is undefined too: the RSS Advisory Board's Best Practices
 * Profile (enclosure) has publishers write 0 when the size cannot be determined.
 */
export function mediaLength(raw: string | undefined): number | undefined {
  const digits = raw?.trim();
  if (digits === undefined || !/^\d{1,16}$/.test(digits)) return undefined;
  const length = Number(digits);
  return Number.isSafeInteger(length) && length > 0 ? length : undefined;
}

const IMAGE_EXTENSIONS = new Set(["jpg", "jpeg", "png", "gif", "webp", "avif", "bmp", "svg"]);
const PLAYABLE_EXTENSIONS = new Set(["mp3", "m4a", "m4b", "aac", "ogg", "oga", "opus", "flac", "wav", "mp4", "m4v", "mov", "webm", "mkv"]);

export interface RoleHints {
  /** Media RSS `medium`: image | audio | video | document | executable. */
  readonly medium?: string | undefined;
  /** Already read with mediaType. */
  readonly type: string | undefined;
  readonly url: string | undefined;
}

/**
 * What a medium is for: by its declared medium, else its MIME type, else the extension of its
 * URL's path (The Guardian's media:content carries neither medium nor type). Undefined when none
 * says image, audio or video: the caller decides whether such a thing is still an enclosure.
 */
export function mediaRole(hints: RoleHints): MediaRole | undefined {
  const medium = hints.medium?.trim().toLowerCase();
  if (medium === "image") return "image";
  if (medium === "audio" || medium === "video") return "enclosure";
  if (medium !== undefined && medium !== "") return undefined; // document, executable, or unknown
  const major = hints.type?.slice(0, hints.type.indexOf("/"));
  if (major === "image") return "image";
  if (major === "audio" || major === "video") return "enclosure";
  if (hints.type !== undefined) return undefined;
  const extension = extensionOf(hints.url);
  if (extension === undefined) return undefined;
  if (IMAGE_EXTENSIONS.has(extension)) return "image";
  if (PLAYABLE_EXTENSIONS.has(extension)) return "enclosure";
  return undefined;
}

function extensionOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const path = new URL(url).pathname;
    const name = path.slice(path.lastIndexOf("/") + 1);
    const dot = name.lastIndexOf(".");
    return dot === -1 ? undefined : name.slice(dot + 1).toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The entry's media: enclosures first, then images, each in the order found; a URL seen before
 * is not repeated (its type or length fill in what the first mention left out); candidates
 * without a URL or a role are dropped; at most MAX_MEDIA_PER_ENTRY.
 */
export function settleMedia(candidates: readonly MediaCandidate[]): Media[] {
  const byUrl = new Map<string, Media>();
  const ordered = [...candidates.filter((c) => c.role === "enclosure"), ...candidates.filter((c) => c.role === "image")];
  for (const candidate of ordered) {
    if (candidate.url === undefined || candidate.role === undefined) continue;
    const seen = byUrl.get(candidate.url);
    if (seen !== undefined) {
      byUrl.set(candidate.url, { ...seen, type: seen.type ?? candidate.type, length: seen.length ?? candidate.length });
      continue;
    }
    if (byUrl.size === MAX_MEDIA_PER_ENTRY) continue;
    byUrl.set(candidate.url, { url: candidate.url, type: candidate.type, length: candidate.length, role: candidate.role });
  }
  return [...byUrl.values()];
}

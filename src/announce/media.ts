import type { Entry } from "../sources/entry.js";
import type { Attachment } from "../targets/target.js";
import { cleanTitle } from "../text/title.js";
import type { MediaSetting } from "../config/room-options.js";


/**
 * The one medium sent with an announcement, if the room asks for media: the post's first
 * enclosure (a podcast's audio, a video), or with "all" its lead image when it has no enclosure.
 * One at most, so a post with a gallery does not flood the room.
 */
export function chooseAttachment(entry: Entry, setting: MediaSetting | undefined): Attachment | undefined {
  if (setting === undefined || setting === "none") return undefined;
  const media = entry.media ?? [];
  const chosen = media.find((m) => m.role === "enclosure") ?? (setting === "all" ? media.find((m) => m.role === "image") : undefined);
  return chosen === undefined ? undefined : { url: chosen.url, description: cleanTitle(entry.title) };
}

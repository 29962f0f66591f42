import type { Media } from "./media.js";

export type { Media, MediaRole } from "./media.js";

/**
 * One blog post as Herald understands it, whatever source it came from.
 * Sources parse at the edge into this shape; nothing downstream sees raw XML or front matter.
 */
export interface Entry {
  /**
   * Stable identity within its feed. Feeds: "id:<guid or Atom id>", else "link:<url>", else
   * "hash:<title and date>". Markdown folders: "md:<slug>" ("md:<lang>/<slug>" for a translation).
   */
  readonly key: string;
  /** May hold markup or entities (an Atom type="html" title, an escaped RSS title): show it through htmlToPlainText. */
  readonly title: string;
  /** Absolute http(s) URL of the post, or undefined when the source gave none. */
  readonly link: string | undefined;
  readonly author: string | undefined;
  /** Publication time, when the source gave a parsable one. */
  readonly published: Date | undefined;
  /** The post's summary or content as the source gave it: HTML, Markdown or text, not yet cleaned. */
  readonly summaryHtml: string;
  readonly categories: readonly string[];
  /**
   * Enclosures (podcast audio, video) then images, at most 8, each URL once; absent when the
   * source gave none. Optional so that entries built before media were read still type-check.
   */
  readonly media?: readonly Media[];
}

/**
 * One blog post as Herald understands it, whatever source it came from.
 * Sources parse at the edge into this shape; nothing downstream sees raw XML or front matter.
 */
export interface Entry {
  /** Stable identity within its feed: guid/id, else link, else a hash of title and date. */
  readonly key: string;
  readonly title: string;
  /** Absolute URL of the post, or undefined when the source gave none. */
  readonly link: string | undefined;
  readonly author: string | undefined;
  /** Publication time, when the source gave a parsable one. */
  readonly published: Date | undefined;
  /** The post's summary or content as the source gave it: HTML or text, not yet cleaned. */
  readonly summaryHtml: string;
  readonly categories: readonly string[];
}

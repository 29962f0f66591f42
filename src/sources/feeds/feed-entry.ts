import type { FeedHints } from "./feed-hints.js";
import type { Media } from "../media.js";

/**
 * What the RSS and Atom readers hand to parse-feed before identities are settled.
 */
export interface FeedEntryDraft {
  /** guid (RSS), id (Atom) or rdf:about (RSS 1.0), as written. */
  readonly id: string | undefined;
  readonly title: string;
  readonly link: string | undefined;
  readonly author: string | undefined;
  readonly published: Date | undefined;
  readonly summaryHtml: string;
  readonly categories: readonly string[];
  /** Settled already: ordered, distinct, capped (see settleMedia). */
  readonly media: readonly Media[];
  /** False when the document ended inside this item: its fields may be cut off. */
  readonly complete: boolean;
}

export interface FeedReadResult {
  readonly title: string | undefined;
  /** The feed's home page (RSS channel link, Atom alternate link), absolute. */
  readonly link: string | undefined;
  readonly items: readonly FeedEntryDraft[];
  /** What the document says of its own updates (ttl, sy:updatePeriod) and its WebSub hub. */
  readonly hints: FeedHints;
}

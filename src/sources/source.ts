import type { Entry } from "./entry.js";
import type { Validators } from "./http/fetch.js";

/** What one read of a source found. Every kind of source (HTTP feed, Markdown folder) answers this. */
/**
 * What a read learnt about the source's updates, for adaptive polling and WebSub: freshness from
 * the HTTP response and the document, and the hub and topic (self) it advertises.
 */
export interface SourceHints {
  readonly freshForMs?: number | undefined;
  readonly ttlMs?: number | undefined;
  readonly updatePeriodMs?: number | undefined;
  readonly hub?: string | undefined;
  readonly self?: string | undefined;
}

export type SourceRead =
  | { readonly kind: "not-modified"; readonly permanentRedirect?: string; readonly hints?: SourceHints }
  | {
      readonly kind: "entries";
      readonly title: string | undefined;
      /** The blog's own address (the feed's alternate link), when the source names one. */
      readonly link?: string | undefined;
      readonly entries: readonly Entry[];
      /** Remembered and handed back on the next read, for conditional requests. */
      readonly validators: Validators;
      /** The source moved for good (HTTP 301/308): the location to read next time. */
      readonly permanentRedirect?: string;
      readonly hints?: SourceHints;
    };

/**
 * Reads a source once. Throws a SourceError (FetchError, BodyError, FeedParseError,
 * FolderError) when the source cannot be read; its fields say whether and when to try again.
 */
export type ReadSource = (validators: Validators) => Promise<SourceRead>;

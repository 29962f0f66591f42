/** What the poller needs to know about a source that could not be read. */
export interface SourceErrorDetails {
  /** 410 Gone (RFC 9110 §15.5.11): the source was removed on purpose; stop reading it. */
  readonly gone?: boolean;
  /** 429/503 with Retry-After (RFC 9110 §10.2.3): wait at least this long before the next read. */
  readonly retryAfterMs?: number;
}

/**
 * The base of every error a source throws on purpose (fetch, body, feed text, folder). The poller
 * decides by these fields alone: `temporary` says whether reading again later may help, `gone`
 * stops reading for good, `retryAfterMs` sets the earliest next read. Anything else a source
 * throws is a bug or an unforeseen failure and is treated as temporary.
 */
export class SourceError extends Error {
  readonly gone: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    readonly temporary: boolean,
    details: SourceErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "SourceError";
    this.gone = details.gone ?? false;
    this.retryAfterMs = details.retryAfterMs;
  }
}

// A failed fetch, and what the caller should do about it; re-exported by http-fetch.ts.

export interface FetchErrorDetails {
  /** 410 Gone (RFC 9110 §15.5.11): the feed was removed on purpose; stop polling it. */
  readonly gone?: boolean;
  /** 429/503 with Retry-After (RFC 9110 §10.2.3): wait at least this long, capped at 24 h. */
  readonly retryAfterMs?: number;
  /** The address policy refused this address (SSRF guard). */
  readonly refusedAddress?: string;
}

/** A failed fetch. `temporary` says whether trying again later may help. */
export class FetchError extends Error {
  readonly gone: boolean;
  readonly retryAfterMs: number | undefined;
  readonly refusedAddress: string | undefined;
  constructor(
    message: string,
    readonly temporary: boolean,
    readonly status?: number,
    details: FetchErrorDetails = {},
  ) {
    super(message);
    this.name = "FetchError";
    this.gone = details.gone ?? false;
    this.retryAfterMs = details.retryAfterMs;
    this.refusedAddress = details.refusedAddress;
  }
}

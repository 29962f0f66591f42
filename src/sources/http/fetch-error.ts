import { SourceError, type SourceErrorDetails } from "../errors.js";

export interface FetchErrorDetails extends SourceErrorDetails {
  /** The address policy refused this address (SSRF guard). */
  readonly refusedAddress?: string;
}

/** A failed fetch. `temporary` says whether trying again later may help. */
export class FetchError extends SourceError {
  readonly refusedAddress: string | undefined;
  constructor(
    message: string,
    temporary: boolean,
    readonly status?: number,
    details: FetchErrorDetails = {},
  ) {
    super(message, temporary, details);
    this.name = "FetchError";
    this.refusedAddress = details.refusedAddress;
  }
}

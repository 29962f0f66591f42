import { decodeFeedBody, gunzipIfCompressed } from "./decode.js";

/** What we remember between polls to make them conditional (RFC 9110 §13.1). */
export interface Validators {
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
}

export type FetchResult =
  | { readonly kind: "not-modified" }
  | {
      readonly kind: "fetched";
      readonly text: string;
      readonly url: string;
      readonly validators: Validators;
      readonly bytes: number;
    };

/** A failed fetch. `temporary` says whether trying again later may help. */
export class FetchError extends Error {
  constructor(
    message: string,
    readonly temporary: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = "FetchError";
  }
}

export interface FetchOptions {
  readonly userAgent: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

export type FetchFeed = (url: string, validators: Validators) => Promise<FetchResult>;

export function createHttpFetcher(options: FetchOptions): FetchFeed {
  return async (url, validators) => {
    const headers: Record<string, string> = {
      "user-agent": options.userAgent,
      accept: "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5",
    };
    if (validators.etag) headers["if-none-match"] = validators.etag;
    if (validators.lastModified) headers["if-modified-since"] = validators.lastModified;

    const signal = AbortSignal.timeout(options.timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, { headers, signal, redirect: "follow" });
    } catch (err) {
      throw networkError(err, options.timeoutMs);
    }
    if (response.status === 304) {
      await response.body?.cancel();
      return { kind: "not-modified" };
    }
    if (!response.ok) {
      await response.body?.cancel();
      // 5xx and 429 are the server's passing trouble; other 4xx need a person to fix the URL.
      const temporary = response.status >= 500 || response.status === 429 || response.status === 408;
      throw new FetchError(`HTTP ${response.status} ${response.statusText}`.trim(), temporary, response.status);
    }
    let body: Uint8Array;
    try {
      body = await readCapped(response, options.maxBytes);
    } catch (err) {
      if (err instanceof FetchError) throw err;
      throw networkError(err, options.timeoutMs);
    }
    // fetch() has undone any Content-Encoding; a body that is itself a .gz file is undone here.
    const bytes = gunzipIfCompressed(body, options.maxBytes);
    return {
      kind: "fetched",
      text: decodeFeedBody(bytes, response.headers.get("content-type")),
      url: response.url || url,
      bytes: body.byteLength,
      validators: {
        etag: response.headers.get("etag") ?? undefined,
        lastModified: response.headers.get("last-modified") ?? undefined,
      },
    };
  };
}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(maxBytes);
  }
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function tooLarge(maxBytes: number): FetchError {
  return new FetchError(`feed is larger than the ${Math.round(maxBytes / 1024 / 1024)} MB limit`, false);
}

function networkError(err: unknown, timeoutMs: number): FetchError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") {
    return new FetchError(`no complete answer within ${timeoutMs / 1000} s`, true);
  }
  const cause = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return new FetchError(`network error: ${cause}`, true);
}

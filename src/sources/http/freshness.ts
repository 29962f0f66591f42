/**
 * How long an HTTP response says it stays fresh (RFC 9111 §4.2.1): `Cache-Control: max-age`
 * first, else `Expires` minus `Date`. `no-cache`/`no-store` say nothing about when it changes, so
 * they give no figure. Adaptive polling (polling/adaptive-interval.ts) never asks sooner.
 */
export function freshLifetimeMs(headers: { cacheControl?: string | undefined; expires?: string | undefined; date?: string | undefined }, now: number): number | undefined {
  const directives = (headers.cacheControl ?? "").toLowerCase();
  if (/(?:^|,)\s*(?:no-store|no-cache)\b/.test(directives)) return undefined;
  const maxAge = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/.exec(directives);
  if (maxAge) return Number(maxAge[1]) * 1000;
  if (headers.expires === undefined) return undefined;
  const expires = Date.parse(headers.expires);
  // An invalid date (often "0" or "-1") means already expired (RFC 9111 §5.3).
  if (Number.isNaN(expires)) return undefined;
  const date = headers.date === undefined ? now : Date.parse(headers.date);
  const lifetime = expires - (Number.isNaN(date) ? now : date);
  return lifetime > 0 ? lifetime : undefined;
}

/**
 * The `Link` header's targets by relation (RFC 8288 §3): WebSub discovery (W3C WebSub §4) reads
 * rel="hub" and rel="self" from it as well as from the feed.
 */
export function linkHeaderRelations(value: string | undefined, base: string): Map<string, string> {
  const found = new Map<string, string>();
  if (value === undefined) return found;
  for (const match of value.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2] ?? "");
    if (!rel) continue;
    let href: string;
    try {
      href = new URL(match[1]!, base).href;
    } catch {
      continue;
    }
    for (const name of (rel[1] ?? rel[2] ?? "").toLowerCase().split(/\s+/)) if (name && !found.has(name)) found.set(name, href);
  }
  return found;
}

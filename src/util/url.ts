/** `ref` resolved against `base` when it is an http(s) URL; anything else (javascript:, mailto:, junk) is undefined. */
export function httpUrl(ref: string, base?: string): string | undefined {
  try {
    const url = new URL(ref, base);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

import { httpUrl } from "../util/url.js";
import { removeForbiddenChars } from "./plain-text.js";

/** The link as a normalised http(s) URL (no whitespace or controls survive), else undefined. */
export function safeLink(link: string | undefined): string | undefined {
  const href = link === undefined ? undefined : httpUrl(link.trim());
  return href === undefined ? undefined : removeForbiddenChars(href);
}

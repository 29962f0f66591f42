/**
 * A post's lead image from its front matter: `image` (Jekyll, many Hugo themes; jekyll-seo-tag
 * also accepts `image: { path: … }`), else the first of Hugo's `images` list (what Hugo's
 * opengraph and twitter_cards templates read). `cover` and `featured_image` exist in some themes
 * but not in any post of the XSF blog, so they are not read.
 */
import type { FrontMatterValue } from "./front-matter.js";
import { settleMedia, type Media } from "../media.js";
import { httpUrl } from "../../util/url.js";

/**
 * The image as media: resolved against the post's link (a page-bundle "cover.jpg" or a site
 * path "/images/x.png"); an absolute http(s) URL stands on its own. Empty when there is none,
 * or it cannot become an http(s) URL.
 */
export function postImage(data: Readonly<Record<string, FrontMatterValue>>, postLink: string | undefined): Media[] {
  const reference = referenceOf(data["image"]) ?? referenceOf(data["images"]);
  if (reference === undefined) return [];
  // Front matter names no MIME type or size: both stay unknown rather than guessed.
  return settleMedia([{ url: httpUrl(reference, postLink), type: undefined, length: undefined, role: "image" }]);
}

/** A string; the first usable item of a list; jekyll-seo-tag's { path } or { url }. */
function referenceOf(value: FrontMatterValue | undefined): string | undefined {
  if (typeof value === "string") return value.trim() === "" ? undefined : value.trim();
  if (Array.isArray(value)) {
    for (const item of value) {
      const reference = referenceOf(item);
      if (reference !== undefined) return reference;
    }
    return undefined;
  }
  if (value !== null && typeof value === "object") return referenceOf(value["path"] ?? value["url"]);
  return undefined;
}

/**
 * What a feed document says about its own updates: how long readers may cache it (RSS 2.0
 * <ttl>, the RSS 1.0 syndication module's <sy:updatePeriod>/<sy:updateFrequency>) and where it
 * is pushed from (W3C WebSub §4: <link rel="hub"> and rel="self", Atom's or atom:link in RSS).
 */
// Local names are lower-cased by the tree (xml-tree.ts), so updatePeriod is looked up as updateperiod.
import { childElements, type XmlElement } from "./xml-tree.js";
import { childText, resolveLink, SY } from "./values.js";

export interface FeedHints {
  readonly ttlMs?: number | undefined;
  readonly updatePeriodMs?: number | undefined;
  readonly hub?: string | undefined;
  readonly self?: string | undefined;
}

const PERIODS: Record<string, number> = { hourly: 3_600_000, daily: 86_400_000, weekly: 604_800_000, monthly: 2_592_000_000, yearly: 31_536_000_000 };
/** A day: no feed's own hint may keep Herald away longer (fetch.max_interval bounds it further). */
const MAX_HINT_MS = 86_400_000;

/**
 * `container` is the RSS <channel> or the Atom <feed>; `linkNamespaces` where its <link>
 * elements live (Atom's own namespace for Atom, atom: for RSS).
 */
export function readFeedHints(container: XmlElement | undefined, rssNamespaces: readonly string[], linkNamespaces: readonly string[]): FeedHints {
  if (container === undefined) return {};
  const ttlMinutes = Number(childText(container, "ttl", rssNamespaces));
  const period = childText(container, "updateperiod", SY)?.toLowerCase();
  const frequency = Number(childText(container, "updatefrequency", SY) ?? "1");
  const periodMs = period === undefined ? undefined : PERIODS[period];
  const links = childElements(container, "link", linkNamespaces);
  const rel = (name: string) => {
    const link = links.find((l) => (l.attrs["rel"] ?? "").trim().toLowerCase() === name);
    return link && resolveLink(link.attrs["href"], link.base);
  };
  return {
    ttlMs: Number.isFinite(ttlMinutes) && ttlMinutes > 0 ? Math.min(ttlMinutes * 60_000, MAX_HINT_MS) : undefined,
    // "updated 2 times hourly": a period of half an hour (RSS 1.0 syndication module).
    updatePeriodMs: periodMs === undefined ? undefined : Math.min(periodMs / (Number.isFinite(frequency) && frequency >= 1 ? frequency : 1), MAX_HINT_MS),
    hub: rel("hub"),
    self: rel("self"),
  };
}

// What response headers and feed documents say about freshness and hubs (pure parsing).
import { freshLifetimeMs, linkHeaderRelations } from "../../../src/sources/http/freshness.js";
import { parseFeedText } from "../../../src/sources/feeds/parse-feed.js";

const now = Date.parse("Thu, 03 Dec 2026 12:00:00 GMT");

test("Cache-Control max-age wins over Expires; no-cache and no-store say nothing", () => {
  expect(freshLifetimeMs({ cacheControl: "public, max-age=1800", expires: "Thu, 03 Dec 2026 18:00:00 GMT" }, now)).toBe(1_800_000);
  expect(freshLifetimeMs({ cacheControl: 'max-age="600"' }, now)).toBe(600_000);
  expect(freshLifetimeMs({ cacheControl: "no-cache, max-age=600" }, now)).toBeUndefined();
  expect(freshLifetimeMs({ cacheControl: "no-store" }, now)).toBeUndefined();
});

test("Expires counts from the response's Date, else from now; a past or invalid one gives nothing", () => {
  expect(freshLifetimeMs({ expires: "Thu, 03 Dec 2026 13:00:00 GMT", date: "Thu, 03 Dec 2026 12:30:00 GMT" }, now)).toBe(1_800_000);
  expect(freshLifetimeMs({ expires: "Thu, 03 Dec 2026 13:00:00 GMT" }, now)).toBe(3_600_000);
  expect(freshLifetimeMs({ expires: "Thu, 03 Dec 2026 11:00:00 GMT" }, now)).toBeUndefined();
  expect(freshLifetimeMs({ expires: "0" }, now)).toBeUndefined();
  expect(freshLifetimeMs({}, now)).toBeUndefined();
});

test("Link headers name the hub and the topic (RFC 8288), resolved against the feed's URL", () => {
  const links = linkHeaderRelations('<https://hub.example/>; rel="hub", </feed.xml>; rel=self, <x>; title="no rel"', "https://blog.example/a/feed.xml");
  expect(Object.fromEntries(links)).toEqual({ hub: "https://hub.example/", self: "https://blog.example/feed.xml" });
  expect(linkHeaderRelations(undefined, "https://b/").size).toBe(0);
});

test("an RSS feed's ttl, sy:updatePeriod/updateFrequency and atom:link hub and self", () => {
  const rss = `<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
    <title>T</title><link>https://b.example/</link><ttl>45</ttl>
    <sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>
    <atom:link rel="hub" href="https://hub.example/"/><atom:link rel="self" href="https://b.example/feed"/>
    <item><title>A</title><link>https://b.example/a</link></item></channel></rss>`;
  expect(parseFeedText(rss, "https://b.example/feed").hints).toEqual({ ttlMs: 2_700_000, updatePeriodMs: 1_800_000, hub: "https://hub.example/", self: "https://b.example/feed" });
});

test("an Atom feed's hub and self links; nonsense ttl and periods are ignored", () => {
  const atom = `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>t</id>
    <link rel="hub" href="https://hub.example/"/><link rel="self" href="/atom.xml"/>
    <entry><id>1</id><title>A</title><link href="https://b.example/a"/></entry></feed>`;
  expect(parseFeedText(atom, "https://b.example/atom.xml").hints).toEqual({ hub: "https://hub.example/", self: "https://b.example/atom.xml", ttlMs: undefined, updatePeriodMs: undefined });
  const odd = `<rss xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>T</title><ttl>soon</ttl><sy:updatePeriod>fortnightly</sy:updatePeriod>
    <item><title>A</title><link>https://b.example/a</link></item></channel></rss>`;
  expect(parseFeedText(odd, "https://b.example/").hints).toMatchObject({ ttlMs: undefined, updatePeriodMs: undefined });
});

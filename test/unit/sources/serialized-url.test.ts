// values.ts takes an absolute http(s) link as it is, without the URL parser, when
// isSerializedHttpUrl says the parser would give it back unchanged: that must never be wrong.
import { isSerializedHttpUrl, resolveLink } from "../../../src/sources/feeds/values.js";

const parsed = (ref: string): string | undefined => {
  try {
    return new URL(ref).href;
  } catch {
    return undefined;
  }
};

test("the common shapes of feed links are taken as they are", () => {
  for (const url of [
    "https://www.giantbomb.com/shows/599-podcasts-are-for-vampires/2970-19574/free-podcast",
    "http://example.org/",
    "https://dts.podtrac.com/redirect.mp3/www.giantbomb.com/podcasts/download/2801/599__Podcasts-09-03-2019-8713992872.mp3",
    "https://a.example/p?x=1&y=%20z#frag",
    "https://a.example/(1),*!$+;=:@~",
  ]) {
    expect(isSerializedHttpUrl(url)).toBe(true);
    expect(parsed(url)).toBe(url);
  }
});

test("anything the parser would change, or might refuse, goes to the parser", () => {
  for (const url of [
    "HTTP://example.org/", // scheme case
    "http://Example.org/", // host case
    "http://example.org", // no path: the parser adds "/"
    "http://example.org:80/", // default port
    "http://user@example.org/", // userinfo
    "http://1.2.3.4/", // IPv4
    "http://example.0x1/", // ends in a number
    "http://example.123/",
    "http://xn--a.example/", // punycode
    "http://a.xn--zz/",
    "http://example.org/a/../b", // dot segments
    "http://example.org/a/./b",
    "http://example.org/a/%2e%2E/b",
    "http://example.org/a b", // space
    "http://example.org/a\\b", // backslash
    "http://example.org/?q='x'", // apostrophe in a special query
    'http://example.org/"x"',
    "http://example.org/<x>",
    "http://example.org/{x}",
    "http://example.org/^x",
    "http://example.org/`x`",
    "http://example.org/é",
    "http://example.org/#a#b",
    "http://exa_mple.org/",
    "http://-example.org/",
    "http://example..org/",
    "http://example.org./",
  ]) {
    expect(isSerializedHttpUrl(url)).toBe(false);
  }
});

test("whenever a link is taken as it is, the parser agrees, over many generated links", () => {
  // A deterministic walk over links built from the pieces that matter to the parser: hosts of
  // labels (some numeric, hyphenated, upper-case or punycode), then paths, queries, fragments.
  const labels = ["a", "example", "x0", "0", "09", "a-b", "-a", "b-", "xn--p", "Ab", "0x1", "com", "org", "é", "a_b", ""];
  const pieces = ["a", "Z", "0", "-", ".", "/", "..", "%2e", "%2E", "%", "?", "#", "'", ":", "80", "@", "_", "~", " ", "\\", "^", "|", "é", "&", "=", "(", "*", "!", "$", ";", ",", "+", "{", "`", '"', "<", "\t"];
  let seed = 12345;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  let taken = 0;
  for (let k = 0; k < 20000; k++) {
    let url = next(2) === 0 ? "http://" : "https://";
    const hostLabels = 1 + next(3);
    for (let h = 0; h < hostLabels; h++) url += (h > 0 ? "." : "") + labels[next(labels.length)];
    if (next(8) === 0) url += ":" + String(next(500));
    if (next(8) !== 0) url += "/";
    const parts = next(8);
    for (let p = 0; p < parts; p++) url += pieces[next(pieces.length)];
    if (isSerializedHttpUrl(url)) {
      taken++;
      expect([url, parsed(url)]).toEqual([url, url]);
      expect(resolveLink(url, undefined)).toBe(url);
    }
  }
  expect(taken).toBeGreaterThan(500);
});

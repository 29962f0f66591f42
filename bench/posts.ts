// Deterministic made-up blog posts: the same seed gives the same feeds on every run, so two runs
// of the bench read the same bytes. Words come from a fixed made-up vocabulary with a Zipf-like
// spread (a few words are everywhere, most are rare), which is what full-text search meets in a blog.

export interface BenchPost {
  readonly id: string;
  readonly title: string;
  readonly link: string;
  readonly author: string;
  readonly summaryHtml: string;
  readonly published: Date;
}

/** mulberry32: a small seeded PRNG; plenty for picking words. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ["ka", "lo", "mi", "ner", "sta", "vu", "tor", "pel", "qui", "ran", "zo", "bel", "dra", "fen", "gul", "hix", "jor", "wen", "syl", "tam"];
const VOCABULARY_SIZE = 4000;

/** Word i of the vocabulary: word 0 is the most common. */
export function word(i: number): string {
  let n = i + SYLLABLES.length;
  let out = "";
  while (n > 0) {
    out += SYLLABLES[n % SYLLABLES.length];
    n = Math.floor(n / SYLLABLES.length);
  }
  return out;
}

/** A word index with a Zipf-like distribution (rank ~ 1/x). */
function zipfIndex(rnd: () => number): number {
  return Math.min(VOCABULARY_SIZE - 1, Math.floor(Math.exp(rnd() * Math.log(VOCABULARY_SIZE + 1))) - 1);
}

function sentence(rnd: () => number, words: number): string {
  const parts = Array.from({ length: words }, () => word(zipfIndex(rnd)));
  return parts.join(" ");
}

const BASE_TIME = Date.UTC(2026, 0, 1);

/**
 * Post `n` of feed `feed`: a title of 4-8 words and a summary of two paragraphs (about 500
 * characters of HTML), dated one hour apart (post n is newer than post n-1) in early 2026. A post
 * published during the bench must pass `published: new Date()`: Herald does not announce a post
 * dated more than `announce.max_age` (default 7 days) ago.
 */
export function makeBenchPost(feed: string, n: number, published?: Date): BenchPost {
  const rnd = random(hash(`${feed}#${n}`));
  const title = sentence(rnd, 4 + Math.floor(rnd() * 5));
  const first = sentence(rnd, 25 + Math.floor(rnd() * 10));
  const second = sentence(rnd, 25 + Math.floor(rnd() * 10));
  return {
    id: `urn:bench:${feed}:${n}`,
    title: title.charAt(0).toUpperCase() + title.slice(1),
    link: `https://${feed}.blog.example/${n}/`,
    author: `Author ${feed}`,
    summaryHtml: `<p>${first}. <b>${word(zipfIndex(rnd))}</b> &amp; ${word(zipfIndex(rnd))}.</p><p>${second}.</p>`,
    published: published ?? new Date(BASE_TIME + n * 3_600_000),
  };
}

/** The newest `count` posts of a feed that has had `total` posts, newest first (as a feed lists them). */
export function newestPosts(feed: string, total: number, count: number): BenchPost[] {
  const posts: BenchPost[] = [];
  for (let n = total - 1; n >= Math.max(0, total - count); n--) posts.push(makeBenchPost(feed, n));
  return posts;
}

/** A few search queries of each kind: a very common word, a mid-frequency word, a rare word, two words, a prefix. */
export function searchQueries(count: number): string[] {
  const rnd = random(7);
  const kinds = [
    () => word(Math.floor(rnd() * 5)),
    () => word(20 + Math.floor(rnd() * 80)),
    () => word(1000 + Math.floor(rnd() * 2000)),
    () => `${word(Math.floor(rnd() * 30))} ${word(50 + Math.floor(rnd() * 200))}`,
    () => word(100 + Math.floor(rnd() * 100)).slice(0, 4),
  ];
  return Array.from({ length: count }, (_, i) => kinds[i % kinds.length]!());
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Translations by file name: Hugo names them `post.de.md` (a language code before the
 * extension), the XSF's Pelican posts `post_de.md`. A suffix counts only when it is an ISO 639-1
 * code (optionally with a region, `post.pt-br.md`). With "_", which also joins words in file
 * names, codes that are common English words do not count: `how_to.md` is no Tongan translation
 * of `how` (and so `post_it.md` is not Italian either; Hugo's `post.it.md` is).
 */
const ISO_639_1 = new Set(
  (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es " +
    "et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj " +
    "kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv " +
    "ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti " +
    "tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
  ).split(" "),
);

/** Common English words that are also language codes: as a "_xx" suffix they are words. */
const WORDS = new Set(["to", "on", "in", "is", "it", "no", "or", "an", "am", "as", "be", "my", "so", "up"]);

export interface StemLanguage {
  /** The stem without its language suffix. */
  readonly base: string;
  /** Lower-case language code ("de", "pt-br"), or undefined for an original. */
  readonly lang: string | undefined;
}

/** Splits a file stem ("2021-01-20.de", "2021-01-24_de") into its base and language. */
export function stemLanguage(stem: string): StemLanguage {
  const match = /^(.+)([._])([A-Za-z]{2})(?:-([A-Za-z]{2,4}))?$/.exec(stem);
  if (match === null) return { base: stem, lang: undefined };
  const [, base, separator, code, region] = match as unknown as [string, string, string, string, string | undefined];
  const lower = code.toLowerCase();
  if (!ISO_639_1.has(lower)) return { base: stem, lang: undefined };
  // "_xx" is a weaker signal than ".xx": it is also how words join in file names.
  if (separator === "_" && (WORDS.has(lower) || code !== lower)) return { base: stem, lang: undefined };
  return { base, lang: region === undefined ? lower : `${lower}-${region.toLowerCase()}` };
}

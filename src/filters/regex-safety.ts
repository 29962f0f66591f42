/**
 * Which regular expressions may be matched against text a feed controls. JavaScript's engine
 * backtracks, so some patterns take exponential or high polynomial time on the right input
 * ("ReDoS"); a filter must not let a feed stall the bot. This refuses such patterns when they are
 * set, from their syntax tree (regex-syntax.ts):
 *
 * - longer than MAX_PATTERN_CHARS;
 * - backreferences (\1, \k<name>): matching with them is NP-hard in general;
 * - lookbehind of unbounded length: each position scans back over the whole text;
 * - nested quantifiers: a part repeated more than once (*, +, {2,}, even {10}) that contains a
 *   quantifier of variable count (`(a+)+`, `(a*)*b`, `(.*a){10}`, `(a?a?)*`): star height > 1, the
 *   classic exponential case. Fixed counts inside (`(\d{2}-)+`) are fine;
 * - a repeated part with alternatives that can start with the same character, or can match
 *   nothing (`(a|a)*`, `(a|ab)*`, `(\w|\d)+`): each iteration can be split several ways;
 * - two repetitions one after the other that can both take the same run of text (`.*a.*b`,
 *   `\w+\d+x`, `a*a*b`, `.*[ab]{5}c`): every way to split the run is tried, polynomial time of
 *   degree three and more counting the start positions;
 * - too many ways to match in a row (ambiguous alternations like `(a|ab)` or optional parts like
 *   `a?a?` in sequence, more than MAX_WAYS combined): exponential without any loop.
 *
 * Which characters a part can match is decided by the engine itself, on a set of sample characters
 * (all of ASCII, the characters the pattern names and their neighbours, and a spread of others),
 * so case folding (/i) and \p{…} classes count as the engine sees them (a class that overlaps
 * another only on characters outside the samples would be missed). What remains allowed costs at
 * worst about the square of the text's length times the pattern's (one repetition retried from
 * every start, like `.*` before a long literal); filters.ts caps that length as a second guard.
 */
import { parseRegex, RegexSyntaxError, type RegexNode } from "./regex-syntax.js";

export const MAX_PATTERN_CHARS = 200;
/** Ambiguous choices in a row (alternations, optional parts) may multiply to at most this many ways. */
const MAX_WAYS = 1000;
/** Beyond this many pending repetitions per point of the scan, they are merged (conservatively). */
const MAX_PENDING = 32;

export interface Refusal {
  /** Why, in words: "a quantified group contains another quantifier (catastrophic backtracking)". */
  readonly reason: string;
  /** What to do instead: "rewrite it without nesting". */
  readonly fix: string;
}

/**
 * Why the regular expression `source` with `flags` may not be matched against untrusted text, or
 * undefined when it may. Expects a pattern the engine accepts (`new RegExp(source, flags)`).
 */
export function regexRefusal(source: string, flags: string): Refusal | undefined {
  if (source.length > MAX_PATTERN_CHARS) {
    return { reason: `it is ${source.length} characters long, more than the ${MAX_PATTERN_CHARS} a filter may have`, fix: "shorten it" };
  }
  let tree: RegexNode;
  try {
    tree = parseRegex(source, flags);
  } catch (err) {
    if (!(err instanceof RegexSyntaxError)) throw err;
    return { reason: `Herald cannot check it for slow matching (${err.message})`, fix: "write it with common syntax" };
  }
  return new Analysis(tree, new Alphabet(tree, flags)).refusal();
}

/**
 * Sample characters, and for each one-character part of the pattern the set of samples it
 * matches, as a bit mask. Two parts overlap when their masks share a bit.
 */
class Alphabet {
  private readonly samples: string[];
  private readonly masks = new Map<string, bigint>();

  constructor(
    tree: RegexNode,
    private readonly flags: string,
  ) {
    const unicode = flags.includes("u");
    const points = new Set<number>();
    for (let cp = 0; cp < 0x80; cp++) points.add(cp);
    for (const sample of SPREAD) points.add(sample.codePointAt(0)!);
    for (const cp of namedCodePoints(tree)) {
      // A range's ends and their neighbours find where ranges and classes meet.
      for (const near of [cp - 1, cp, cp + 1]) if (near >= 0 && near <= 0x10ffff) points.add(near);
      for (const cased of [String.fromCodePoint(cp).toLowerCase(), String.fromCodePoint(cp).toUpperCase()]) points.add(cased.codePointAt(0)!);
    }
    const samples = new Set<string>();
    for (const cp of points) {
      const text = String.fromCodePoint(cp);
      // Without u the engine reads code units: an astral character is two samples.
      if (unicode || text.length === 1) samples.add(text);
      else samples.add(text[0]!).add(text[1]!);
    }
    this.samples = [...samples];
  }

  maskOf(source: string): bigint {
    let mask = this.masks.get(source);
    if (mask === undefined) {
      const one = new RegExp(`^(?:${source})$`, this.flags);
      mask = 0n;
      this.samples.forEach((sample, i) => {
        if (one.test(sample)) mask! |= 1n << BigInt(i);
      });
      this.masks.set(source, mask);
    }
    return mask;
  }
}

/** Characters from many scripts and classes: letters of both cases, digits, spaces, marks, symbols, astral. */
const SPREAD = [
  "\u00a0", "\u00ad", "\u00b2", "\u00b5", "\u00bd", "\u00c0", "\u00c9", "\u00d7", "\u00df", "\u00e9", "\u00ff",
  "\u0130", "\u0131", "\u017f", "\u01c5", "\u0301", "\u0345", "\u0391", "\u03a3", "\u03b1", "\u03c2", "\u03c3",
  "\u0410", "\u0430", "\u05d0", "\u0627", "\u0660", "\u0915", "\u093f", "\u0966", "\u0e01", "\u1680", "\u1e9e",
  "\u2000", "\u200b", "\u200d", "\u2013", "\u2019", "\u201c", "\u2028", "\u2029", "\u202f", "\u20ac", "\u2122",
  "\u212a", "\u212b", "\u2160", "\u2460", "\u3000", "\u3042", "\u30a2", "\u4e2d", "\uac00", "\ue000", "\ufb01",
  "\ufeff", "\uff10", "\uff21", "\uff41", "\ufffd", "\ud800", "\udc00", "\u{10400}", "\u{1d400}", "\u{1d7ce}",
  "\u{1f600}", "\u{20000}", "\u{10ffff}",
];

function namedCodePoints(node: RegexNode): number[] {
  switch (node.kind) {
    case "char":
      return [...node.codePoints];
    case "lookaround":
    case "repeat":
      return namedCodePoints(node.body);
    case "sequence":
      return node.items.flatMap(namedCodePoints);
    case "alternation":
      return node.options.flatMap(namedCodePoints);
    default:
      return [];
  }
}

interface Facts {
  readonly minLength: number;
  readonly maxLength: number;
  /** Characters a non-empty match can start with. */
  readonly first: bigint;
  /** Characters it can consume anywhere. */
  readonly chars: bigint;
  /** One mask per character it must consume at least once: what any text it matches needs. */
  readonly needs: readonly bigint[];
}

/** A repetition (or optional part) seen earlier in the pattern, which may take the text that follows. */
interface Pending {
  readonly chars: bigint;
  /** Masks, within `chars`, of every character required between it and here (and by itself). */
  readonly needs: readonly bigint[];
  /** It can take any number of characters (not just an optional one). */
  readonly long: boolean;
}

const NESTED: Refusal = {
  reason: "a quantified group contains another quantifier (catastrophic backtracking)",
  fix: "rewrite it without nesting",
};
const OVERLAPPING_ALTERNATIVES: Refusal = {
  reason: "a quantified group has alternatives that can match the same text (catastrophic backtracking)",
  fix: "make the alternatives start differently, or move what they share out of the group",
};
const ADJACENT: Refusal = {
  reason: "two repetitions one after the other can take the same characters (slow backtracking on long text)",
  fix: "separate them by something only one of them can match, or merge them into one",
};

class Analysis {
  private readonly facts = new Map<RegexNode, Facts>();
  private ways = 1;

  constructor(
    private readonly tree: RegexNode,
    private readonly alphabet: Alphabet,
  ) {}

  refusal(): Refusal | undefined {
    const nodes = allNodes(this.tree);
    for (const node of nodes) {
      if (node.kind === "backreference") {
        return { reason: `it refers back to a group (${node.source}), which can take exponential time`, fix: "match the text itself instead" };
      }
    }
    for (const node of nodes) {
      if (node.kind === "lookaround" && node.behind && this.of(node.body).maxLength === Infinity) {
        return { reason: "a lookbehind can be of unbounded length (slow on long text)", fix: "give it a bounded length, like (?<=a{1,3})" };
      }
    }
    const repeated = nodes.filter(
      (node): node is RegexNode & { kind: "repeat" } => node.kind === "repeat" && node.max > 1 && this.of(node.body).maxLength > 0,
    );
    for (const node of repeated) if (allNodes(node.body).some((inner) => this.isVariable(inner))) return NESTED;
    for (const node of repeated) if (allNodes(node.body).some((inner) => this.isAmbiguous(inner))) return OVERLAPPING_ALTERNATIVES;
    for (const node of nodes) if (node.kind === "alternation" && this.isAmbiguous(node)) this.ways *= node.options.length;
    try {
      this.scan(this.tree, []);
      for (const node of nodes) if (node.kind === "lookaround") this.scan(node.body, []);
    } catch (err) {
      if (err === ADJACENT) return ADJACENT;
      throw err;
    }
    if (this.ways > MAX_WAYS) {
      return {
        reason: `its parts can match the same text in too many ways (over ${MAX_WAYS}; catastrophic backtracking)`,
        fix: "use fewer optional parts and alternatives that start alike",
      };
    }
    return undefined;
  }

  /** A quantifier of variable count over something that consumes characters. */
  private isVariable(node: RegexNode): boolean {
    return node.kind === "repeat" && node.min !== node.max && this.of(node.body).maxLength > 0;
  }

  /** An alternation whose options can start alike, or of which one can match nothing. */
  private isAmbiguous(node: RegexNode): boolean {
    if (node.kind !== "alternation") return false;
    const options = node.options.map((option) => this.of(option));
    if (options.some((o) => o.minLength === 0) && options.some((o) => o.maxLength > 0)) return true;
    return options.some((a, i) => options.some((b, j) => j > i && (a.first & b.first) !== 0n));
  }

  /**
   * Walks the pattern in matching order, carrying the repetitions that may still take the text
   * at this point; throws ADJACENT when a later repetition can take the same run of text. The
   * nesting rules above already ran, so repeated parts contain no variable count.
   */
  private scan(node: RegexNode, incoming: readonly Pending[]): Pending[] {
    switch (node.kind) {
      case "char":
        return this.advance(incoming, [this.alphabet.maskOf(node.source)]);
      case "assertion":
      case "backreference":
        return [...incoming];
      case "lookaround":
        // Zero-width, but a lookahead's body runs where the repetitions before it are still
        // pending: `.*(?=.*!)` backtracks like `.*.*!`. Its own pending parts end with it.
        if (!node.behind) this.scan(node.body, incoming);
        return [...incoming];
      case "sequence":
        return node.items.reduce<Pending[]>((pending, item) => this.scan(item, pending), [...incoming]);
      case "alternation":
        return merge(node.options.flatMap((option) => this.scan(option, incoming)));
      case "repeat":
        return this.scanRepeat(node, incoming);
    }
  }

  private scanRepeat(node: RegexNode & { kind: "repeat" }, incoming: readonly Pending[]): Pending[] {
    const body = this.of(node.body);
    if (node.max === 0 || body.maxLength === 0) return [...incoming];
    if (node.max > 1 || node.min !== node.max) {
      for (const earlier of incoming) {
        const shared = earlier.chars & body.chars;
        if (shared === 0n || ![...earlier.needs, ...body.needs].every((need) => (need & shared) !== 0n)) continue;
        // Both can run long over the same text: every split is tried. Otherwise it is one more
        // choice of two (`a?a?`), which only adds up when there are many.
        if (earlier.long && node.max > 1) throw ADJACENT;
        this.ways *= 2;
      }
    }
    let out: Pending[];
    if (node.max > 1) out = node.min === 0 ? [...incoming] : this.advance(incoming, body.needs);
    else out = node.min === 0 ? merge([...this.scan(node.body, incoming), ...incoming]) : this.scan(node.body, incoming);
    if (node.min !== node.max) out = merge([...out, { chars: body.chars, needs: body.needs, long: node.max > 1 }]);
    return out;
  }

  /** Carries the pending repetitions past characters that must be consumed (masks). */
  private advance(incoming: readonly Pending[], masks: readonly bigint[]): Pending[] {
    const out: Pending[] = [];
    for (const pending of incoming) {
      // A character the repetition cannot take separates it from whatever follows.
      const within = masks.map((mask) => mask & pending.chars);
      if (within.some((mask) => mask === 0n)) continue;
      out.push({ ...pending, needs: [...new Set([...pending.needs, ...within])] });
    }
    return merge(out);
  }

  private of(node: RegexNode): Facts {
    let facts = this.facts.get(node);
    if (facts === undefined) {
      facts = this.compute(node);
      this.facts.set(node, facts);
    }
    return facts;
  }

  private compute(node: RegexNode): Facts {
    switch (node.kind) {
      case "char": {
        const mask = this.alphabet.maskOf(node.source);
        return { minLength: 1, maxLength: 1, first: mask, chars: mask, needs: [mask] };
      }
      case "assertion":
      case "lookaround":
        return { minLength: 0, maxLength: 0, first: 0n, chars: 0n, needs: [] };
      case "backreference":
        return { minLength: 0, maxLength: Infinity, first: ~0n, chars: ~0n, needs: [] };
      case "sequence": {
        const items = node.items.map((item) => this.of(item));
        let first = 0n;
        for (const item of items) {
          first |= item.first;
          if (item.minLength > 0) break;
        }
        return {
          minLength: items.reduce((sum, item) => sum + item.minLength, 0),
          maxLength: items.reduce((sum, item) => sum + item.maxLength, 0),
          first,
          chars: items.reduce((all, item) => all | item.chars, 0n),
          needs: items.flatMap((item) => item.needs),
        };
      }
      case "alternation": {
        const options = node.options.map((option) => this.of(option));
        const chars = options.reduce((all, option) => all | option.chars, 0n);
        const nullable = options.some((option) => option.minLength === 0);
        return {
          minLength: Math.min(...options.map((option) => option.minLength)),
          maxLength: Math.max(...options.map((option) => option.maxLength)),
          first: options.reduce((all, option) => all | option.first, 0n),
          chars,
          // Some option is taken, so at least one of its characters: any option's first one.
          needs: nullable ? [] : [options.reduce((all, option) => all | option.first, 0n)],
        };
      }
      case "repeat": {
        const body = this.of(node.body);
        const none = node.max === 0 || body.maxLength === 0;
        return {
          minLength: node.min * body.minLength,
          maxLength: none ? 0 : node.max * body.maxLength,
          first: none ? 0n : body.first,
          chars: none ? 0n : body.chars,
          needs: node.min === 0 ? [] : body.needs,
        };
      }
    }
  }
}

/** Every node of the tree, lookaround bodies included, parents before children. */
function allNodes(node: RegexNode): RegexNode[] {
  switch (node.kind) {
    case "lookaround":
    case "repeat":
      return [node, ...allNodes(node.body)];
    case "sequence":
      return [node, ...node.items.flatMap(allNodes)];
    case "alternation":
      return [node, ...node.options.flatMap(allNodes)];
    default:
      return [node];
  }
}

/** Drops duplicates; past MAX_PENDING keeps one per character set with no requirement, which refuses more, never less. */
function merge(pending: readonly Pending[]): Pending[] {
  const unique = new Map<string, Pending>();
  for (const p of pending) unique.set(`${p.chars}|${p.long}|${p.needs.join(",")}`, p);
  if (unique.size <= MAX_PENDING) return [...unique.values()];
  const loose = new Map<string, Pending>();
  for (const p of unique.values()) loose.set(`${p.chars}|${p.long}`, { chars: p.chars, needs: [], long: p.long });
  return [...loose.values()];
}

/**
 * A small parser of JavaScript regular expression syntax (ECMAScript 2024 §22.2.1, with the
 * Annex B extensions that apply without the u flag), as far as regex-safety.ts needs it: what
 * consumes one character, what repeats, what alternates, what looks around or refers back.
 *
 * It expects a pattern the engine has already accepted (`new RegExp(source, flags)` did not
 * throw); it does not report every syntax error itself, but throws RegexSyntaxError on anything it
 * does not understand, so nothing unexamined slips through.
 */

export type RegexNode =
  /**
   * Consumes exactly one character: a literal, an escape, a class or ".". `source` is its text in
   * the pattern, ready to be tested on its own; `codePoints` are the characters it names (literals
   * and class range ends), so tests of overlap can look at them.
   */
  | { readonly kind: "char"; readonly source: string; readonly codePoints: readonly number[] }
  /** ^, $, \b or \B: matches no character. */
  | { readonly kind: "assertion" }
  | { readonly kind: "lookaround"; readonly behind: boolean; readonly body: RegexNode }
  /** \1 or \k<name>. */
  | { readonly kind: "backreference"; readonly source: string }
  | { readonly kind: "sequence"; readonly items: readonly RegexNode[] }
  | { readonly kind: "alternation"; readonly options: readonly RegexNode[] }
  /** A quantifier: *, +, ?, {n}, {n,} or {n,m} (lazy or not); `max` may be Infinity. */
  | { readonly kind: "repeat"; readonly body: RegexNode; readonly min: number; readonly max: number };

export class RegexSyntaxError extends Error {
  override readonly name = "RegexSyntaxError";
}

const ASSERTION: RegexNode = { kind: "assertion" };
const CONTROL_ESCAPES: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13 };
const CLASS_ESCAPES = new Set(["d", "D", "w", "W", "s", "S"]);

/** The syntax tree of `source` under `flags` (only "u" changes the syntax here). */
export function parseRegex(source: string, flags: string): RegexNode {
  return new Parser(source, flags.includes("u")).parse();
}

class Parser {
  private pos = 0;

  constructor(
    private readonly src: string,
    private readonly unicode: boolean,
  ) {}

  parse(): RegexNode {
    const node = this.alternation();
    if (this.pos < this.src.length) throw this.error(`unexpected “${this.src[this.pos]}”`);
    return node;
  }

  private alternation(): RegexNode {
    const options = [this.sequence()];
    while (this.eat("|")) options.push(this.sequence());
    return options.length === 1 ? options[0]! : { kind: "alternation", options };
  }

  private sequence(): RegexNode {
    const items: RegexNode[] = [];
    while (this.pos < this.src.length && this.peek() !== "|" && this.peek() !== ")") {
      const atom = this.atom();
      const bounds = this.quantifier();
      items.push(bounds === undefined ? atom : { kind: "repeat", body: atom, ...bounds });
    }
    return items.length === 1 ? items[0]! : { kind: "sequence", items };
  }

  private atom(): RegexNode {
    const c = this.peek();
    switch (c) {
      case "^":
      case "$":
        this.pos++;
        return ASSERTION;
      case "(":
        return this.group();
      case "[":
        return this.characterClass();
      case "\\":
        return this.escape();
      case ".":
        this.pos++;
        return { kind: "char", source: ".", codePoints: [] };
      case "*":
      case "+":
      case "?":
        throw this.error("nothing to repeat");
      default: {
        // Without u, "{", "}" and "]" that start no quantifier or class are literal (Annex B).
        const cp = this.codePointAt(this.pos);
        const text = String.fromCodePoint(cp);
        this.pos += text.length;
        return { kind: "char", source: text, codePoints: [cp] };
      }
    }
  }

  /** `*`, `+`, `?`, `{n}`, `{n,}` or `{n,m}`, then an optional lazy `?`; undefined when none follows. */
  private quantifier(): { min: number; max: number } | undefined {
    let bounds: { min: number; max: number } | undefined;
    const c = this.peek();
    if (c === "*") bounds = { min: 0, max: Infinity };
    else if (c === "+") bounds = { min: 1, max: Infinity };
    else if (c === "?") bounds = { min: 0, max: 1 };
    if (bounds !== undefined) {
      this.pos++;
    } else if (c === "{") {
      bounds = this.braces();
      if (bounds === undefined) return undefined; // a literal "{" (Annex B), parsed as the next atom
    } else {
      return undefined;
    }
    this.eat("?");
    return bounds;
  }

  private braces(): { min: number; max: number } | undefined {
    const start = this.pos;
    this.pos++;
    const min = this.digits();
    if (min !== undefined) {
      let max: number | undefined = min;
      if (this.eat(",")) max = this.digits() ?? Infinity;
      if (max !== undefined && this.eat("}")) return { min, max };
    }
    this.pos = start;
    if (this.unicode) throw this.error("incomplete quantifier");
    return undefined;
  }

  private digits(): number | undefined {
    const start = this.pos;
    while (this.pos < this.src.length && this.peek() >= "0" && this.peek() <= "9") this.pos++;
    return this.pos === start ? undefined : Number(this.src.slice(start, this.pos));
  }

  private group(): RegexNode {
    this.pos++; // "("
    let look: { behind: boolean } | undefined;
    if (this.eat("?")) {
      if (this.eat("=") || this.eat("!")) look = { behind: false };
      else if (this.eat("<=") || this.eat("<!")) look = { behind: true };
      else if (this.eat("<")) this.groupName();
      else if (!this.eat(":")) throw this.error("a group modifier (?…) this check does not know");
    }
    const body = this.alternation();
    if (!this.eat(")")) throw this.error("unterminated group");
    return look === undefined ? body : { kind: "lookaround", behind: look.behind, body };
  }

  private groupName(): void {
    const end = this.src.indexOf(">", this.pos);
    if (end < 0) throw this.error("unterminated group name");
    this.pos = end + 1;
  }

  private characterClass(): RegexNode {
    const start = this.pos;
    this.pos++; // "["
    this.eat("^");
    const codePoints: number[] = [];
    // Without the v flag classes do not nest: the first unescaped "]" ends it ("[]" is empty).
    while (this.peek() !== "]") {
      if (this.pos >= this.src.length) throw this.error("unterminated character class");
      if (this.peek() === "\\") {
        this.pos++;
        codePoints.push(...this.escapedCodePoints(true));
      } else {
        const cp = this.codePointAt(this.pos);
        codePoints.push(cp);
        this.pos += String.fromCodePoint(cp).length;
      }
    }
    this.pos++; // "]"
    return { kind: "char", source: this.src.slice(start, this.pos), codePoints };
  }

  /** After "\\" outside a class: an assertion, a backreference or one character. */
  private escape(): RegexNode {
    const start = this.pos;
    this.pos++; // "\\"
    const c = this.peek();
    if (c === "b" || c === "B") {
      this.pos++;
      return ASSERTION;
    }
    if (c >= "1" && c <= "9") {
      this.digits();
      return { kind: "backreference", source: this.src.slice(start, this.pos) };
    }
    if (c === "k" && this.src[this.pos + 1] === "<") {
      // Without u and without named groups "\k<x>" would be the text "k<x>"; refusing that too is harmless.
      this.pos++;
      this.groupName();
      return { kind: "backreference", source: this.src.slice(start, this.pos) };
    }
    if (c === "c" && !isAsciiLetter(this.src[this.pos + 1])) {
      // Annex B: a "\" before a "c" that starts no control escape is a literal backslash.
      return { kind: "char", source: "\\\\", codePoints: [0x5c] };
    }
    const codePoints = this.escapedCodePoints(false);
    return { kind: "char", source: this.src.slice(start, this.pos), codePoints };
  }

  /**
   * The characters an escape names (none for \d, \p{…} and the like), reading past it; `pos` is
   * just after the "\\". Decoding need not be exact: the result only picks characters to test.
   */
  private escapedCodePoints(inClass: boolean): number[] {
    const c = this.peek();
    if (c === "") throw this.error("\\ at end of pattern");
    this.pos++;
    if (CLASS_ESCAPES.has(c)) return [];
    if ((c === "p" || c === "P") && this.unicode) {
      const end = this.src.indexOf("}", this.pos);
      if (this.peek() !== "{" || end < 0) throw this.error("incomplete property escape");
      this.pos = end + 1;
      return [];
    }
    if (c in CONTROL_ESCAPES) return [CONTROL_ESCAPES[c]!];
    if (c === "b" && inClass) return [8];
    if (c === "c" && (isAsciiLetter(this.peek()) || (inClass && !this.unicode && /^[\d_]$/.test(this.peek())))) {
      return [this.src.charCodeAt(this.pos++) % 32];
    }
    if (c === "x") return this.hex(2) ?? [c.charCodeAt(0)];
    if (c === "u") return this.unicodeEscape() ?? [c.charCodeAt(0)];
    if (c >= "0" && c <= "7" && !this.unicode) {
      // Annex B legacy octal escape (in a class; outside one \1–\9 were taken as backreferences).
      const start = this.pos - 1;
      while (this.pos < start + 3 && this.peek() >= "0" && this.peek() <= "7") this.pos++;
      return [parseInt(this.src.slice(start, this.pos), 8) & 0xff];
    }
    if (c === "0") return [0];
    // An identity escape: the character itself (u allows only syntax characters and "/").
    this.pos--;
    const cp = this.codePointAt(this.pos);
    this.pos += String.fromCodePoint(cp).length;
    return [cp];
  }

  private hex(length: number): number[] | undefined {
    const text = this.src.slice(this.pos, this.pos + length);
    if (text.length !== length || !/^[0-9a-f]+$/i.test(text)) return undefined;
    this.pos += length;
    return [parseInt(text, 16)];
  }

  private unicodeEscape(): number[] | undefined {
    if (this.unicode && this.peek() === "{") {
      const end = this.src.indexOf("}", this.pos);
      if (end < 0) throw this.error("incomplete \\u{…} escape");
      const cp = parseInt(this.src.slice(this.pos + 1, end), 16);
      this.pos = end + 1;
      return [cp];
    }
    return this.hex(4);
  }

  private codePointAt(index: number): number {
    // With u a pattern is read by code point, without it by UTF-16 code unit.
    return this.unicode ? this.src.codePointAt(index)! : this.src.charCodeAt(index);
  }

  private peek(): string {
    return this.src[this.pos] ?? "";
  }

  private eat(text: string): boolean {
    if (!this.src.startsWith(text, this.pos)) return false;
    this.pos += text.length;
    return true;
  }

  private error(what: string): RegexSyntaxError {
    return new RegexSyntaxError(`${what} at position ${this.pos + 1}`);
  }
}

function isAsciiLetter(c: string | undefined): boolean {
  return c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z"));
}

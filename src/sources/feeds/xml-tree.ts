/**
 * A lenient, namespace-aware XML reader for feeds, on the tokenizer in xml-scan.ts (which
 * replaced htmlparser2's in XML mode, keeping its behaviour, for speed: see there).
 *
 * Why not a conforming XML parser: feeds in the wild are often not well-formed (a bare "&" in a
 * link, an undeclared "&nbsp;", a truncated file, junk before the XML declaration). Python's
 * feedparser, the reference for what readers accept, falls back to a lenient parser in those cases,
 * and so does this one: it never throws on any input, and it reports how the document ended.
 *
 * What it does, and the spec it follows:
 * - Namespaces (Namespaces in XML 1.0 §3–§6): every element gets the URI its prefix is bound to,
 *   so `<a:feed xmlns:a="http://www.w3.org/2005/Atom">` is recognised as Atom.
 * - xml:base (XML Base §4.2): every element carries the base URI in scope, resolved against its
 *   parent's, starting from the document's own URL.
 * - Entities: only XML's five predefined entities and character references are decoded
 *   (XML 1.0 §4.6, §4.1). Entities declared in a DTD are never expanded, so an entity bomb
 *   ("billion laughs") stays a few bytes of literal text; undeclared HTML entities stay literal too
 *   and are decoded later, as HTML, by the plain-text conversion.
 */
import { ampAfter, copyOf, decodeReferences, HAS_XML_BASE, HAS_XMLNS, scanXml, spanEquals } from "./xml-scan.js";

export interface XmlElement {
  /** Namespace URI, or "" for no namespace. */
  readonly ns: string;
  /** Local name, lower-cased: feeds in the wild are not consistent about case. */
  readonly local: string;
  /** The name as written (with prefix), for re-serialising embedded XHTML. */
  readonly qname: string;
  /** Attributes by the name as written (e.g. "xml:base", "rdf:about", "href"). */
  readonly attrs: Readonly<Record<string, string>>;
  /**
   * Child nodes in document order. Not to be changed in place: a childless element shares
   * NO_CHILDREN, and the tree gives an element its own array with its first child.
   */
  children: readonly XmlNode[];
  /** Base URI in scope for this element (XML Base), or undefined when none is known. */
  readonly base: string | undefined;
  /** False when the input ended while this element was still open (a truncated document). */
  closed: boolean;
  /**
   * TEXT_ENCODED when the text children still hold character and entity references to decode
   * (decodeReferences): text is decoded when it is read (textContent, innerXml), not when it is
   * parsed, as much of a feed's text is never read (itunes:summary beside description,
   * content:encoded beside description...). Only text of one piece is kept undecoded: text joined
   * from pieces (around a comment, or CDATA) is decoded piece by piece as it is joined, so a
   * reference is never read across two pieces, and the element's text is all decoded from then on
   * (TEXT_DECODED). NO_TEXT until the element has text.
   */
  text: TextForm;
}

export type XmlNode = XmlElement | string;

/** XmlElement.text: how the element's text children are held. */
export type TextForm = typeof NO_TEXT | typeof TEXT_ENCODED | typeof TEXT_DECODED;
export const NO_TEXT = 0;
export const TEXT_ENCODED = 1;
export const TEXT_DECODED = 2;

export interface XmlDocument {
  /** Top-level elements in document order (a well-formed document has exactly one). */
  readonly roots: readonly XmlElement[];
}

export const XML_NS = "http://www.w3.org/XML/1998/namespace";

/**
 * The children of every element without any (empty and self-closing elements, and a reader may
 * drop a subtree it has read by setting it). An element's own array is made with its first child,
 * at its size: `[]` then push would give each one-text leaf, most of a feed's elements, room for 16.
 */
export const NO_CHILDREN: readonly XmlNode[] = Object.freeze([]);

function addChild(parent: XmlElement, node: XmlNode): void {
  if (parent.children === NO_CHILDREN) parent.children = [node];
  else (parent.children as XmlNode[]).push(node);
}

/**
 * Elements nested deeper than this are flattened into their parent's text. No feed needs more;
 * the cap keeps recursive walks over hostile input (100 000 nested tags) off the stack limit.
 */
export const MAX_DEPTH = 64;

/**
 * Called as each element is complete (its end tag read, or `<name/>`), innermost first, with its
 * parent (undefined for a top-level element) and the top-level elements so far: a reader may take
 * what it needs from a finished subtree right away, so that it need not stay live to the end.
 */
export type OnElementClosed = (element: XmlElement, parent: XmlElement | undefined, roots: readonly XmlElement[]) => void;

/** Parses `text` leniently. `documentUrl` is the base URI of the document (RFC 3986 §5.1.3). */
export function parseXml(text: string, documentUrl: string | undefined, onClosed?: OnElementClosed): XmlDocument {
  const roots: XmlElement[] = [];
  // The open elements, as parallel stacks rather than an object per element: a big feed has tens
  // of thousands of elements, and every object made while the tree is live is garbage the young
  // generation copies (the bot runs with a 2 MB semi-space). Index 0 is the document itself.
  // elements[i] is undefined for a tag beyond MAX_DEPTH, kept only to balance its end tag.
  const elements: (XmlElement | undefined)[] = [undefined];
  const qnames: string[] = [""];
  const scopes: Map<string, string>[] = [new Map([["xml", XML_NS]])];
  const bases: (string | undefined)[] = [documentUrl];
  // Whether each open element drops whitespace text (see text below); false for the document.
  const drops: boolean[] = [false];
  // The innermost real element (text goes there; text outside the root element is ignored).
  let open: XmlElement | undefined;
  // Whether `open` is a structural element, whose whitespace text is dropped (see text below).
  let openDropsSpace = false;

  scanXml(text, {
    open(qname, attrs, selfClosing, xmlAttributes) {
      const depth = elements.length;
      const parentScope = scopes[depth - 1]!;
      const parentBase = bases[depth - 1];
      if (depth > MAX_DEPTH) {
        if (selfClosing) return;
        elements.push(undefined);
        qnames.push(qname);
        scopes.push(parentScope);
        bases.push(parentBase);
        drops.push(openDropsSpace);
        return;
      }
      const namespaces = (xmlAttributes & HAS_XMLNS) === 0 ? parentScope : declaredNamespaces(attrs, parentScope);
      const xmlBase = (xmlAttributes & HAS_XML_BASE) === 0 ? undefined : attrs["xml:base"];
      const base = xmlBase === undefined ? parentBase : resolveBase(xmlBase, parentBase);
      const name = nameOf(qname);
      const ns = namespaces.get(name.prefix) ?? "";
      const element: XmlElement = {
        ns,
        local: name.local,
        qname,
        attrs,
        children: NO_CHILDREN,
        base,
        // <name/> is complete; anything else is until its end tag is read.
        closed: selfClosing,
        text: NO_TEXT,
      };
      if (open === undefined) roots.push(element);
      else addChild(open, element);
      if (selfClosing) {
        onClosed?.(element, open, roots);
        return;
      }
      elements.push(element);
      qnames.push(qname);
      scopes.push(namespaces);
      bases.push(base);
      open = element;
      openDropsSpace = name.structural && ns !== XHTML_NS;
      drops.push(openDropsSpace);
    },
    close(source, start, end) {
      // An end tag closes the innermost open element of that name and every element opened
      // after it (mis-nesting is not truncation); an end tag nothing matches is ignored.
      const length = end - start;
      let at = qnames.length - 1;
      while (at > 0 && !(qnames[at]!.length === length && spanEquals(source, start, qnames[at]!))) at--;
      if (at === 0) return;
      for (let i = elements.length - 1; i >= at; i--) {
        const element = elements[i];
        if (element === undefined) continue;
        element.closed = true;
        // Slots 1..MAX_DEPTH hold real elements, so a real element's parent is the slot below.
        onClosed?.(element, elements[i - 1], roots);
      }
      while (elements.length > at) {
        elements.pop();
        qnames.pop();
        scopes.pop();
        bases.pop();
        drops.pop();
      }
      // Stack slots 1..MAX_DEPTH hold real elements; only those above are placeholders.
      open = elements[Math.min(at - 1, MAX_DEPTH)];
      openDropsSpace = drops[Math.min(at - 1, MAX_DEPTH)]!;
    },
    text(source, start, end, cdata) {
      if (open === undefined) return;
      // Indentation between a feed's structural elements is no content of any field, and it is
      // most of a feed's text nodes: not keeping it spares a string and an array slot each. The
      // span is looked at before any string is made of it.
      const dropsSpace = openDropsSpace;
      if (dropsSpace && isWhitespaceSpan(source, start, end)) return;
      const children = open.children;
      const last = children.length - 1;
      const joins = last >= 0 && typeof children[last] === "string";
      // Kept as written, to decode when read (see XmlElement.text), when it is a piece of its
      // own and the element's other text (if any) is undecoded too.
      if (!cdata && !joins && !dropsSpace && open.text !== TEXT_DECODED) {
        open.text = TEXT_ENCODED;
        addChild(open, source.slice(start, end));
        return;
      }
      if (open.text === TEXT_ENCODED) decodeTextChildren(open);
      open.text = TEXT_DECODED;
      const t = cdata ? source.slice(start, end) : decodeReferences(source, start, end, ampAfter(source, start));
      // A reference may decode to whitespace ("&#32;"): dropped as before.
      if (dropsSpace && !cdata && isWhitespaceSpan(t, 0, t.length)) return;
      if (joins) (open.children as XmlNode[])[last] += t;
      else addChild(open, t);
    },
  });
  // Elements still open at the end of the input stay `closed: false`: the document was cut off.
  return { roots };
}

/**
 * Elements of RSS (2.0 §"Elements of <channel>", 1.0 §5) and Atom (RFC 4287 §4.1) that hold only
 * other elements, never text of their own, in whatever namespace the document put them.
 */
const STRUCTURAL: ReadonlySet<string> = new Set(["rss", "rdf", "channel", "item", "feed", "entry"]);
const XHTML_NS = "http://www.w3.org/1999/xhtml";

/** Decodes the element's undecoded text children in place: from now on its text is decoded as it comes. */
function decodeTextChildren(element: XmlElement): void {
  const children = element.children as XmlNode[];
  for (let i = 0; i < children.length; i++) {
    const child = children[i]!;
    if (typeof child === "string") children[i] = decodeReferences(child, 0, child.length);
  }
  element.text = TEXT_DECODED;
}

/** The element's text child `child`, decoded. */
function decodedText(element: XmlElement, child: string): string {
  return element.text === TEXT_ENCODED ? decodeReferences(child, 0, child.length) : child;
}

/** XML 1.0 §2.3 S: space, tab, CR, LF; t[start, end) holds nothing else. */
function isWhitespaceSpan(t: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = t.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/** What the tree needs of a qualified name: its prefix, its lower-cased local name, whether it is STRUCTURAL. */
interface NameParts {
  readonly prefix: string;
  readonly local: string;
  readonly structural: boolean;
}

/**
 * NameParts by qualified name. Qualified names are interned by the scanner, so this is a small
 * map, and one lookup per tag replaces a slice, a case check and a set lookup per tag.
 */
const NAMES = new Map<string, NameParts>();

function nameOf(qname: string): NameParts {
  let name = NAMES.get(qname);
  if (name === undefined) {
    // Bounded: a hostile document's thousands of distinct or long names are not remembered. What is
    // remembered is made of a copy of the name: a long qname may be a slice of the document,
    // which the table would keep alive (see copyOf).
    const remembered = NAMES.size < 1024 && qname.length <= 256;
    const key = remembered ? copyOf(qname, 0, qname.length) : qname;
    const colon = key.indexOf(":");
    const local = lowerCase(colon < 0 ? key : key.slice(colon + 1));
    name = { prefix: colon > 0 ? key.slice(0, colon) : "", local, structural: STRUCTURAL.has(local) };
    if (remembered) NAMES.set(key, name);
  }
  return name;
}

/** Tag names are mostly lower-case already: skip the copy toLowerCase would make. */
function lowerCase(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || c > 0x7f) return name.toLowerCase();
  }
  return name;
}

/** The prefix → URI map in scope after `attrs` (Namespaces in XML 1.0 §3: xmlns and xmlns:p). */
function declaredNamespaces(attrs: Readonly<Record<string, string>>, inherited: Map<string, string>): Map<string, string> {
  let scope = inherited;
  for (const name in attrs) {
    if (!name.startsWith("xmlns") || (name.length > 5 && name.charCodeAt(5) !== 0x3a)) continue;
    const prefix = name === "xmlns" ? "" : name.slice(6);
    const uri = attrs[name]!.trim();
    // Feeds repeat their declarations on element after element (a podcast feed's every
    // <itunes:*> says xmlns:itunes again): one that changes nothing needs no copy of the scope.
    if (scope.get(prefix) === uri) continue;
    if (scope === inherited) {
      // Copied with forEach: new Map(map) goes through the iterator protocol, an array per entry.
      scope = new Map();
      inherited.forEach((u, p) => scope.set(p, u));
    }
    scope.set(prefix, uri);
  }
  return scope;
}

/** XML Base §4.2: a relative xml:base is resolved against the base of the parent element. */
function resolveBase(value: string | undefined, parent: string | undefined): string | undefined {
  if (value === undefined) return parent;
  try {
    return new URL(value.trim(), parent).href;
  } catch {
    return parent; // not a usable URI reference: keep the parent's base
  }
}

/** Child elements of `element`, optionally only those with `local` name in one of `namespaces`. */
export function childElements(element: XmlElement, local?: string, namespaces?: readonly string[]): XmlElement[] {
  // Indexed loops, no callbacks: the readers make a dozen lookups per item, and a closure for each.
  const out: XmlElement[] = [];
  const children = element.children;
  for (let i = 0; i < children.length; i++) {
    const child = children[i]!;
    if (typeof child !== "string" && (local === undefined || child.local === local) && (namespaces === undefined || namespaces.includes(child.ns))) out.push(child);
  }
  return out;
}

/** The first child element with that local name and one of those namespaces. */
export function childElement(element: XmlElement, local: string, namespaces: readonly string[]): XmlElement | undefined {
  const children = element.children;
  for (let i = 0; i < children.length; i++) {
    const child = children[i]!;
    if (typeof child !== "string" && child.local === local && namespaces.includes(child.ns)) return child;
  }
  return undefined;
}

/** All text inside `element`, markup removed (nested elements contribute their text). */
export function textContent(element: XmlElement): string {
  let out = "";
  // Indexed loops here and below: a parse runs once in a while, often before the JIT has
  // optimised it, and an unoptimised for-of makes an iterator result for every child.
  const children = element.children;
  for (let i = 0; i < children.length; i++) {
    const child = children[i]!;
    out += typeof child === "string" ? decodedText(element, child) : textContent(child);
  }
  return out;
}

/** The element's children written back as (X)HTML markup, for Atom `type="xhtml"` content. */
export function innerXml(element: XmlElement): string {
  let out = "";
  const children = element.children;
  for (let i = 0; i < children.length; i++) {
    const child = children[i]!;
    if (typeof child === "string") {
      out += escapeText(decodedText(element, child));
      continue;
    }
    // XHTML elements are written by local name: a prefix means nothing to an HTML reader.
    const name = child.ns === "" ? child.qname : child.qname.slice(child.qname.indexOf(":") + 1);
    const attrs = Object.entries(child.attrs)
      .filter(([key]) => key !== "xmlns" && !key.startsWith("xmlns:"))
      .map(([key, value]) => ` ${key}="${escapeText(value).replace(/"/g, "&quot;")}"`)
      .join("");
    out += `<${name}${attrs}>${innerXml(child)}</${name}>`;
  }
  return out;
}

/** Text made safe to embed in markup again (XML 1.0 §2.4: "&" and "<" must be escaped). */
export function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

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
import { scanXml } from "./xml-scan.js";

export interface XmlElement {
  /** Namespace URI, or "" for no namespace. */
  readonly ns: string;
  /** Local name, lower-cased: feeds in the wild are not consistent about case. */
  readonly local: string;
  /** The name as written (with prefix), for re-serialising embedded XHTML. */
  readonly qname: string;
  /** Attributes by the name as written (e.g. "xml:base", "rdf:about", "href"). */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlNode[];
  /** Base URI in scope for this element (XML Base), or undefined when none is known. */
  readonly base: string | undefined;
  /** False when the input ended while this element was still open (a truncated document). */
  closed: boolean;
}

export type XmlNode = XmlElement | string;

export interface XmlDocument {
  /** Top-level elements in document order (a well-formed document has exactly one). */
  readonly roots: readonly XmlElement[];
}

export const XML_NS = "http://www.w3.org/XML/1998/namespace";

/**
 * Elements nested deeper than this are flattened into their parent's text. No feed needs more;
 * the cap keeps recursive walks over hostile input (100 000 nested tags) off the stack limit.
 */
export const MAX_DEPTH = 64;

interface Frame {
  element: XmlElement | undefined; // undefined: a tag beyond MAX_DEPTH, kept only for balance
  namespaces: Map<string, string>;
  base: string | undefined;
  /** The name as written, which its end tag must match. */
  qname: string;
}

/** Parses `text` leniently. `documentUrl` is the base URI of the document (RFC 3986 §5.1.3). */
export function parseXml(text: string, documentUrl: string | undefined): XmlDocument {
  const roots: XmlElement[] = [];
  const top: Frame = { element: undefined, namespaces: new Map([["xml", XML_NS]]), base: documentUrl, qname: "" };
  const stack: Frame[] = [top];
  // The innermost real element (text goes there; text outside the root element is ignored).
  let open: XmlElement | undefined;

  scanXml(text, {
    open(qname, attrs, selfClosing) {
      const parent = stack[stack.length - 1]!;
      if (stack.length > MAX_DEPTH) {
        if (!selfClosing) stack.push({ element: undefined, namespaces: parent.namespaces, base: parent.base, qname });
        return;
      }
      const namespaces = declaredNamespaces(attrs, parent.namespaces);
      const xmlBase = attrs["xml:base"];
      const base = xmlBase === undefined ? parent.base : resolveBase(xmlBase, parent.base);
      const colon = qname.indexOf(":");
      const element: XmlElement = {
        ns: namespaces.get(colon > 0 ? qname.slice(0, colon) : "") ?? "",
        local: lowerCase(colon < 0 ? qname : qname.slice(colon + 1)),
        qname,
        attrs,
        children: [],
        base,
        // <name/> is complete; anything else is until its end tag is read.
        closed: selfClosing,
      };
      if (open === undefined) roots.push(element);
      else open.children.push(element);
      if (selfClosing) return;
      stack.push({ element, namespaces, base, qname });
      open = element;
    },
    close(qname) {
      // An end tag closes the innermost open element of that name and every element opened
      // after it (mis-nesting is not truncation); an end tag nothing matches is ignored.
      let at = stack.length - 1;
      while (at > 0 && stack[at]!.qname !== qname) at--;
      if (at === 0) return;
      while (stack.length > at) {
        const frame = stack.pop()!;
        if (frame.element !== undefined) frame.element.closed = true;
      }
      open = innermostElement(stack);
    },
    text(t) {
      if (open === undefined || t === "") return;
      const children = open.children;
      const last = children.length - 1;
      if (last >= 0 && typeof children[last] === "string") children[last] += t;
      else children.push(t);
    },
  });
  // Elements still open at the end of the input stay `closed: false`: the document was cut off.
  return { roots };
}

/** Tag names are mostly lower-case already: skip the copy toLowerCase would make. */
function lowerCase(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || c > 0x7f) return name.toLowerCase();
  }
  return name;
}

function innermostElement(stack: Frame[]): XmlElement | undefined {
  for (let i = stack.length - 1; i > 0; i--) {
    const element = stack[i]!.element;
    if (element !== undefined) return element;
  }
  return undefined;
}

/** The prefix → URI map in scope after `attrs` (Namespaces in XML 1.0 §3: xmlns and xmlns:p). */
function declaredNamespaces(attrs: Record<string, string>, inherited: Map<string, string>): Map<string, string> {
  let scope = inherited;
  for (const name in attrs) {
    if (!name.startsWith("xmlns") || (name.length > 5 && name.charCodeAt(5) !== 0x3a)) continue;
    if (scope === inherited) scope = new Map(inherited);
    scope.set(name === "xmlns" ? "" : name.slice(6), attrs[name]!.trim());
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
  return element.children.filter(
    (child): child is XmlElement =>
      typeof child !== "string" && (local === undefined || child.local === local) && (namespaces === undefined || namespaces.includes(child.ns)),
  );
}

/** The first child element with that local name and one of those namespaces. */
export function childElement(element: XmlElement, local: string, namespaces: readonly string[]): XmlElement | undefined {
  return element.children.find((child): child is XmlElement => typeof child !== "string" && child.local === local && namespaces.includes(child.ns));
}

/** All text inside `element`, markup removed (nested elements contribute their text). */
export function textContent(element: XmlElement): string {
  let out = "";
  for (const child of element.children) out += typeof child === "string" ? child : textContent(child);
  return out;
}

/** The element's children written back as (X)HTML markup, for Atom `type="xhtml"` content. */
export function innerXml(element: XmlElement): string {
  let out = "";
  for (const child of element.children) {
    if (typeof child === "string") {
      out += escapeText(child);
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

// The tokenizer under xml-tree.ts: what it reads and what it leaves literal (see xml-scan.ts).
import { decodeReferences, HAS_XML_BASE, HAS_XMLNS, scanXml } from "../../../src/sources/feeds/xml-scan.js";

function tokens(xml: string): string[] {
  const out: string[] = [];
  scanXml(xml, {
    open: (qname, attrs, selfClosing) => void out.push(`<${qname}${Object.entries(attrs).map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join("")}${selfClosing ? "/" : ""}>`),
    close: (text, start, end) => void out.push(`</${text.slice(start, end)}>`),
    text: (text, start, end, cdata) => void out.push(JSON.stringify(cdata ? text.slice(start, end) : decodeReferences(text, start, end))),
  });
  return out;
}

const decode = (text: string): string => decodeReferences(text, 0, text.length);

test("XML's five entities and character references are decoded, anything else stays literal (XML 1.0 §4.1, §4.6)", () => {
  expect(decode("&lt;&gt;&amp;&quot;&apos; &#65;&#x42;&#X43;")).toBe(`<>&"' ABC`);
  expect(decode("&nbsp; &undeclared; a&b &amp &#65 &#; &#xZZ; &#12345678901234;")).toBe("&nbsp; &undeclared; a&b &amp &#65 &#; &#xZZ; &#12345678901234;");
});

test("character references to 0x80-0x9F are windows-1252's, to nothing usable U+FFFD (HTML §13.2.5.80)", () => {
  expect(decode("&#128;&#x85;&#x81;")).toBe("€…\u0081");
  expect(decode("&#0;&#xD800;&#x110000;")).toBe("\uFFFD\uFFFD\uFFFD");
});

test("attributes: quoted, unquoted, bare; the first of a repeated one wins", () => {
  expect(tokens(`<a x="1 &amp; 2" y='3' z=4 flag x="again"/>`)).toEqual([`<a x="1 & 2" y="3" z="4" flag=""/>`]);
  expect(tokens(`<a / b="1" >t</a >`)).toEqual([`<a b="1">`, `"t"`, "</a>"]);
});

test("CDATA is text, undecoded; comments, PIs and declarations are skipped", () => {
  expect(tokens(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]><r><!-- c -->a<![CDATA[<b>&amp;</b>]]>b</r>`)).toEqual([
    `"]>"`,
    "<r>",
    `"a"`,
    `"<b>&amp;</b>"`,
    `"b"`,
    "</r>",
  ]);
});

test("a '<' that starts no tag is text; input cut inside a tag drops the tag, inside CDATA keeps the text", () => {
  expect(tokens("<r>1 < 2 <> 3</r>")).toEqual(["<r>", `"1 "`, `"<"`, `" 2 "`, `"<"`, `"> 3"`, "</r>"]);
  expect(tokens(`<r><a href="x`)).toEqual(["<r>"]);
  expect(tokens("<r><![CDATA[Half a ti")).toEqual(["<r>", `"Half a ti"`]);
  expect(tokens("<r><![CD")).toEqual(["<r>"]);
});

test("open reports whether a tag has xmlns or xml:base attributes, for the tree to look at only then", () => {
  const flags: number[] = [];
  scanXml(`<a xmlns="u"><b xmlns:p="v" xml:base="/x/"><c xmlnsx="1" xml:lang="en" q="xmlns"/></b></a>`, {
    open: (_qname, _attrs, _selfClosing, xml) => void flags.push(xml),
    close: () => undefined,
    text: () => undefined,
  });
  expect(flags).toEqual([HAS_XMLNS, HAS_XMLNS | HAS_XML_BASE, HAS_XMLNS]);
});

test("attribute values are decoded alone, whether the document's next '&' is in them, after them or nowhere", () => {
  expect(tokens(`<a x="1" y="&lt;2&gt;" z="3"/>t &amp; u<b v="&#65;" w="4"/>`)).toEqual([
    `<a x="1" y="<2>" z="3"/>`,
    `"t & u"`,
    `<b v="A" w="4"/>`,
  ]);
  expect(tokens(`<a x="1"/><b y="2"/>`)).toEqual([`<a x="1"/>`, `<b y="2"/>`]);
});

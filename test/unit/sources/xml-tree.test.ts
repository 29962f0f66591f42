import { childElement, innerXml, MAX_DEPTH, parseXml, textContent, type XmlElement } from "../../../src/sources/feeds/xml-tree.js";

const root = (xml: string, base?: string): XmlElement => {
  const [first] = parseXml(xml, base).roots;
  if (first === undefined) throw new Error("no root");
  return first;
};

test("prefixes resolve to namespace URIs, scoped to the element that declares them", () => {
  const feed = root('<a:feed xmlns:a="urn:atom" xmlns="urn:default"><a:title>T</a:title><p xmlns:a="urn:other"><a:x/></p></a:feed>');
  expect([feed.ns, feed.local]).toEqual(["urn:atom", "feed"]);
  const title = childElement(feed, "title", ["urn:atom"])!;
  expect(textContent(title)).toBe("T");
  const p = childElement(feed, "p", ["urn:default"])!;
  expect((p.children[0] as XmlElement).ns).toBe("urn:other");
});

test("xml:base chains resolve from the document URL (XML Base §4.2)", () => {
  const doc = root('<r xml:base="/blog/"><e xml:base="2026/"><l/></e><e xml:base="https://cdn.example.net/x/"/></r>', "https://example.org/feed.xml");
  const [first, second] = doc.children as XmlElement[];
  expect(doc.base).toBe("https://example.org/blog/");
  expect((first!.children[0] as XmlElement).base).toBe("https://example.org/blog/2026/");
  expect(second!.base).toBe("https://cdn.example.net/x/");
});

test("only XML's own entities and character references are decoded", () => {
  const doc = root("<r a='1&amp;2'>&lt;b&gt; &#65;&#x42; &amp;amp; &nbsp; &undeclared; a&b</r>");
  expect(doc.attrs["a"]).toBe("1&2");
  expect(textContent(doc)).toBe("<b> AB &amp; &nbsp; &undeclared; a&b");
});

test("CDATA is text; comments and processing instructions are not", () => {
  expect(textContent(root("<r><!-- c --><?pi x?><![CDATA[<p>x & y</p>]]></r>"))).toBe("<p>x & y</p>");
});

test("an element still open at the end of the input is marked as not closed", () => {
  const doc = root("<rss><item><title>a</title></item><item><title>b");
  const [complete, cut] = doc.children as XmlElement[];
  expect(doc.closed).toBe(false);
  expect(complete!.closed).toBe(true);
  expect(cut!.closed).toBe(false);
  // An end tag that closes an outer element completes the inner ones (mis-nesting is not truncation).
  const misnested = root("<rss><item><title>a</item></rss>");
  expect((misnested.children[0] as XmlElement).closed).toBe(true);
});

test("nesting beyond MAX_DEPTH is flattened into text, so hostile depth cannot exhaust the stack", () => {
  const deep = "<a>".repeat(100_000) + "deep" + "</a>".repeat(100_000);
  const doc = root(`<r>${deep}</r>`);
  let depth = 0;
  for (let node: XmlElement | undefined = doc; node; node = node.children.find((c): c is XmlElement => typeof c !== "string")) depth++;
  expect(depth).toBeLessThanOrEqual(MAX_DEPTH + 1);
  expect(textContent(doc)).toBe("deep");
});

test("innerXml writes XHTML back without prefixes or namespace declarations", () => {
  const doc = root('<c><x:div xmlns:x="http://www.w3.org/1999/xhtml"><x:p class="a&quot;b">1 &lt; 2 &amp; <x:em>3</x:em></x:p></x:div></c>');
  expect(innerXml(doc)).toBe('<div><p class="a&quot;b">1 &lt; 2 &amp; <em>3</em></p></div>');
});

test("never throws, whatever the input", () => {
  for (const input of ["", "<", "</x>", "<<<>>>", "<a b='>", "<![CDATA[", "<!DOCTYPE", "\u0000\uFFFF", "<a:b:c/>", "<x xml:base='http://['/>"]) {
    expect(() => parseXml(input, "https://x/")).not.toThrow();
  }
});

test("indentation between a feed's structural elements is dropped, whitespace in content is kept", () => {
  const doc = root('<rss>\n  <channel>\n    <item>\n      <title> a </title>\n      <d><em>x</em> <em>y</em></d>\n    </item>\n  </channel>\n</rss>');
  const item = (doc.children[0] as XmlElement).children[0] as XmlElement;
  expect(doc.children).toHaveLength(1);
  expect(item.children.map((c) => (typeof c === "string" ? "text" : c.local))).toEqual(["title", "d"]);
  expect(textContent(item.children[0] as XmlElement)).toBe(" a ");
  expect(innerXml(item.children[1] as XmlElement)).toBe("<em>x</em> <em>y</em>");
  // XHTML is content wherever it is, even in an element named like a feed's.
  const xhtml = root('<div xmlns="http://www.w3.org/1999/xhtml"><item><b>1</b> <b>2</b></item></div>');
  expect(innerXml(xhtml)).toBe("<item><b>1</b> <b>2</b></item>");
});

test("text is decoded as read, and pieces of text are decoded each on its own before they are joined", () => {
  // One piece, decoded when read, in text and in markup written back.
  expect(textContent(root("<t>a &amp;lt; &#x41;&lt;b&gt;</t>"))).toBe("a &lt; A<b>");
  expect(innerXml(root('<c xmlns="http://www.w3.org/1999/xhtml">1 &lt; 2 <b>&amp;</b> 3&gt;</c>'))).toBe("1 &lt; 2 <b>&amp;</b> 3&gt;");
  // A reference split by a comment is no reference: "&am" and "p;" are two pieces.
  expect(textContent(root("<t>a &am<!-- x -->p; b</t>"))).toBe("a &amp; b");
  // CDATA is never decoded, before or after text that is.
  expect(textContent(root("<t>&lt;<![CDATA[&lt;]]>&lt;</t>"))).toBe("<&lt;<");
  expect(textContent(root("<t><![CDATA[&amp;]]><b/>&amp;<b/>&amp;</t>"))).toBe("&amp;&&");
  // Mixed content: each text child decoded, around the elements.
  expect(textContent(root("<t>&lt;<b>&gt;</b>&amp;<b/>&quot;</t>"))).toBe(`<>&"`);
});

// Double-encoded UTF-8 ("â€¦" for "…") is repaired only where a field is clearly that; legitimate
// Latin-1 and windows-1252 text is never touched (see src/sources/feeds/mojibake.ts).
import { repairMojibake } from "../../../src/sources/feeds/mojibake.js";

describe("repairMojibake", () => {
  test.each([
    // feedparser's tests/encoding/bozo_double-encoded-html.xml: "…" as HTML references.
    ["&acirc;&#128;&brvbar;", "…"],
    // The same after windows-1252 decoding (&#128; is "€", HTML §13.5), and written literally.
    ["&acirc;€&brvbar;", "…"],
    ["â€¦", "…"],
    ["Itâ€™s here", "It’s here"],
    ["CafÃ©", "Café"],
    ["Ã‰tÃ©", "Été"],
    // Hex references, and other markup kept as written.
    ["<p>caf&#xC3;&#xA9; &amp; more</p>", "<p>café &amp; more</p>"],
    // Cyrillic ("да") and an emoji: two-byte sequences in company, a four-byte one.
    ["Ð´Ð°", "да"],
    ["ðŸ˜€", "😀"],
  ])("%j is repaired to %j", (input, expected) => {
    expect(repairMojibake(input)).toBe(expected);
  });

  test.each([
    // Legitimate Latin-1: "ã" (E3) would need two continuation bytes, and "e" is none.
    "Mãe de utente é a nova presidente da Raríssimas",
    "O caf&eacute; &amp; a m&atilde;e",
    // An upper-case accented letter before a quote or an ellipsis is valid UTF-8 by accident
    // (C9 85), but one such pair alone is no evidence.
    "CAFÉ…",
    "ÉTÉ",
    // All or nothing: one character that is not part of a sequence keeps the field as it is.
    "Mixed: CafÃ© and “quotes”",
    "CafÃ© in Zürich",
    // Real Unicode beyond windows-1252 was never through a Latin-1 decoder.
    "CafÃ© ☕",
    "В Бузулуке",
    // A sequence that decodes to a C1 control character is no repair.
    "Â€",
    // Overlong forms (leads C0, C1) are not UTF-8 (RFC 3629 §3).
    "À¯Á©",
    "plain ASCII & an undeclared &nbsp;",
    "",
  ])("%j is left as it is", (input) => {
    expect(repairMojibake(input)).toBe(input);
  });
});

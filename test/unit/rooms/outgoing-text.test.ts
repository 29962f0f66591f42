import { outgoingText, MAX_BODY_CHARS } from "../../../src/xmpp/outgoing-text.js";
import { chatMessage } from "../../../src/xmpp/chat.js";
import { groupchatMessage } from "../../../src/xmpp/muc-stanzas.js";

test("control characters XML 1.0 forbids never reach a stanza", () => {
  expect(outgoingText("Ti\u0000tle\u0007 with\u001B escapes\uFFFE")).toBe("Title with escapes");
  expect(groupchatMessage("r@muc", "a\u0001b", "id").getChildText("body")).toBe("ab");
  expect(chatMessage("u@x", "c\u0008d").getChildText("body")).toBe("cd");
  // Tabs and line breaks are allowed characters and stay.
  expect(outgoingText("a\tb\nc")).toBe("a\tb\nc");
});

test("bodies are capped, never splitting an emoji", () => {
  const long = "x".repeat(MAX_BODY_CHARS - 2) + "😀😀😀";
  const out = outgoingText(long);
  expect(out.length).toBeLessThanOrEqual(MAX_BODY_CHARS);
  expect(out.endsWith("…")).toBe(true);
  expect(/[\uD800-\uDBFF]…$/.test(out)).toBe(false);
});

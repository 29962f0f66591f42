// Issue 17, point 5: the words for each kind of connection failure (the real-server cases are in
// test/integration/connection-advice.test.ts).
import { connectionAdvice } from "../../../src/xmpp/connection-advice.js";

test("the other failures, each in its own words", () => {
  const target = { service: "xmpp://xmpp.example.org:5222", domain: "example.org" };
  expect(connectionAdvice({ code: "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", message: "sslv3 alert handshake failure" }, target)[0]).toMatch(
    /^the TLS handshake with xmpp\.example\.org:5222 failed: .*no certificate.*remove "tls" from modules_enabled/,
  );
  expect(connectionAdvice({ code: "ENOTFOUND" }, target)[0]).toMatch(/^the host name xmpp\.example\.org does not resolve/);
  expect(connectionAdvice({ code: "ECONNRESET" }, { service: "xmpp://h:5223", domain: "example.org" })[0]).toMatch(/use xmpps:\/\/h:5223$/);
  expect(connectionAdvice({ code: "ECONNREFUSED" }, { service: "xmpp://example.org", domain: "example.org" })[1]).toMatch(/^no xmpp\.service is set, so Herald looked up the DNS SRV records of example\.org/);
});

// Issue 17, point 5: when the connection keeps failing at start-up, Herald says in words what to
// check (host and port tried, STARTTLS versus direct TLS, certificates), against a real server.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type XmppServer } from "./harness/server.js";
import { freePorts } from "./harness/xmpp-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";

const STILL = "still cannot reach the XMPP server; what to check";
const started: BotProcess[] = [];
let server: XmppServer;

beforeAll(async () => {
  server = await startServer({ tls: true, users: { herald: "bot-pw" } });
});

afterAll(async () => {
  await Promise.all(started.map((b) => b.kill()));
  await server?.cleanup();
});

function bot(service: string): BotProcess {
  const dir = mkdtempSync(join(tmpdir(), "herald-advice-"));
  const path = writeConfig({ xmpp: { jid: "herald@localhost", password: "bot-pw", service, resource: `advice-${started.length}` }, store: join(dir, "herald.db") }, dir);
  const b = BotProcess.run(path, { NODE_EXTRA_CA_CERTS: server.caFile });
  started.push(b);
  return b;
}

test("xmpps:// against the STARTTLS port: says it is a STARTTLS port and to use xmpp://", async () => {
  const b = bot(`xmpps://localhost:${server.port}`);
  const first = await b.waitForMsg("cannot reach the XMPP server; retrying");
  // The raw symptom is what Node gives; the advice below is what it means.
  expect(first.err).toMatch(/ERR_SSL_WRONG_VERSION_NUMBER|wrong version number/);
  const advice = await b.waitForMsg(STILL);
  expect(advice.service).toBe(`xmpps://localhost:${server.port}`);
  const check = advice.check as string[];
  expect(check[0]).toBe(
    `xmpps:// means direct TLS, but localhost:${server.port} answered without TLS: it is probably a STARTTLS port; use xmpp://localhost:${server.port}, or the server's direct TLS port (often 5223) with xmpps://`,
  );
  expect(check[1]).toMatch(new RegExp(`^Herald tried localhost port ${server.port} with direct TLS \\(xmpps://\\)`));
  expect(check.join("\n")).toContain("NODE_EXTRA_CA_CERTS");
  // Said once, not at every retry.
  await b.waitForLog((l) => l.msg === "cannot reach the XMPP server; retrying" && b.count("cannot reach the XMPP server; retrying") >= 4);
  expect(b.count(STILL)).toBe(1);
});

test("a port nothing listens on: says nothing accepts connections there", async () => {
  const [port] = await freePorts(1);
  const b = bot(`xmpp://127.0.0.1:${port}`);
  const advice = await b.waitForMsg(STILL);
  expect((advice.check as string[])[0]).toMatch(new RegExp(`^nothing accepts connections on 127\\.0\\.0\\.1:${port}: is the XMPP server running`));
});

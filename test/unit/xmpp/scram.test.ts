// SCRAM-SHA-1 against RFC 5802 §5's example exchange; the real servers' log-ins are the
// integration suite's (every bot there logs in with it, on Prosody and on ejabberd).
import { parseScramMessage, saslName, scramSha1Mechanism, useNativeScram, type ScramCache } from "../../../src/xmpp/scram.js";

const CLIENT_NONCE = "fyko+d2lbbFgONRv9qkxdawL";
const SERVER_FIRST = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
const CLIENT_FINAL = "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
const SERVER_FINAL = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=";
const cred = { username: "user", password: "pencil" };

async function exchange(cache: ScramCache = new Map()) {
  const Mechanism = scramSha1Mechanism(cache, () => CLIENT_NONCE);
  const mech = new Mechanism();
  const first = await mech.response(cred);
  mech.challenge(SERVER_FIRST);
  const final = await mech.response(cred);
  return { mech, first, final };
}

test("RFC 5802 §5: the client's messages are the RFC's, and the server's signature checks", async () => {
  const { mech, first, final } = await exchange();
  expect(first).toBe(`n,,n=user,r=${CLIENT_NONCE}`);
  expect(final).toBe(CLIENT_FINAL);
  expect(() => mech.final(SERVER_FINAL)).not.toThrow();
  // Some servers send the last message as a challenge.
  expect(() => mech.challenge(SERVER_FINAL)).not.toThrow();
});

test("a wrong server signature, a server error, a nonce not extending ours, or absurd iterations are refused", async () => {
  const { mech } = await exchange();
  expect(() => mech.final("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=")).toThrow("the server's signature does not match");
  expect(() => mech.final("e=invalid-proof")).toThrow("the server refused: invalid-proof");
  for (const [serverFirst, message] of [
    ["r=someoneelse,s=QSXCR+Q6sek8bf92,i=4096", "does not extend ours"],
    [`r=${CLIENT_NONCE}x,s=QSXCR+Q6sek8bf92,i=0`, "asked for 0 iterations"],
    [`r=${CLIENT_NONCE}x,s=QSXCR+Q6sek8bf92,i=99999999`, "asked for 99999999 iterations"],
    [`r=${CLIENT_NONCE}x,i=4096`, "sent no salt"],
  ]) {
    const Mechanism = scramSha1Mechanism(new Map(), () => CLIENT_NONCE);
    const m = new Mechanism();
    await m.response(cred);
    m.challenge(serverFirst!);
    await expect(m.response(cred)).rejects.toThrow(message!);
  }
});

test("the salted password is derived once per salt and count, and reused on the next log-in", async () => {
  const cache: ScramCache = new Map();
  await exchange(cache);
  expect([...cache.keys()]).toEqual(["4096:QSXCR+Q6sek8bf92"]);
  const salted = cache.get("4096:QSXCR+Q6sek8bf92");
  const again = await exchange(cache);
  expect(again.final).toBe(CLIENT_FINAL);
  expect(cache.get("4096:QSXCR+Q6sek8bf92")).toBe(salted);
});

test("usernames are escaped, messages parsed, and the mechanism takes xmpp.js's place in order", () => {
  expect(saslName("a=b,c")).toBe("a=3Db=2Cc");
  expect(Object.fromEntries(parseScramMessage("r=abc,s=c2FsdA==,i=10"))).toEqual({ r: "abc", s: "c2FsdA==", i: "10" });
  const factory = { _mechs: [{ name: "SCRAM-SHA-1", mech: "js" as unknown }, { name: "PLAIN", mech: "plain" }] };
  useNativeScram(factory, "native");
  expect(factory._mechs).toEqual([{ name: "SCRAM-SHA-1", mech: "native" }, { name: "PLAIN", mech: "plain" }]);
});

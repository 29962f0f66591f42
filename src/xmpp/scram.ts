/**
 * SCRAM-SHA-1 (RFC 5802) for xmpp.js, with Node's native PBKDF2 instead of the npm package
 * `sasl-scram-sha-1`, whose Hi() runs every iteration as a WebCrypto importKey + sign round trip
 * from JavaScript: about a second of CPU per log-in at Prosody's 10,000 iterations (the bench's
 * `log-in CPU`). Here Hi() is `crypto.pbkdf2` (RFC 5802 §2.2: Hi is PBKDF2 with HMAC-SHA-1), run on
 * libuv's thread pool, and its result, the SaltedPassword, is kept for the salt and iteration
 * count it was made for (RFC 5802 §5.1 allows the client to cache it), so a reconnect does no
 * key derivation at all. Unlike that package, the server's signature (`v=`) is checked whenever
 * the server sends it (RFC 5802 §5.1: the client MUST verify it).
 */
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

const derive = promisify(pbkdf2);

/** Attributes of a SCRAM message: `r=…,s=…,i=…` (RFC 5802 §5.1). */
export function parseScramMessage(message: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of message.split(",")) {
    const eq = part.indexOf("=");
    if (eq === 1) attributes.set(part[0]!, part.slice(2));
  }
  return attributes;
}

/** RFC 5802 §5.1: "=" and "," in a username are written =3D and =2C. */
export function saslName(name: string): string {
  return name.replace(/=/g, "=3D").replace(/,/g, "=2C");
}

/** A server may ask for any count; beyond this it would only burn our CPU (RFC 7677 §4 suggests 4096+). */
const MAX_ITERATIONS = 1_000_000;

interface Credentials {
  readonly username?: string | null;
  readonly password?: string | null;
}

/** The SaltedPassword of one password, per salt and iteration count. */
export type ScramCache = Map<string, Buffer>;

/**
 * A mechanism class in the shape saslmechanisms' factory builds (`new Mechanism()`; `name`,
 * `clientFirst`, `response`, `challenge`, and `final` for SASL2's additional data). One cache
 * per connection: it holds key material of that connection's password only.
 */
export function scramSha1Mechanism(cache: ScramCache = new Map(), nonce: () => string = () => randomBytes(18).toString("base64")) {
  return class ScramSha1 {
    readonly name = "SCRAM-SHA-1";
    readonly clientFirst = true;
    private stage: "initial" | "proof" | "done" = "initial";
    private clientNonce = "";
    private clientFirstBare = "";
    private serverFirst = "";
    private serverSignature: Buffer | undefined;

    async response(cred: Credentials): Promise<string> {
      if (this.stage === "initial") {
        this.clientNonce = nonce();
        this.clientFirstBare = `n=${saslName(cred.username ?? "")},r=${this.clientNonce}`;
        this.stage = "proof";
        // gs2-header "n,,": no channel binding, no authorization identity.
        return `n,,${this.clientFirstBare}`;
      }
      if (this.stage === "proof") {
        this.stage = "done";
        return this.proof(cred.password ?? "");
      }
      return "";
    }

    challenge(text: string): this {
      if (this.stage === "proof") this.serverFirst = text;
      else this.final(text);
      return this;
    }

    /** The server's last message (`v=` or `e=`), when it sends one. */
    final(text: string): void {
      const attributes = parseScramMessage(text);
      const error = attributes.get("e");
      if (error !== undefined) throw new Error(`SCRAM: the server refused: ${error}`);
      const v = attributes.get("v");
      if (v === undefined || this.serverSignature === undefined) return;
      const given = Buffer.from(v, "base64");
      if (given.length !== this.serverSignature.length || !timingSafeEqual(given, this.serverSignature)) {
        throw new Error("SCRAM: the server's signature does not match: this is not the server that holds the password");
      }
    }

    private async proof(password: string): Promise<string> {
      const attributes = parseScramMessage(this.serverFirst);
      const serverNonce = attributes.get("r") ?? "";
      const salt = attributes.get("s");
      const iterations = Number(attributes.get("i"));
      // RFC 5802 §5.1: the server's nonce must start with ours.
      if (!serverNonce.startsWith(this.clientNonce) || serverNonce.length === this.clientNonce.length) throw new Error("SCRAM: the server's nonce does not extend ours");
      if (salt === undefined || salt === "") throw new Error("SCRAM: the server sent no salt");
      if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) throw new Error(`SCRAM: the server asked for ${attributes.get("i")} iterations`);

      const key = `${iterations}:${salt}`;
      let salted = cache.get(key);
      if (salted === undefined) {
        salted = await derive(password, Buffer.from(salt, "base64"), iterations, 20, "sha1");
        cache.clear(); // one entry: the server's current salt and count
        cache.set(key, salted);
      }
      const clientKey = createHmac("sha1", salted).update("Client Key").digest();
      const storedKey = createHash("sha1").update(clientKey).digest();
      const withoutProof = `c=${Buffer.from("n,,").toString("base64")},r=${serverNonce}`;
      const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
      const clientSignature = createHmac("sha1", storedKey).update(authMessage).digest();
      const proof = Buffer.alloc(clientKey.length);
      for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
      const serverKey = createHmac("sha1", salted).update("Server Key").digest();
      this.serverSignature = createHmac("sha1", serverKey).update(authMessage).digest();
      return `${withoutProof},p=${proof.toString("base64")}`;
    }
  };
}

interface SaslFactory {
  _mechs: { name: string; mech: unknown }[];
}

/**
 * Puts this SCRAM-SHA-1 in the place of xmpp.js's own, keeping the factory's order (which is the
 * client's preference). saslmechanisms has no replace: its list is the documented `_mechs`.
 */
export function useNativeScram(factory: SaslFactory, mechanism: unknown = scramSha1Mechanism()): void {
  const index = factory._mechs.findIndex((entry) => entry.name === "SCRAM-SHA-1");
  if (index >= 0) factory._mechs[index] = { name: "SCRAM-SHA-1", mech: mechanism };
  else factory._mechs.unshift({ name: "SCRAM-SHA-1", mech: mechanism });
}

/**
 * W3C WebSub §8 (authenticated content distribution): a hub signs each delivery to a subscriber
 * that gave a secret with `X-Hub-Signature: method=signature`, the HMAC of the exact body bytes.
 * The spec lets the hub pick sha1, sha256, sha384 or sha512; all four are checked here (sha1
 * because the oldest hubs still send it), in constant time.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const METHODS = new Set(["sha1", "sha256", "sha384", "sha512"]);

export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function checkSignature(header: string | undefined, secret: string, body: Uint8Array): SignatureCheck {
  if (header === undefined) return { ok: false, reason: "no X-Hub-Signature header" };
  const match = /^\s*([a-z0-9]+)=([0-9a-f]+)\s*$/i.exec(header);
  if (!match) return { ok: false, reason: "X-Hub-Signature is not method=hex" };
  const method = match[1]!.toLowerCase();
  if (!METHODS.has(method)) return { ok: false, reason: `X-Hub-Signature uses ${method}; expected sha1, sha256, sha384 or sha512` };
  const expected = createHmac(method, secret).update(body).digest();
  const given = Buffer.from(match[2]!.toLowerCase(), "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "X-Hub-Signature does not match the body" };
  return { ok: true };
}

/** The header a hub sends for `body` (used by tests' hub and the benchmark's). */
export function signBody(method: "sha1" | "sha256" | "sha384" | "sha512", secret: string, body: Uint8Array | string): string {
  return `${method}=${createHmac(method, secret).update(body).digest("hex")}`;
}

// W3C WebSub §8: X-Hub-Signature checks.
import { checkSignature, signBody } from "../../../../src/sources/websub/signature.js";

const body = Buffer.from("<feed/>");

test("each method the spec allows checks; a wrong secret, body or form does not", () => {
  for (const method of ["sha1", "sha256", "sha384", "sha512"] as const) expect(checkSignature(signBody(method, "s3cret", body), "s3cret", body)).toEqual({ ok: true });
  expect(checkSignature(signBody("sha256", "other", body), "s3cret", body)).toEqual({ ok: false, reason: "X-Hub-Signature does not match the body" });
  expect(checkSignature(signBody("sha256", "s3cret", "<feed></feed>"), "s3cret", body).ok).toBe(false);
  expect(checkSignature(undefined, "s3cret", body)).toEqual({ ok: false, reason: "no X-Hub-Signature header" });
  expect(checkSignature("sha256", "s3cret", body)).toEqual({ ok: false, reason: "X-Hub-Signature is not method=hex" });
  expect(checkSignature("md5=00ff", "s3cret", body)).toEqual({ ok: false, reason: "X-Hub-Signature uses md5; expected sha1, sha256, sha384 or sha512" });
  expect(checkSignature("sha256=00ff", "s3cret", body).ok).toBe(false);
});

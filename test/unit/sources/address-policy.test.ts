// The SSRF address policy as a pure function: which addresses are public, in every spelling.
import { AddressRefusedError, classifyAddress, publicOnlyExcept, vetHost, type ResolvedAddress } from "../../../src/sources/http/address-policy.js";

test.each([
  // loopback, private, link-local, and the rest of the IPv4 special-purpose registry
  ["127.0.0.1", "loopback"],
  ["127.255.255.254", "loopback"],
  ["10.0.0.5", "private"],
  ["172.16.0.1", "private"],
  ["172.31.255.255", "private"],
  ["192.168.1.1", "private"],
  ["169.254.169.254", "link-local"],
  ["100.64.0.1", "shared (CGNAT)"],
  ["100.127.255.255", "shared (CGNAT)"],
  ["0.0.0.0", "unspecified"],
  ["224.0.0.1", "multicast"],
  ["239.255.255.250", "multicast"],
  ["255.255.255.255", "reserved"],
  ["198.18.0.1", "reserved"],
  ["192.0.2.1", "reserved"],
  // IPv6
  ["::1", "loopback"],
  ["::", "unspecified"],
  ["fc00::1", "private"],
  ["fd12:3456::1", "private"],
  ["fe80::1", "link-local"],
  ["fe80::1%eth0", "link-local"],
  ["febf::1", "link-local"],
  ["ff02::1", "multicast"],
  ["2001:db8::1", "reserved"],
  ["4000::1", "reserved"], // outside global unicast 2000::/3
  // IPv6 spellings of IPv4 addresses are judged by the IPv4 address
  ["::ffff:127.0.0.1", "loopback"],
  ["::ffff:7f00:1", "loopback"],
  ["::ffff:a9fe:a9fe", "link-local"],
  ["::ffff:10.0.0.5", "private"],
  ["::ffff:0:a00:5", "private"], // IPv4-translated
  ["64:ff9b::a00:5", "private"], // NAT64
  ["2002:7f00:1::", "loopback"], // 6to4
  ["::127.0.0.1", "reserved"], // IPv4-compatible, deprecated
])("%s is %s", (address, kind) => {
  expect(classifyAddress(address)).toBe(kind);
});

test.each(["8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.0", "100.63.255.255", "100.128.0.0", "169.253.0.1", "2606:4700:4700::1111", "2a00:1450::1", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"])(
  "%s is public",
  (address) => {
    expect(classifyAddress(address)).toBeUndefined();
  },
);

const resolver = (answers: Record<string, readonly ResolvedAddress[]>) => async (host: string) => {
  const found = answers[host];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND", hostname: host });
  return found;
};

test("a host name is refused when any of its addresses is refused, with a message that says how to allow it", async () => {
  const resolve = resolver({
    "feed.example.org": [{ address: "10.0.0.5", family: 4 }],
    "mixed.example.org": [
      { address: "93.184.215.14", family: 4 },
      { address: "fd00::5", family: 6 },
    ],
    "public.example.org": [{ address: "93.184.215.14", family: 4 }],
  });
  const refusal = vetHost("feed.example.org", "public-only", resolve);
  await expect(refusal).rejects.toBeInstanceOf(AddressRefusedError);
  await expect(refusal).rejects.toThrow("refused: feed.example.org resolves to 10.0.0.5, a private address; set fetch.allow_private_addresses: true to allow it");
  await expect(vetHost("mixed.example.org", "public-only", resolve)).rejects.toMatchObject({ address: "fd00::5", addressClass: "private", temporary: false });
  expect(await vetHost("public.example.org", "public-only", resolve)).toEqual([{ address: "93.184.215.14", family: 4 }]);
});

test("an IP literal is judged without asking DNS; brackets as URL.hostname has them are accepted", async () => {
  const resolve = () => Promise.reject(new Error("no DNS for literals"));
  await expect(vetHost("[::1]", "public-only", resolve)).rejects.toThrow("refused: ::1 is a loopback address; set fetch.allow_private_addresses: true to allow it");
  await expect(vetHost("169.254.169.254", "public-only", resolve)).rejects.toThrow(/^refused: 169\.254\.169\.254 is a link-local address/);
  await expect(vetHost("[::ffff:a9fe:a9fe]", "public-only", resolve)).rejects.toThrow(/^refused: ::ffff:a9fe:a9fe is a link-local address/);
  expect(await vetHost("8.8.8.8", "public-only", resolve)).toEqual([{ address: "8.8.8.8", family: 4 }]);
});

test("an allow list lets chosen addresses or blocks through, in every spelling, and nothing else", async () => {
  const policy = publicOnlyExcept("127.0.0.1", "10.1.0.0/16");
  const none = () => Promise.reject(new Error("unused"));
  expect(await vetHost("127.0.0.1", policy, none)).toHaveLength(1);
  expect(await vetHost("[::ffff:127.0.0.1]", policy, none)).toHaveLength(1);
  expect(await vetHost("10.1.2.3", policy, none)).toHaveLength(1);
  await expect(vetHost("127.0.0.2", policy, none)).rejects.toThrow(/^refused: 127\.0\.0\.2 is a loopback address/);
  await expect(vetHost("10.2.0.1", policy, none)).rejects.toThrow(/^refused: 10\.2\.0\.1 is a private address/);
  await expect(vetHost("[::1]", policy, none)).rejects.toThrow(/loopback/);
});

test("a malformed allow entry fails when the policy is made, saying what is expected", () => {
  expect(() => publicOnlyExcept("localhost")).toThrow('"localhost" is not an IP address or CIDR block, like 127.0.0.1 or 10.0.0.0/8');
  expect(() => publicOnlyExcept("10.0.0.0/33")).toThrow(/not an IP address or CIDR block/);
  expect(() => publicOnlyExcept("10.0.0.0/8/1")).toThrow(/not an IP address or CIDR block/);
  expect(() => publicOnlyExcept("fd00::/8", "::1")).not.toThrow();
});

test("resolver errors pass through (the fetcher reports them as temporary)", async () => {
  await expect(vetHost("nowhere.invalid", "public-only", resolver({}))).rejects.toMatchObject({ code: "ENOTFOUND" });
});

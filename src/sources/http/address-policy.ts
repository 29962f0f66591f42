/**
 * Which addresses a feed URL may reach (server-side request forgery, OWASP SSRF prevention).
 *
 * A feed URL added at runtime (an admin's `feed add`, an OPML import) comes from a chat message or a
 * file, not from whoever runs the bot; left unchecked it could make Herald fetch the cloud metadata
 * service (169.254.169.254), a router's admin page or a database on loopback, and show what came back.
 * "public-only" refuses every address that is not globally reachable (IANA special-purpose address
 * registries, RFC 6890), in all the spellings that reach them: IPv4-mapped IPv6 (::ffff:127.0.0.1),
 * NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses are judged by the IPv4 address they carry.
 *
 * The check is only sound if the connection goes to the address that was checked: the fetcher
 * resolves once, vets every answer, then connects to those answers (never resolving again), so a
 * DNS answer that changes between the check and the connection (DNS rebinding) gains nothing.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { SourceError } from "../errors.js";

/**
 * - "any": trusted URLs (the config file's feeds, the operator's `herald preview`): no check.
 * - "public-only": refuse loopback, private, link-local, CGNAT, multicast, unspecified and reserved.
 * - publicOnlyExcept(...): "public-only", except the listed addresses or CIDR blocks
 *   (e.g. a test server on 127.0.0.1, or one trusted intranet host).
 */
export type AddressPolicy = "any" | "public-only" | PublicOnlyExcept;

export interface PublicOnlyExcept {
  readonly kind: "public-only";
  readonly allow: readonly Block[];
}

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** All addresses a host name resolves to (A and AAAA), as the system resolver answers. */
export type ResolveHost = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: ResolveHost = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** What kind of address that is not globally reachable. */
export type AddressClass = "loopback" | "private" | "link-local" | "shared (CGNAT)" | "multicast" | "unspecified" | "reserved";

/** Thrown when the policy refuses an address. Never temporary: a person must change the URL or the config. */
export class AddressRefusedError extends SourceError {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly addressClass: AddressClass,
  ) {
    const article = /^[aeiou]/.test(addressClass) ? "an" : "a";
    const what = host === address ? `${address} is` : `${host} resolves to ${address},`;
    super(`refused: ${what} ${article} ${addressClass} address; set fetch.allow_private_addresses: true to allow it`, false);
    this.name = "AddressRefusedError";
  }
}

/** "public-only" with exceptions; each entry is an address or a CIDR block. Throws on a malformed entry. */
export function publicOnlyExcept(...entries: readonly string[]): PublicOnlyExcept {
  return {
    kind: "public-only",
    allow: entries.map((entry) => {
      const block = parseBlock(entry);
      if (block === undefined) throw new Error(`"${entry}" is not an IP address or CIDR block, like 127.0.0.1 or 10.0.0.0/8`);
      return block;
    }),
  };
}

/**
 * Resolves `hostname` (a name, or an IP literal as URL.hostname gives it, IPv6 in brackets) and
 * vets every address under `policy`. Returns the addresses to connect to; throws
 * AddressRefusedError when any of them is refused (one bad answer is enough: the resolver's answer
 * order is not ours to rely on). Resolver errors are passed through.
 */
export async function vetHost(hostname: string, policy: Exclude<AddressPolicy, "any">, resolve: ResolveHost): Promise<readonly ResolvedAddress[]> {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  const family = isIP(bare);
  const addresses = family === 0 ? await resolve(bare) : [{ address: bare, family: family === 6 ? (6 as const) : (4 as const) }];
  if (addresses.length === 0) throw new Error(`${bare} has no address`);
  const allow = policy === "public-only" ? [] : policy.allow;
  for (const { address } of addresses) {
    const bytes = parseAddress(address);
    // An answer we cannot read is not one we can vouch for.
    if (bytes === undefined) throw new AddressRefusedError(bare, address, "reserved");
    if (allowed(bytes, allow)) continue;
    const kind = classifyBytes(bytes);
    if (kind !== undefined) throw new AddressRefusedError(bare, address, kind);
  }
  return addresses;
}

/** The class of a non-public address, or undefined for a globally reachable one (or unreadable text). */
export function classifyAddress(address: string): AddressClass | undefined {
  const bytes = parseAddress(address);
  return bytes === undefined ? undefined : classifyBytes(bytes);
}

interface Block {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

function block(cidr: string): Block {
  const parsed = parseBlock(cidr);
  if (parsed === undefined) throw new Error(`bad built-in block ${cidr}`);
  return parsed;
}

type Rule = readonly [Block, AddressClass];
const rule = (cidr: string, kind: AddressClass): Rule => [block(cidr), kind];

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and updates); first match wins.
const IPV4_BLOCKS: readonly Rule[] = [
  rule("0.0.0.0/8", "unspecified"), // "this network" (RFC 791); connecting to 0.0.0.0 reaches this host
  rule("10.0.0.0/8", "private"), // RFC 1918
  rule("100.64.0.0/10", "shared (CGNAT)"), // RFC 6598
  rule("127.0.0.0/8", "loopback"),
  rule("169.254.0.0/16", "link-local"), // RFC 3927; cloud metadata services live at 169.254.169.254
  rule("172.16.0.0/12", "private"),
  rule("192.0.0.0/24", "reserved"), // IETF protocol assignments
  rule("192.0.2.0/24", "reserved"), // documentation (TEST-NET-1)
  rule("192.88.99.0/24", "reserved"), // 6to4 relay anycast, deprecated (RFC 7526)
  rule("192.168.0.0/16", "private"),
  rule("198.18.0.0/15", "reserved"), // benchmarking (RFC 2544), used inside some networks
  rule("198.51.100.0/24", "reserved"), // documentation
  rule("203.0.113.0/24", "reserved"), // documentation
  rule("224.0.0.0/4", "multicast"),
  rule("240.0.0.0/4", "reserved"), // future use, and 255.255.255.255 broadcast
];

// IANA IPv6 Special-Purpose Address Registry. Forms that carry an IPv4 address are handled first.
const IPV6_BLOCKS: readonly Rule[] = [
  rule("::/128", "unspecified"),
  rule("::1/128", "loopback"),
  rule("::/96", "reserved"), // IPv4-compatible, deprecated (RFC 4291 §2.5.5.1)
  rule("64:ff9b:1::/48", "reserved"), // local-use NAT64 (RFC 8215)
  rule("100::/64", "reserved"), // discard-only (RFC 6666)
  rule("2001:db8::/32", "reserved"), // documentation
  rule("3fff::/20", "reserved"), // documentation (RFC 9637)
  rule("fc00::/7", "private"), // unique local (RFC 4193)
  rule("fe80::/10", "link-local"),
  rule("fec0::/10", "private"), // site-local, deprecated (RFC 3879)
  rule("ff00::/8", "multicast"),
];

/** Global unicast (RFC 4291 §2.4): everything outside it is unassigned or special. */
const IPV6_GLOBAL_UNICAST = block("2000::/3");

// Where an IPv6 address carries an IPv4 address that decides where it really goes.
const CARRIES_IPV4: readonly (readonly [Block, number])[] = [
  [block("::ffff:0:0/96"), 12], // IPv4-mapped (RFC 4291 §2.5.5.2): the socket talks IPv4 to it
  [block("::ffff:0:0:0/96"), 12], // IPv4-translated (RFC 2765)
  [block("64:ff9b::/96"), 12], // NAT64 well-known prefix (RFC 6052): DNS64 answers look like this
  [block("2002::/16"), 2], // 6to4 (RFC 3056)
];

/** An allowed address is allowed in every spelling: 127.0.0.1 also as ::ffff:127.0.0.1. */
function allowed(bytes: Uint8Array, allow: readonly Block[]): boolean {
  const v4 = embeddedIpv4(bytes);
  return allow.some((b) => inBlock(bytes, b) || (v4 !== undefined && inBlock(v4, b)));
}

function classifyBytes(bytes: Uint8Array): AddressClass | undefined {
  const v4 = bytes.length === 4 ? bytes : embeddedIpv4(bytes);
  if (v4 !== undefined) return IPV4_BLOCKS.find(([b]) => inBlock(v4, b))?.[1];
  const special = IPV6_BLOCKS.find(([b]) => inBlock(bytes, b))?.[1];
  if (special !== undefined) return special;
  return inBlock(bytes, IPV6_GLOBAL_UNICAST) ? undefined : "reserved";
}

function embeddedIpv4(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length !== 16) return undefined;
  const form = CARRIES_IPV4.find(([b]) => inBlock(bytes, b));
  return form === undefined ? undefined : bytes.subarray(form[1], form[1] + 4);
}

function inBlock(bytes: Uint8Array, b: Block): boolean {
  if (bytes.length !== b.bytes.length) return false;
  for (let bit = 0; bit < b.prefix; bit += 8) {
    const mask = b.prefix - bit >= 8 ? 0xff : (0xff << (8 - (b.prefix - bit))) & 0xff;
    if (((bytes[bit / 8]! ^ b.bytes[bit / 8]!) & mask) !== 0) return false;
  }
  return true;
}

function parseBlock(text: string): Block | undefined {
  const [address, prefixText, extra] = text.trim().split("/");
  if (address === undefined || extra !== undefined) return undefined;
  const bytes = parseAddress(address);
  if (bytes === undefined) return undefined;
  const max = bytes.length * 8;
  if (prefixText === undefined) return { bytes, prefix: max };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { bytes, prefix: Number(prefixText) };
}

/** An IPv4 (dotted quad) or IPv6 address as 4 or 16 bytes; a zone ("%eth0") is ignored. */
function parseAddress(text: string): Uint8Array | undefined {
  const bare = text.replace(/%.*$/, "");
  const family = isIP(bare);
  if (family === 4) return Uint8Array.from(bare.split(".").map(Number));
  if (family !== 6) return undefined;
  // A dotted-quad tail (::ffff:1.2.3.4) becomes two groups.
  const withoutQuad = bare.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
    [(Number(a) << 8) | Number(b), (Number(c) << 8) | Number(d)].map((n) => n.toString(16)).join(":"),
  );
  const [head = "", tail] = withoutQuad.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const words = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

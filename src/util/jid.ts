/**
 * The bare JID of a full one (RFC 7622 §3.2: what is left without "/resource"), lower-cased so
 * that two spellings of one address compare equal. Enough for the ASCII addresses of this
 * project; it does not apply the full PRECIS rules (§3.3).
 */
export function bareJid(jid: string): string {
  const slash = jid.indexOf("/");
  return (slash < 0 ? jid : jid.slice(0, slash)).toLowerCase();
}

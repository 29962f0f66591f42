/**
 * "Did you mean …?" for config keys: a misspelling (edit distance, via `closest`) or a word people
 * use for the same thing (`nickname` for `nick`, `server` for `service`). A synonym is suggested only
 * when its key is one of the keys allowed where the unknown key stands.
 */
import { closest } from "./schema.js";

/** Known key → words that mean it. Compared in lower case with "-" and "_" removed. */
const SYNONYMS: Record<string, readonly string[]> = {
  nick: ["nickname", "nick_name", "display_name", "displayname", "handle", "botname", "bot_name"],
  jid: ["user", "username", "login", "account", "address", "jabber_id", "jabberid", "xmpp_address"],
  password: ["pass", "passwd", "pwd", "secret"],
  password_file: ["passwordfile", "secret_file", "pass_file", "passwd_file"],
  service: ["server", "host", "hostname", "uri", "endpoint", "connect", "server_url"],
  admins: ["admin", "owners", "owner", "operators", "administrators", "moderators"],
  store: ["database", "db", "db_path", "sqlite", "state", "storage", "data", "data_file"],
  feeds: ["feed", "sources", "blogs", "rss", "atom", "subscriptions"],
  rooms: ["room", "channels", "channel", "mucs", "muc", "groupchats", "chats", "groups"],
  url: ["link", "href", "feed_url", "feedurl", "src", "source", "address"],
  path: ["folder", "dir", "directory", "posts", "content"],
  interval: ["every", "frequency", "period", "poll_interval", "refresh", "poll_every", "schedule"],
  listen: ["bind", "address", "port", "host"],
  time_zone: ["tz", "zone"],
  resource: ["client_id", "instance"],
};

const squash = (text: string) => text.toLowerCase().replace(/[-_]/g, "");

/** The known key `word` probably meant, or undefined. */
export function suggestKey(word: string, known: readonly string[]): string | undefined {
  const typo = closest(word, known);
  if (typo !== undefined) return typo;
  const wanted = squash(word);
  return known.find((key) => (SYNONYMS[key] ?? []).some((synonym) => squash(synonym) === wanted));
}

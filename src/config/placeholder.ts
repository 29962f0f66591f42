/**
 * Passwords that only stand in for a real one: config/herald.example.yaml ships `change-me` (and
 * docker-compose.yml passes it), herald.docker.yaml `set-by-environment`, the README `...`. A bot
 * left with one either cannot log in or runs on an account anyone who read the README can take.
 */
const PLACEHOLDERS = new Set(["change-me", "changeme", "set-by-environment", "...", "password", "secret"]);

/** check-config's warning when the password in effect is one of the examples' placeholders. */
export function placeholderPasswordWarning(password: string, fromEnvironment: boolean): string | undefined {
  if (!PLACEHOLDERS.has(password.trim().toLowerCase())) return undefined;
  const where = fromEnvironment ? "HERALD_XMPP_PASSWORD" : "xmpp.password";
  return `${where}: still the examples' placeholder "${password.trim()}"; set the bot account's real password (the one given to prosodyctl register or ejabberdctl register)`;
}

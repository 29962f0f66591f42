/**
 * The config's `store` names where the data lives: a SQLite file path (the default) or a PostgreSQL
 * connection URL. A URL may carry a password, so anything that shows a location to a person (logs,
 * check-config, error messages) shows `redact(location)` instead.
 */

/** Whether `location` names a PostgreSQL database rather than a SQLite file. */
export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location);

/** The location without a password: a URL's password becomes `***`; a file path is returned as is. */
export function redact(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const parsed = new URL(location);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    // Not a URL the WHATWG parser accepts: still hide whatever sits between "user:" and "@".
    return location.replace(/\/\/([^:@/]*):[^@]*@/, "//$1:***@");
  }
}

/** The password a PostgreSQL URL carries (decoded), so that messages can be scrubbed of it; else undefined. */
export function passwordOf(location: string): string | undefined {
  if (!isPostgresUrl(location)) return undefined;
  try {
    const password = new URL(location).password;
    return password === "" ? undefined : decodeURIComponent(password);
  } catch {
    return /\/\/[^:@/]*:([^@]*)@/.exec(location)?.[1] || undefined;
  }
}

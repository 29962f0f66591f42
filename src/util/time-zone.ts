/** Wall-clock times in IANA time zones, with nothing but Intl (no tz database of our own). */

/** True when `zone` is a time zone name this runtime knows (IANA tz database, or "UTC"). */
export function isValidTimeZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The UTC instant at which clocks in `timeZone` show `wall` (given as if it were UTC). Offsets
 * change at most once a day, so the candidates are the wall time read with the offset a day
 * before and a day after. As with Temporal's "compatible" disambiguation: a time repeated when
 * clocks go back is its first occurrence; a time skipped when they go forward is read with the
 * earlier offset, which lands after the gap.
 */
export function wallTimeToUtc(wall: number, timeZone: string): number {
  const before = wall - offsetAt(wall - 86_400_000, timeZone);
  const after = wall - offsetAt(wall + 86_400_000, timeZone);
  const valid = [before, after].filter((t) => offsetAt(t, timeZone) === wall - t);
  return valid.length > 0 ? Math.min(...valid) : before;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Milliseconds the zone's clocks are ahead of UTC at instant `t`. */
export function offsetAt(t: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(t));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour") % 24, get("minute"), get("second"));
  return wall - Math.floor(t / 1000) * 1000;
}

/**
 * Dates as blog authors write them in front matter: "2017-01-27" (Hugo), "2017-02-27 18:50" and
 * "2019-05-03 9:00" (Pelican), "2021-10-21T10:00:00+02:00" (RFC 3339). A date without an offset
 * is a wall-clock time in the feed's time zone (an IANA name, default UTC); a date-only one is
 * midnight there, as in Hugo and Pelican.
 */
import type { FrontMatterValue } from "./front-matter.js";
import { wallTimeToUtc } from "../../util/time-zone.js";

export { isValidTimeZone } from "../../util/time-zone.js";

export type PostDate = { readonly date: Date } | { readonly error: string };

const DATE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,9}))?)?)?[^\S\n]*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Reads a front-matter date; undefined when there is none, an error when it is unreadable. */
export function parsePostDate(value: FrontMatterValue | undefined, timeZone: string): PostDate | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const text = String(value).trim();
  const match = DATE.exec(text);
  if (match === null) return { error: `date "${text.slice(0, 40)}" is not a date like 2017-01-27 or 2017-01-27 18:50` };
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part)));
  const millis = match[7] === undefined ? 0 : Number(match[7].slice(0, 3).padEnd(3, "0"));
  const fields = { year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: second! };
  if (!validFields(fields)) return { error: `date "${text.slice(0, 40)}" does not exist` };
  const wall = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second, millis);
  const zone = match[8];
  if (zone === undefined) return { date: new Date(wallTimeToUtc(wall, timeZone)) };
  return { date: new Date(wall - offsetMinutes(zone) * 60_000) };
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function validFields(f: Fields): boolean {
  const daysInMonth = new Date(Date.UTC(f.year, f.month, 0)).getUTCDate();
  return f.month >= 1 && f.month <= 12 && f.day >= 1 && f.day <= daysInMonth && f.hour <= 23 && f.minute <= 59 && f.second <= 60;
}

function offsetMinutes(zone: string): number {
  if (/^(?:Z|UTC|GMT)$/i.test(zone)) return 0;
  const digits = zone.slice(1).replace(":", "");
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0");
  return zone.startsWith("-") ? -minutes : minutes;
}

import { offsetAt, wallTimeToUtc } from "../util/time-zone.js";

/** When a room's digest is due: every day, or one day a week, at a wall-clock time in a zone. */
export interface DigestSchedule {
  readonly every: "day" | "week";
  /** 0 = Sunday … 6 = Saturday; only for weekly digests. */
  readonly weekday?: number;
  readonly hour: number;
  readonly minute: number;
}

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** Parses "daily 09:00" or "weekly mon 09:00"; returns a one-line reason otherwise. */
export function parseDigestSchedule(text: string): DigestSchedule | { readonly error: string } {
  const m = /^\s*(daily|weekly\s+(sun|mon|tue|wed|thu|fri|sat)[a-z]*)\s+(\d{1,2}):(\d{2})\s*$/i.exec(text);
  if (!m) return { error: `"${text.trim().slice(0, 40)}" is not a digest schedule; expected e.g. "daily 09:00" or "weekly mon 09:00"` };
  const hour = Number(m[3]);
  const minute = Number(m[4]);
  if (hour > 23 || minute > 59) return { error: `${m[3]}:${m[4]} is not a time of day` };
  if (m[1]!.toLowerCase() === "daily") return { every: "day", hour, minute };
  return { every: "week", weekday: WEEKDAYS.indexOf(m[2]!.toLowerCase()), hour, minute };
}

export function formatDigestSchedule(s: DigestSchedule): string {
  const time = `${String(s.hour).padStart(2, "0")}:${String(s.minute).padStart(2, "0")}`;
  return s.every === "day" ? `daily ${time}` : `weekly ${WEEKDAYS[s.weekday ?? 1]} ${time}`;
}

/** The first due time strictly after `afterMs`, in the zone's wall-clock time (DST-aware). */
export function nextDue(s: DigestSchedule, afterMs: number, timeZone: string): number {
  // The zone's calendar date at `afterMs`, as a UTC-based day count.
  const localNow = afterMs + offsetAt(afterMs, timeZone);
  const today = Math.floor(localNow / 86_400_000);
  for (let day = today; day <= today + 8; day++) {
    const date = new Date(day * 86_400_000);
    if (s.every === "week" && date.getUTCDay() !== s.weekday) continue;
    const due = wallTimeToUtc(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), s.hour, s.minute), timeZone);
    if (due > afterMs) return due;
  }
  throw new Error("unreachable: a weekly schedule is due within eight days");
}

/** The due time at or before `atMs` (the start of the period that ends at the next due time). */
export function previousDue(s: DigestSchedule, atMs: number, timeZone: string): number {
  const span = s.every === "day" ? 86_400_000 : 7 * 86_400_000;
  // A period back and two hours more (DST days last 23 or 25 hours): the next due time after
  // that is at or before atMs; walk forward to the last one that is.
  let due = nextDue(s, atMs - span - 2 * 3_600_000, timeZone);
  for (;;) {
    const next = nextDue(s, due, timeZone);
    if (next > atMs) return due;
    due = next;
  }
}

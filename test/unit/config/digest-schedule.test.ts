import { formatDigestSchedule, nextDue, parseDigestSchedule, previousDue } from "../../../src/config/digest-schedule.js";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

test("schedules parse and print back", () => {
  expect(parseDigestSchedule("daily 09:00")).toEqual({ every: "day", hour: 9, minute: 0 });
  expect(parseDigestSchedule("Weekly Monday 7:30")).toEqual({ every: "week", weekday: 1, hour: 7, minute: 30 });
  expect(formatDigestSchedule({ every: "week", weekday: 1, hour: 7, minute: 30 })).toBe("weekly mon 07:30");
  expect(parseDigestSchedule("hourly")).toMatchObject({ error: expect.stringContaining('expected e.g. "daily 09:00"') });
  expect(parseDigestSchedule("daily 25:00")).toEqual({ error: "25:00 is not a time of day" });
});

test("daily: today if still ahead, else tomorrow, in the zone's wall time", () => {
  const daily = { every: "day" as const, hour: 9, minute: 0 };
  expect(iso(nextDue(daily, at("2026-03-10T08:00:00Z"), "UTC"))).toBe("2026-03-10T09:00:00.000Z");
  expect(iso(nextDue(daily, at("2026-03-10T09:00:00Z"), "UTC"))).toBe("2026-03-11T09:00:00.000Z");
  // 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer.
  expect(iso(nextDue(daily, at("2026-03-10T12:00:00Z"), "Europe/Berlin"))).toBe("2026-03-11T08:00:00.000Z");
  expect(iso(nextDue(daily, at("2026-03-28T12:00:00Z"), "Europe/Berlin"))).toBe("2026-03-29T07:00:00.000Z");
});

test("weekly: the next named weekday", () => {
  const monday = { every: "week" as const, weekday: 1, hour: 9, minute: 0 };
  // 2026-03-10 is a Tuesday.
  expect(iso(nextDue(monday, at("2026-03-10T12:00:00Z"), "UTC"))).toBe("2026-03-16T09:00:00.000Z");
  expect(iso(previousDue(monday, at("2026-03-10T12:00:00Z"), "UTC"))).toBe("2026-03-09T09:00:00.000Z");
});

test("the previous due time is the period's start", () => {
  const daily = { every: "day" as const, hour: 9, minute: 0 };
  expect(iso(previousDue(daily, at("2026-03-10T08:59:00Z"), "UTC"))).toBe("2026-03-09T09:00:00.000Z");
  expect(iso(previousDue(daily, at("2026-03-10T09:00:00Z"), "UTC"))).toBe("2026-03-10T09:00:00.000Z");
});

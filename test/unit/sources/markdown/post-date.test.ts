import { isValidTimeZone, parsePostDate } from "../../../../src/sources/markdown/post-date.js";
import { wallTimeToUtc } from "../../../../src/util/time-zone.js";

const iso = (value: string, zone = "UTC") => {
  const result = parsePostDate(value, zone);
  if (result === undefined || "error" in result) throw new Error(JSON.stringify(result));
  return result.date.toISOString();
};

test.each([
  ["2017-01-27", "UTC", "2017-01-27T00:00:00.000Z"],
  ["2017-01-27", "Europe/Paris", "2017-01-26T23:00:00.000Z"],
  ["2017-02-27 18:50", "UTC", "2017-02-27T18:50:00.000Z"],
  ["2017-02-27 18:50", "America/New_York", "2017-02-27T23:50:00.000Z"],
  ["2019-05-03 9:00", "UTC", "2019-05-03T09:00:00.000Z"],
  ["2021-07-05 20:00:30", "Europe/Berlin", "2021-07-05T18:00:30.000Z"],
  ["2021-10-21T10:00:00+02:00", "Asia/Tokyo", "2021-10-21T08:00:00.000Z"],
  ["2021-10-21T10:00:00.5Z", "Asia/Tokyo", "2021-10-21T10:00:00.500Z"],
  ["2021-10-21 10:00 -0130", "UTC", "2021-10-21T11:30:00.000Z"],
])("%s in %s is %s", (value, zone, expected) => {
  expect(iso(value, zone)).toBe(expected);
});

test("around daylight saving changes: a skipped time lands after the gap, a repeated one is its first occurrence", () => {
  expect(iso("2021-03-28 02:30", "Europe/Paris")).toBe("2021-03-28T01:30:00.000Z"); // 03:30 CEST
  expect(iso("2021-10-31 02:30", "Europe/Paris")).toBe("2021-10-31T00:30:00.000Z"); // 02:30 CEST, not CET
  expect(wallTimeToUtc(Date.UTC(2021, 5, 1, 12), "UTC")).toBe(Date.UTC(2021, 5, 1, 12));
});

test("no date is undefined; a bad one is a one-line error", () => {
  expect(parsePostDate(undefined, "UTC")).toBeUndefined();
  expect(parsePostDate("", "UTC")).toBeUndefined();
  expect(parsePostDate("soon", "UTC")).toEqual({ error: 'date "soon" is not a date like 2017-01-27 or 2017-01-27 18:50' });
  expect(parsePostDate("2021-02-30", "UTC")).toEqual({ error: 'date "2021-02-30" does not exist' });
  expect(parsePostDate("2021-01-01 25:00", "UTC")).toEqual({ error: 'date "2021-01-01 25:00" does not exist' });
  expect(parsePostDate(2017, "UTC")).toMatchObject({ error: expect.stringContaining('"2017"') });
});

test("time zones are IANA names", () => {
  expect(isValidTimeZone("UTC")).toBe(true);
  expect(isValidTimeZone("Europe/Paris")).toBe(true);
  expect(isValidTimeZone("Mars/Olympus")).toBe(false);
  expect(isValidTimeZone("")).toBe(false);
});

import { formatDuration, parseDuration } from "../../../src/util/duration.js";

describe("parseDuration", () => {
  it.each([
    ["30s", 30_000],
    ["10m", 600_000],
    ["1h", 3_600_000],
    ["2d", 172_800_000],
    ["500ms", 500],
    ["1h30m", 5_400_000],
    ["1d2h3m4s5ms", 93_784_005],
    ["1h 30m", 5_400_000],
    [" 10m ", 600_000],
    ["600", 600_000],
    ["0s", 0],
  ])("reads %j as %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ["", "empty"],
    ["   ", "blank"],
    ["m", "unit without a number"],
    ["10x", "unknown unit"],
    ["10M", "units are lower case"],
    ["1.5h", "fractions"],
    ["-5s", "negative"],
    ["30s1m", "units out of order"],
    ["10m10m", "a unit twice"],
    ["10m garbage", "trailing text"],
    ["99999999999999999999s", "beyond safe integers"],
  ])("rejects %j (%s)", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [500, "500ms"],
    [30_000, "30s"],
    [600_000, "10m"],
    [5_400_000, "1h30m"],
    [86_400_000, "1d"],
    [93_784_005, "1d2h3m4s5ms"],
    [1_499.6, "1s500ms"],
  ])("writes %d ms as %j", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("round-trips through parseDuration", () => {
    for (const ms of [1, 999, 1_000, 61_000, 3_600_001, 90_061_001, 7 * 86_400_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])("refuses %d", (ms) => {
    expect(() => formatDuration(ms)).toThrow(RangeError);
  });
});

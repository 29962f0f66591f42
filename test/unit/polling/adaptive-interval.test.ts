// The adaptive interval's rule, step by step, on fixed inputs (pure: no clock, no I/O).
import { adaptiveInterval, human, withJitter, type IntervalInput } from "../../../src/polling/adaptive-interval.js";

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = Date.UTC(2026, 11, 3, 12);

/** Posts every `gap`, the newest `ago` before now. */
const every = (gap: number, count: number, ago = 0) => Array.from({ length: count }, (_, i) => now - ago - i * gap);

const input = (over: Partial<IntervalInput>): IntervalInput => ({
  minMs: 2 * MIN,
  maxMs: HOUR,
  defaultMs: 10 * MIN,
  foundNew: false,
  previousMs: undefined,
  published: [],
  now,
  hints: {},
  ...over,
});

test("a feed with no dated posts starts at the default", () => {
  expect(adaptiveInterval(input({}))).toEqual({ ms: 10 * MIN, basis: "no-history", reason: "no dated posting history yet" });
});

test("a feed posting hourly is read every ten minutes, six times per gap", () => {
  const decision = adaptiveInterval(input({ published: every(HOUR, 10, 5 * MIN) }));
  expect(decision).toEqual({ ms: 10 * MIN, basis: "history", reason: "posts about every 60 min" });
});

test("a feed posting every few minutes is held at fetch.min_interval", () => {
  const decision = adaptiveInterval(input({ published: every(6 * MIN, 10) }));
  expect(decision.ms).toBe(2 * MIN);
  expect(decision.basis).toBe("min");
  expect(decision.reason).toBe("fetch.min_interval (posts about every 6 min)");
});

test("a weekly feed and a dead one are held at fetch.max_interval", () => {
  expect(adaptiveInterval(input({ published: every(7 * DAY, 10, DAY) }))).toMatchObject({ ms: HOUR, basis: "max" });
  const dead = adaptiveInterval(input({ published: every(HOUR, 10, 400 * DAY) }));
  expect(dead).toMatchObject({ ms: HOUR, basis: "max" });
  expect(dead.reason).toContain("silent for 400 d");
});

test("a long silence lengthens the wait beyond what the history says; an ordinary pause does not", () => {
  // Hourly posts, but none for 12 hours: read every 90 minutes, under a ceiling of a day.
  const decision = adaptiveInterval(input({ maxMs: DAY, published: every(HOUR, 10, 12 * HOUR) }));
  expect(decision).toEqual({ ms: 90 * MIN, basis: "silence", reason: "silent for 12 h" });
  expect(adaptiveInterval(input({ maxMs: DAY, published: every(HOUR, 10, 3 * HOUR) })).basis).toBe("history");
});

test("a new post halves the wait; quiet reads let it grow back by half, up to the history's figure", () => {
  const published = every(HOUR, 10);
  const afterNew = adaptiveInterval(input({ published, foundNew: true, previousMs: 10 * MIN }));
  expect(afterNew).toMatchObject({ ms: 5 * MIN, basis: "new-post" });
  const quiet1 = adaptiveInterval(input({ published, previousMs: afterNew.ms }));
  expect(quiet1).toMatchObject({ ms: 7.5 * MIN, basis: "growing" });
  const quiet2 = adaptiveInterval(input({ published, previousMs: quiet1.ms }));
  expect(quiet2).toMatchObject({ ms: 10 * MIN, basis: "history" });
});

test("never sooner than the server's cache lifetime or the feed's ttl / sy:updatePeriod, the longest winning", () => {
  const published = every(HOUR, 10);
  expect(adaptiveInterval(input({ published, hints: { freshForMs: 30 * MIN } }))).toEqual({
    ms: 30 * MIN,
    basis: "freshness",
    reason: "the server's cache lifetime is 30 min",
  });
  expect(adaptiveInterval(input({ published, hints: { freshForMs: 20 * MIN, ttlMs: 40 * MIN } })).reason).toBe("the feed's <ttl> is 40 min");
  expect(adaptiveInterval(input({ published, hints: { updatePeriodMs: 50 * MIN } })).reason).toBe("the feed's sy:updatePeriod is 50 min");
  // A shorter hint than the history's figure changes nothing.
  expect(adaptiveInterval(input({ published, hints: { ttlMs: 5 * MIN } }))).toMatchObject({ ms: 10 * MIN, basis: "history" });
  // The ceiling wins over a day-long cache lifetime.
  expect(adaptiveInterval(input({ published, hints: { freshForMs: DAY } }))).toMatchObject({ ms: HOUR, basis: "max" });
});

test("dates in the future and posts at one instant do not make a history", () => {
  expect(adaptiveInterval(input({ published: [now + DAY, now + 2 * DAY] })).basis).toBe("no-history");
  expect(adaptiveInterval(input({ published: [now - HOUR, now - HOUR, now - HOUR] })).basis).toBe("no-history");
});

test("jitter spreads a wait by ±10 %, within the bounds", () => {
  const bounds = { minMs: 2 * MIN, maxMs: HOUR };
  expect(withJitter(10 * MIN, 0, bounds)).toBe(9 * MIN);
  expect(withJitter(10 * MIN, 0.999999, bounds)).toBe(11 * MIN);
  expect(withJitter(2 * MIN, 0, bounds)).toBe(2 * MIN);
  expect(withJitter(HOUR, 0.999999, bounds)).toBe(HOUR);
});

test("durations read as a person would say them", () => {
  expect([human(90_000), human(12 * MIN), human(3 * HOUR), human(2 * DAY)]).toEqual(["90 s", "12 min", "3 h", "2 d"]);
});

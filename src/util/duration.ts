/**
 * Durations as people write them in the config file: "30s", "10m", "1h30m", "2d", "500ms".
 * A bare number ("600") means seconds. Components are whole numbers, written largest unit first,
 * each unit at most once, so a typo like "10m10m" or "30s1m" is rejected instead of guessed at.
 */

const UNITS = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1_000],
  ["ms", 1],
] as const;

const UNIT_MS = new Map<string, number>(UNITS);
const UNIT_RANK = new Map<string, number>(UNITS.map(([unit], rank) => [unit, rank]));

// "ms" before "m" and "s" so that "500ms" is not read as 500 minutes followed by "s".
const COMPONENT = /(\d+)\s*(ms|d|h|m|s)\s*/y;

/** Milliseconds for `text`, or undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return checked(Number(trimmed) * 1000);
  if (trimmed === "") return undefined;

  COMPONENT.lastIndex = 0;
  let total = 0;
  let lastRank = -1;
  while (COMPONENT.lastIndex < trimmed.length) {
    const match = COMPONENT.exec(trimmed);
    if (match === null) return undefined;
    const unit = match[2]!;
    const rank = UNIT_RANK.get(unit)!;
    if (rank <= lastRank) return undefined;
    lastRank = rank;
    total += Number(match[1]) * UNIT_MS.get(unit)!;
  }
  return checked(total);
}

function checked(ms: number): number | undefined {
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** The shortest text parseDuration reads back as `ms` (rounded to whole milliseconds): 5400000 → "1h30m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`not a duration: ${ms} ms`);
  let rest = Math.round(ms);
  if (rest === 0) return "0s";
  let text = "";
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return text;
}

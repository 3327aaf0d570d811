/** Time bucketing of 64-bit epoch timestamps into the hours of one UTC day, exactly (no BigInt per row). */

/** Resolution of a raw timestamp column. */
export type TimeUnit = 's' | 'ms' | 'us' | 'ns';

const unitsPerSecond: Record<TimeUnit, number> = { s: 1, ms: 1e3, us: 1e6, ns: 1e9 };
const two32 = 4294967296;

/** Hour index written for a timestamp outside the day and outside the day before. */
export const outsideDay = -1;
/** Hour index written for a timestamp in the day before (late data of that day, when found early in this one). */
export const previousDay = -2;

/**
 * For each of `length` int64 timestamps (as little-endian 32-bit word pairs starting at `first`),
 * writes the hour of the day (0..23, `previousDay` or `outsideDay`) and the offset from the day's start in nanoseconds.
 * Offsets are exact: they are formed from word differences and stay below 2^53 inside a day.
 */
export function bucketTimestamps(
  words: Int32Array, // the int64 values viewed as [lo, hi] pairs
  first: number, // index of the first value
  length: number,
  unit: TimeUnit,
  dayStartMs: number, // 00:00 UTC of the day, epoch milliseconds
  hourOut: Int32Array, // per value: 0..23, previousDay or outsideDay
  timeOut: Float64Array, // per value: nanoseconds after 00:00 (only meaningful inside the day)
): void {
  const perSecond = unitsPerSecond[unit];
  const start = (BigInt(dayStartMs) * BigInt(perSecond)) / 1000n;
  const startHi = Number(BigInt.asIntN(32, start >> 32n));
  const startLo = Number(BigInt.asUintN(32, start));
  const perHour = 3600 * perSecond;
  const perDay = 24 * perHour;
  const toNs = 1e9 / perSecond;
  for (let i = 0; i < length; i++) {
    const w = 2 * (first + i);
    const rel = (words[w + 1]! - startHi) * two32 + ((words[w]! >>> 0) - startLo);
    if (rel >= 0 && rel < perDay) {
      hourOut[i] = Math.floor(rel / perHour);
      timeOut[i] = rel * toNs;
    } else {
      hourOut[i] = rel < 0 && rel >= -perDay ? previousDay : outsideDay;
      timeOut[i] = 0;
    }
  }
}

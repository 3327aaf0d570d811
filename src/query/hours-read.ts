/** The rollups' resolution: an hour. A query reads whole hours, those that start in its range. */
const hourMs = 3_600_000;

/** A half-open UTC range [fromMs, toMs), epoch ms. */
export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/** The whole hours a query range reads: the hours that start in [fromMs, toMs), so 10:30 to 12:15 reads 11:00 to 13:00. */
export function hoursRead(range: TimeRange): TimeRange {
  return { fromMs: Math.ceil(range.fromMs / hourMs) * hourMs, toMs: Math.ceil(range.toMs / hourMs) * hourMs };
}

/** Whether a range reads what it asks for: both ends on an hour. */
export function readsAsAsked(range: TimeRange): boolean {
  const read = hoursRead(range);
  return read.fromMs === range.fromMs && read.toMs === range.toMs;
}

/** The range of the `days` days up to `end` that trend and attribute ask for (they read its hoursRead). */
export function lastDaysRange(end: Date, days: number): TimeRange {
  return { fromMs: end.getTime() - days * 86_400_000, toMs: end.getTime() };
}

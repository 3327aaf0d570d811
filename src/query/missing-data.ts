/**
 * What the range of an answer lacked, so that "no data" never reads as zero: days never rolled up, and time buckets
 * of rolled-up days where nothing matched the question.
 */
export interface MissingData {
  // YYYY-MM-DD, sorted: days of the range with no data for the question (at hour grain: the days in notRolledUp)
  readonly days: readonly string[];
  readonly notRolledUp: readonly string[]; // YYYY-MM-DD, sorted: the days among `days` with no committed partition
  // YYYY-MM-DD, sorted: the days among `days` an hour-grain question could not read because the hour tier's retention
  // removed their hour partition, while their day tier holds them (absent when none): ask at day grain
  readonly hourTierGone?: readonly string[];
  // sorted: dimensions the question needs that those days' day tier drops (absent when none): no tier holds them
  readonly dayTierDrops?: readonly string[];
  // YYYY-MM-DD, sorted: the days among `notRolledUp` past every tier's retentionDays (absent when none): removed by
  // retention, most likely, rather than never rolled up
  readonly removedByRetention?: readonly string[];
  // ISO-8601 hour starts, sorted: hours of rolled-up days with no data for the question (hour grain)
  readonly hours: readonly string[];
  // ISO-8601 hour starts, sorted: hours of partially rolled-up days (`run --hour`) whose hour folder, or one of the next
  // lateArrivalHours folders where their late rows land (the day's, or the next day's: never read for a partial day),
  // no run has built yet: not zero, not complete (what they show may be partial)
  readonly notBuilt?: readonly string[];
  // answers of several metrics over the same hours (facts, attribute): the hours among `hours` where some of the
  // metrics had data (absent when none): the answer there is partial, not "no data"
  readonly partialHours?: readonly string[];
  readonly nothingFound: boolean; // true when no data at all matched: the answer is "no data", never 0
}

/** Raised after an answer was printed when nothing at all matched: exit code 3 (noData), HTTP 404. */
export class NoDataError extends Error {
  override readonly name = 'NoDataError';
  /** What was missing, for the HTTP body and logs. */
  readonly missing: MissingData;
  constructor(message: string, missing: MissingData) {
    super(message);
    this.missing = missing;
  }
}

/** Nothing missing: data for every bucket. */
export const nothingMissing: MissingData = { days: [], notRolledUp: [], hours: [], nothingFound: false };

/**
 * What several answers that make one lacked (a report's facts, trend and storage): the union; nothing found only if
 * none found anything.
 */
export function mergeMissing(parts: readonly MissingData[]): MissingData {
  const union = (pick: (m: MissingData) => readonly string[]): string[] => [...new Set(parts.flatMap(pick))].sort();
  const partial = union((m) => m.partialHours ?? []);
  return {
    days: union((m) => m.days),
    notRolledUp: union((m) => m.notRolledUp),
    ...(parts.some((m) => (m.hourTierGone?.length ?? 0) > 0)
      ? { hourTierGone: union((m) => m.hourTierGone ?? []) }
      : {}),
    ...(parts.some((m) => (m.dayTierDrops?.length ?? 0) > 0)
      ? { dayTierDrops: union((m) => m.dayTierDrops ?? []) }
      : {}),
    ...(parts.some((m) => (m.removedByRetention?.length ?? 0) > 0)
      ? { removedByRetention: union((m) => m.removedByRetention ?? []) }
      : {}),
    hours: union((m) => m.hours),
    ...(parts.some((m) => (m.notBuilt?.length ?? 0) > 0) ? { notBuilt: union((m) => m.notBuilt ?? []) } : {}),
    ...(partial.length > 0 ? { partialHours: partial } : {}),
    nothingFound: parts.length > 0 && parts.every((m) => m.nothingFound),
  };
}

/**
 * What the answers of several metrics over the same hours lacked (facts: received and sent; attribute: CPU and
 * fetches): `mergeMissing`, and the hours some of them lacked but not all as `partialHours`.
 */
export function mergeMetricsMissing(parts: readonly MissingData[]): MissingData {
  const merged = mergeMissing(parts);
  const partial = merged.hours.filter((h) => !parts.every((m) => m.hours.includes(h)));
  const { partialHours: _ignored, ...rest } = merged;
  return partial.length > 0 ? { ...rest, partialHours: partial } : rest;
}

/** True when something is missing (a day or an hour without data). */
export function hasMissing(m: MissingData): boolean {
  return m.days.length > 0 || m.hours.length > 0 || (m.notBuilt?.length ?? 0) > 0;
}

/**
 * Consecutive hours as ISO-8601 intervals (`2026-11-24T05:00:00Z/2026-11-24T08:00:00Z`, end exclusive), so a long gap
 * stays one item.
 */
export function hourRanges(hours: readonly string[]): string[] {
  const ms = [...new Set(hours.map((h) => Date.parse(h)))].sort((a, b) => a - b);
  const ranges: string[] = [];
  const iso = (t: number): string => `${new Date(t).toISOString().slice(0, 19)}Z`;
  for (let i = 0; i < ms.length; ) {
    let j = i;
    while (j + 1 < ms.length && ms[j + 1]! - ms[j]! === 3_600_000) j++;
    ranges.push(`${iso(ms[i]!)}/${iso(ms[j]! + 3_600_000)}`);
    i = j + 1;
  }
  return ranges;
}

/** One line per kind of gap, for a table footer or CSV comment lines (empty when nothing is missing). */
export function describeMissing(m: MissingData): string[] {
  const notRead = new Set([...m.notRolledUp, ...(m.hourTierGone ?? [])]);
  const removed = new Set(m.removedByRetention ?? []);
  const neverRolledUp = m.notRolledUp.filter((d) => !removed.has(d));
  const emptyDays = m.days.filter((d) => !notRead.has(d));
  const partial = new Set(m.partialHours ?? []);
  const empty = m.hours.filter((h) => !partial.has(h));
  return [
    ...(neverRolledUp.length > 0
      ? [`no data: days not rolled up (no committed partition): ${neverRolledUp.join(', ')}`]
      : []),
    ...((m.removedByRetention?.length ?? 0) > 0
      ? [
          `no data: days past every tier's retention (no committed partition: removed by retention): ` +
            (m.removedByRetention ?? []).join(', '),
        ]
      : []),
    ...((m.hourTierGone?.length ?? 0) > 0
      ? [
          `no data at hour grain: days whose hour partition the hour tier's retention removed (` +
            ((m.dayTierDrops?.length ?? 0) > 0
              ? `their day tier drops ${(m.dayTierDrops ?? []).join(', ')}, which the question needs: no tier holds it`
              : `their day tier holds them: a day-grain answer of a whole day reads it`) +
            `): ${(m.hourTierGone ?? []).join(', ')}`,
        ]
      : []),
    ...(emptyDays.length > 0 ? [`no data: days rolled up but with nothing matching: ${emptyDays.join(', ')}`] : []),
    ...((m.notBuilt?.length ?? 0) > 0
      ? [
          `no data yet: hours not built yet or without their late rows (partial day, run --hour): ` +
            `${hourRanges(m.notBuilt ?? []).join(', ')} (not zero: their hour folders, or the later folders their ` +
            'late rows land in, are not rolled up yet)',
        ]
      : []),
    ...(empty.length > 0
      ? [`no data: hours with nothing matching (${empty.length}): ${hourRanges(empty).join(', ')}`]
      : []),
    ...(partial.size > 0
      ? [
          `partial data: hours where some of the answer's metrics had nothing matching (${partial.size}): ` +
            hourRanges([...partial]).join(', '),
        ]
      : []),
  ];
}

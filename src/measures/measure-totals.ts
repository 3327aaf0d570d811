/**
 * The measures an answer adds up over records: samples counted, their sum, min and max, the sum of each series' last
 * value, and counters' increase (NaN: not a counter). One fold, used by a query's answer buckets and by the metric
 * totals a segment's manifest entry carries, so both give the same numbers to the last bit.
 */
export interface MeasureTotals {
  count: number;
  sum: number;
  min: number;
  max: number;
  lastSum: number;
  increase: number;
}

/** The measure columns of records (record i at position i). */
export interface TotalsColumns {
  readonly count: Float64Array;
  readonly sum: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly lastSum: Float64Array;
  readonly increase: Float64Array;
}

/** The totals of record `i` alone. */
export function totalsOfRecord(m: TotalsColumns, i: number): MeasureTotals {
  return {
    count: m.count[i]!,
    sum: m.sum[i]!,
    min: m.min[i]!,
    max: m.max[i]!,
    lastSum: m.lastSum[i]!,
    increase: m.increase[i]!,
  };
}

/** Adds record `i` into `t`. */
export function addRecordTotals(t: MeasureTotals, m: TotalsColumns, i: number): void {
  t.increase += m.increase[i]!;
  t.sum += m.sum[i]!;
  t.count += m.count[i]!;
  t.min = Math.min(t.min, m.min[i]!);
  t.max = Math.max(t.max, m.max[i]!);
  t.lastSum += m.lastSum[i]!;
}

/** Adds `u` (totals of other records) into `t`. */
export function addTotals(t: MeasureTotals, u: MeasureTotals): void {
  t.increase += u.increase;
  t.sum += u.sum;
  t.count += u.count;
  t.min = Math.min(t.min, u.min);
  t.max = Math.max(t.max, u.max);
  t.lastSum += u.lastSum;
}

/**
 * Whether JSON can hold `t` exactly: every measure finite (a not-counter's increase is NaN, which a manifest writes as
 * null).
 */
export function totalsAreFinite(t: MeasureTotals): boolean {
  return [t.count, t.sum, t.min, t.max, t.lastSum].every(Number.isFinite) && Math.abs(t.increase) !== Infinity;
}

/**
 * The one definition of the per-series sample measures (Pinot's ValueAggregator): which states a record keeps, how a
 * sample is added, how two states merge, and the first/last tie rules. Ingest, the cube, the day tier and the codecs
 * all call these; nothing else spells the rules out.
 */

/** The sample measures, in the order every codec and transfer list uses. */
export const sampleMeasureNames = ['count', 'sum', 'min', 'max', 'last', 'lastTime', 'first', 'firstTime'] as const;
export type SampleMeasureName = (typeof sampleMeasureNames)[number];

/** Mergeable sample-measure states, columnar; index = record (or group). */
export interface SampleMeasures {
  readonly count: Float64Array; // samples aggregated (exact up to 2^53)
  readonly sum: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly last: Float64Array; // value at the latest timestamp; ties: the larger value
  readonly lastTime: Float64Array; // timestamp of `last`, nanoseconds after the day's start (exact below 2^53)
  readonly first: Float64Array; // value at the earliest timestamp; ties: the smaller value
  readonly firstTime: Float64Array; // timestamp of `first`, nanoseconds after the day's start
}

/** Column name of each sample measure in the rollup Parquet files (data contract). */
export const measureColumnNames: Readonly<Record<SampleMeasureName | 'increase', string>> = {
  count: 'count',
  sum: 'sum',
  min: 'min',
  max: 'max',
  last: 'last',
  lastTime: 'last_time',
  first: 'first',
  firstTime: 'first_time',
  increase: 'increase',
};

/** The measure columns of star-tree and cuboid record files, in file order (data contract). */
export const cubeRecordMeasureColumns = [
  'count',
  'sum',
  'min',
  'max',
  'last',
  'last_time',
  'last_sum',
  'first',
  'first_time',
  'increase',
] as const;

/** Empty columns for `capacity` records; a literal, so the object keeps one fast shape in per-row loops. */
export function emptySampleMeasures(capacity: number): SampleMeasures {
  const column = (): Float64Array => new Float64Array(capacity);
  return {
    count: column(),
    sum: column(),
    min: column(),
    max: column(),
    last: column(),
    lastTime: column(),
    first: column(),
    firstTime: column(),
  };
}

/**
 * x < y in the order of min, max and the first/last ties: numeric, with -0 below +0 (as Math.min and Math.max order
 * them). Values that compare equal are then the same bits, so a state never depends on the order its samples (or
 * partial states) came in: with `<` alone, min(0, -0) was whichever came first.
 */
export function isBelow(x: number, y: number): boolean {
  return x < y || (x === 0 && y === 0 && 1 / x < 1 / y);
}

/** True when a sample (or state) at `time` with `value` replaces the current last: later, or as late and larger. */
export function replacesLast(time: number, value: number, lastTime: number, last: number): boolean {
  return time > lastTime || (time === lastTime && isBelow(last, value));
}

/**
 * True when a sample (or state) at `time` with `value` replaces the current first: earlier, or as early and smaller.
 */
export function replacesFirst(time: number, value: number, firstTime: number, first: number): boolean {
  return time < firstTime || (time === firstTime && isBelow(value, first));
}

/** Starts state `g` from its first sample. */
export function startWithSample(c: SampleMeasures, g: number, value: number, time: number): void {
  c.count[g] = 1;
  c.sum[g] = value;
  c.min[g] = value;
  c.max[g] = value;
  c.last[g] = value;
  c.lastTime[g] = time;
  c.first[g] = value;
  c.firstTime[g] = time;
}

/** Adds one sample to the non-empty state `g`. */
export function addSample(c: SampleMeasures, g: number, value: number, time: number): void {
  c.count[g]! += 1;
  c.sum[g]! += value;
  if (isBelow(value, c.min[g]!)) c.min[g] = value;
  if (isBelow(c.max[g]!, value)) c.max[g] = value;
  if (replacesLast(time, value, c.lastTime[g]!, c.last[g]!)) {
    c.last[g] = value;
    c.lastTime[g] = time;
  }
  if (replacesFirst(time, value, c.firstTime[g]!, c.first[g]!)) {
    c.first[g] = value;
    c.firstTime[g] = time;
  }
}

/** Copies state `j` of `from` over state `i` of `into`. */
export function copySampleMeasures(into: SampleMeasures, i: number, from: SampleMeasures, j: number): void {
  into.count[i] = from.count[j]!;
  into.sum[i] = from.sum[j]!;
  into.min[i] = from.min[j]!;
  into.max[i] = from.max[j]!;
  into.last[i] = from.last[j]!;
  into.lastTime[i] = from.lastTime[j]!;
  into.first[i] = from.first[j]!;
  into.firstTime[i] = from.firstTime[j]!;
}

/** Merges the non-empty state `j` of `from` into the non-empty state `i` of `into` (they may be the same columns). */
export function mergeSampleMeasures(into: SampleMeasures, i: number, from: SampleMeasures, j: number): void {
  into.count[i]! += from.count[j]!;
  into.sum[i]! += from.sum[j]!;
  if (isBelow(from.min[j]!, into.min[i]!)) into.min[i] = from.min[j]!;
  if (isBelow(into.max[i]!, from.max[j]!)) into.max[i] = from.max[j]!;
  if (replacesLast(from.lastTime[j]!, from.last[j]!, into.lastTime[i]!, into.last[i]!)) {
    into.last[i] = from.last[j]!;
    into.lastTime[i] = from.lastTime[j]!;
  }
  if (replacesFirst(from.firstTime[j]!, from.first[j]!, into.firstTime[i]!, into.first[i]!)) {
    into.first[i] = from.first[j]!;
    into.firstTime[i] = from.firstTime[j]!;
  }
}

/**
 * The same states interleaved: record g's measures at m[g * interleavedStride + i], i in sampleMeasureNames order.
 * One record's states share a cache line or two, where the columns put them in eight places: a per-row add into a
 * table of a few thousand records then stays in the nearest caches (SeriesAggregate's per-batch table).
 */
export const interleavedStride = 8;

/** Starts interleaved state `at` (an index of m: record * interleavedStride) from its first sample. */
export function startWithSampleAt(m: Float64Array, at: number, value: number, time: number): void {
  m[at] = 1; // count
  m[at + 1] = value; // sum
  m[at + 2] = value; // min
  m[at + 3] = value; // max
  m[at + 4] = value; // last
  m[at + 5] = time; // lastTime
  m[at + 6] = value; // first
  m[at + 7] = time; // firstTime
}

/** Adds one sample to the non-empty interleaved state `at`: the rules of addSample. */
export function addSampleAt(m: Float64Array, at: number, value: number, time: number): void {
  m[at]! += 1;
  m[at + 1]! += value;
  if (isBelow(value, m[at + 2]!)) m[at + 2] = value;
  if (isBelow(m[at + 3]!, value)) m[at + 3] = value;
  if (replacesLast(time, value, m[at + 5]!, m[at + 4]!)) {
    m[at + 4] = value;
    m[at + 5] = time;
  }
  if (replacesFirst(time, value, m[at + 7]!, m[at + 6]!)) {
    m[at + 6] = value;
    m[at + 7] = time;
  }
}

/** Copies the first `records` interleaved states into columns. */
export function deinterleave(m: Float64Array, records: number, into: SampleMeasures): void {
  deinterleaveOne(m, records, 0, into.count);
  deinterleaveOne(m, records, 1, into.sum);
  deinterleaveOne(m, records, 2, into.min);
  deinterleaveOne(m, records, 3, into.max);
  deinterleaveOne(m, records, 4, into.last);
  deinterleaveOne(m, records, 5, into.lastTime);
  deinterleaveOne(m, records, 6, into.first);
  deinterleaveOne(m, records, 7, into.firstTime);
}

function deinterleaveOne(m: Float64Array, records: number, i: number, column: Float64Array): void {
  for (let g = 0; g < records; g++) column[g] = m[g * interleavedStride + i]!;
}

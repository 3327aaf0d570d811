import {
  Binary,
  Float64,
  Int32,
  Int64,
  makeData,
  makeVector,
  Table,
  TimestampMillisecond,
  TimestampNanosecond,
  type Vector,
} from 'apache-arrow';
import type { BaseRecords } from '../ingest/base-records.js';
import { STAR, type CubeRecords } from '../cube/cube-records.js';
import { sketchBytes, type MeasureSketch } from '../measures/measure-sketch.js';
import { utf8ColumnFromIds } from '../parquet/utf8-column.js';

/**
 * The base records in output order as an Arrow table: hour (timestamp ms, UTC), metric, every dimension
 * (utf8, nullable), count (int64), sum, min, max, last (double), last_time (timestamp ns, UTC), first (double),
 * first_time (timestamp ns, UTC), increase (double; null unless the metric is a cumulative counter), sketch (binary;
 * a DDSketch for distribution metrics, a DataSketches HLL_8 for distinct metrics, else null).
 */
export function baseRecordsToArrow(records: BaseRecords, dayStartMs: number): Table {
  const { state, order } = records;
  const n = order.length;
  const w = state.width;
  const hour = new BigInt64Array(n);
  const count = new BigInt64Array(n);
  const sum = new Float64Array(n);
  const min = new Float64Array(n);
  const max = new Float64Array(n);
  const last = new Float64Array(n);
  const lastTime = new BigInt64Array(n);
  const first = new Float64Array(n);
  const firstTime = new BigInt64Array(n);
  const increase = new Float64Array(n);
  const metric = new Int32Array(n);
  const dims = records.dimensionNames.map(() => new Int32Array(n));
  const dayStartNs = BigInt(dayStartMs) * 1_000_000n;
  const nsHi = Number(dayStartNs >> 32n);
  const nsLo = Number(dayStartNs & 0xffffffffn);
  const [hourWords, countWords, lastWords, firstWords] = [hour, count, lastTime, firstTime].map(
    (a) => new Int32Array(a.buffer, a.byteOffset, 2 * n),
  );
  for (let r = 0; r < n; r++) {
    const g = order[r]!;
    setInt64(hourWords!, r, 0, 0, dayStartMs + state.keys[g * w]! * 3_600_000);
    metric[r] = state.keys[g * w + 1]!;
    for (let d = 0; d < dims.length; d++) dims[d]![r] = state.keys[g * w + 2 + d]!;
    setInt64(countWords!, r, 0, 0, state.count[g]!);
    sum[r] = state.sum[g]!;
    min[r] = state.min[g]!;
    max[r] = state.max[g]!;
    last[r] = state.last[g]!;
    setInt64(lastWords!, r, nsHi, nsLo, state.lastTime[g]!);
    first[r] = state.first[g]!;
    setInt64(firstWords!, r, nsHi, nsLo, state.firstTime[g]!);
    increase[r] = records.increase[g]!;
  }
  // keyed by dimension names: '__proto__' must be a column, not a prototype
  const columns = Object.create(null) as Record<string, Vector>;
  columns.hour = makeVector({ type: new TimestampMillisecond('UTC'), data: hour, length: n });
  columns.metric = utf8ColumnFromIds(metric, records.metrics);
  records.dimensionNames.forEach(
    (name, d) => (columns[name] = utf8ColumnFromIds(dims[d]!, records.dimensionValues[d]!)),
  );
  columns.count = makeVector({ type: new Int64(), data: count, length: n });
  columns.sum = makeVector({ type: new Float64(), data: sum, length: n });
  columns.min = makeVector({ type: new Float64(), data: min, length: n });
  columns.max = makeVector({ type: new Float64(), data: max, length: n });
  columns.last = makeVector({ type: new Float64(), data: last, length: n });
  columns.last_time = makeVector({ type: new TimestampNanosecond('UTC'), data: lastTime, length: n });
  columns.first = makeVector({ type: new Float64(), data: first, length: n });
  columns.first_time = makeVector({ type: new TimestampNanosecond('UTC'), data: firstTime, length: n });
  columns.increase = nullableDoubles(increase);
  const sketches = new Array<Uint8Array | null>(n);
  for (let r = 0; r < n; r++) sketches[r] = sketchBytes(records.sketches[order[r]!]);
  columns.sketch = binaryColumn(sketches);
  return new Table(columns);
}

/**
 * Writes base + offset into row r of an int64 column viewed as little-endian [lo, hi] words, exactly: the base is
 * given as words (it may exceed 2^53, e.g. epoch nanoseconds), the offset is an integer of magnitude below 2^53.
 */
function setInt64(words: Int32Array, r: number, baseHi: number, baseLo: number, offset: number): void {
  const offsetHi = Math.floor(offset / two32);
  let lo = baseLo + (offset - offsetHi * two32);
  let hi = baseHi + offsetHi;
  if (lo >= two32) {
    lo -= two32;
    hi += 1;
  }
  words[2 * r] = lo | 0;
  words[2 * r + 1] = hi | 0;
}

const two32 = 4294967296;

/** A nullable binary column (sketch bytes: DDSketch for distributions, DataSketches HLL_8 for distinct counts). */
function binaryColumn(values: readonly (Uint8Array | null)[]): Vector {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    offsets[i + 1] = offsets[i]! + (v?.length ?? 0);
    if (v) bitmap[i >> 3]! |= 1 << (i & 7);
    else nulls++;
  }
  const data = new Uint8Array(offsets[n]!);
  values.forEach((v, i) => v && data.set(v, offsets[i]!));
  return makeVector(
    makeData({
      type: new Binary(),
      length: n,
      nullCount: nulls,
      nullBitmap: nulls > 0 ? bitmap : null,
      valueOffsets: offsets,
      data,
    }),
  );
}

/** A double column where NaN is written as null. */
function nullableDoubles(values: Float64Array): Vector {
  const n = values.length;
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i]!)) nulls++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return makeVector(
    makeData({ type: new Float64(), length: n, nullCount: nulls, nullBitmap: nulls > 0 ? bitmap : null, data: values }),
  );
}

/**
 * Cube records (star-tree records or cuboid records) as an Arrow table: hour, each split dimension (STAR as null),
 * grouping_id (bit i set = split dimension i is STAR, as SQL's GROUPING_ID), and the measure states:
 * count, sum, min, max, last, last_time, last_sum (sum over series of each series' last value), first, first_time,
 * increase (summed counter increases; null unless the metric is a cumulative counter).
 */
export function cubeRecordsToArrow(
  records: CubeRecords,
  dimensions: readonly string[],
  dictionaries: readonly (readonly (string | null)[])[],
  dayStartMs: number,
): Table {
  const n = records.length;
  const w = records.width;
  const keys = records.keys;
  const hour = new BigInt64Array(n);
  const groupingId = new Int32Array(n);
  const ids = dimensions.map(() => new Int32Array(n));
  const count = new BigInt64Array(n);
  const lastTime = new BigInt64Array(n);
  const firstTime = new BigInt64Array(n);
  const dayStartNs = BigInt(dayStartMs) * 1_000_000n;
  const nsHi = Number(dayStartNs >> 32n);
  const nsLo = Number(dayStartNs & 0xffffffffn);
  const [hourWords, countWords, lastWords, firstWords] = [hour, count, lastTime, firstTime].map(
    (a) => new Int32Array(a.buffer, a.byteOffset, 2 * n),
  );
  const { count: counts, lastTime: lastTimes, firstTime: firstTimes } = records.m;
  for (let r = 0; r < n; r++) {
    setInt64(hourWords!, r, 0, 0, dayStartMs + keys[r * w]! * 3_600_000);
    let mask = 0;
    for (let d = 0; d < dimensions.length; d++) {
      const id = keys[r * w + 1 + d]!;
      ids[d]![r] = id;
      if (id === STAR) mask |= 1 << d;
    }
    groupingId[r] = mask;
    setInt64(countWords!, r, 0, 0, exactInteger(counts[r]!));
    setInt64(lastWords!, r, nsHi, nsLo, exactInteger(lastTimes[r]!));
    setInt64(firstWords!, r, nsHi, nsLo, exactInteger(firstTimes[r]!));
  }
  const columns = Object.create(null) as Record<string, Vector>; // keyed by dimension names, as above
  columns.hour = makeVector({ type: new TimestampMillisecond('UTC'), data: hour, length: n });
  dimensions.forEach((name, d) => (columns[name] = utf8ColumnFromIds(ids[d]!, dictionaries[d]!)));
  columns.grouping_id = makeVector({ type: new Int32(), data: groupingId, length: n });
  columns.count = makeVector({ type: new Int64(), data: count, length: n });
  for (const [column, m] of [
    ['sum', 'sum'],
    ['min', 'min'],
    ['max', 'max'],
    ['last', 'last'],
  ] as const) {
    columns[column] = makeVector({ type: new Float64(), data: records.m[m].slice(0, n), length: n });
  }
  columns.last_time = makeVector({ type: new TimestampNanosecond('UTC'), data: lastTime, length: n });
  columns.last_sum = makeVector({ type: new Float64(), data: records.m.lastSum.slice(0, n), length: n });
  columns.first = makeVector({ type: new Float64(), data: records.m.first.slice(0, n), length: n });
  columns.first_time = makeVector({ type: new TimestampNanosecond('UTC'), data: firstTime, length: n });
  columns.increase = nullableDoubles(records.m.increase.slice(0, n));
  // records share sketch objects (copies in star nodes): each object is encoded once
  const encoded = new Map<MeasureSketch, Uint8Array | null>();
  const bytesOf = (s: MeasureSketch | undefined): Uint8Array | null => {
    if (s === undefined) return null;
    let bytes = encoded.get(s);
    if (bytes === undefined) encoded.set(s, (bytes = sketchBytes(s)));
    return bytes;
  };
  const sketches = new Array<Uint8Array | null>(n); // a plain loop: Array.from with a function is several times slower
  for (let r = 0; r < n; r++) sketches[r] = bytesOf(records.sketches[r]);
  columns.sketch = binaryColumn(sketches);
  return new Table(columns);
}

/** `x` itself when it is an integer of magnitude below 2^53 (what BigInt(x) would take exactly), else a throw. */
function exactInteger(x: number): number {
  if (!Number.isSafeInteger(x)) throw new RangeError(`cube record value ${x} is not an integer below 2^53`);
  return x;
}

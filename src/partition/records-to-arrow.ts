import {
  Binary,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMillisecond,
  TimestampNanosecond,
  type Vector,
} from 'apache-arrow';
import type { BaseRecords } from '../ingest/base-records.js';
import { STAR, type CubeRecords } from '../cube/cube-records.js';
import { sketchBytes, type MeasureSketch } from '../measures/measure-sketch.js';
import { dictionaryColumnFromIds } from '../parquet/utf8-column.js';

/**
 * The base records in output order as an Arrow table: hour (timestamp ms, UTC), metric, every dimension
 * (utf8, nullable), count (int64), sum, min, max, last (double), last_time (timestamp ns, UTC), first (double),
 * first_time (timestamp ns, UTC), increase (double; null unless the metric is a cumulative counter), sketch (binary;
 * a DDSketch for distribution metrics, a DataSketches HLL_8 for distinct metrics, else null).
 */
export function baseRecordsToArrow(records: BaseRecords, dayStartMs: number, encoded: SketchBytes = new Map()): Table {
  // every loop is a small function of typed arrays: one big function was optimised, deoptimised and compiled again
  // some 20 times per run (on-stack replacement in its first loop, then code after it without type feedback)
  const { state, order } = records;
  const n = order.length;
  const w = state.width;
  const dayStartNs = BigInt(dayStartMs) * 1_000_000n;
  // keyed by dimension names: '__proto__' must be a column, not a prototype
  const columns = Object.create(null) as Record<string, Vector>;
  columns.hour = makeVector({
    type: new TimestampMillisecond('UTC'),
    data: hourColumn(state.keys, w, order, n, dayStartMs),
    length: n,
  });
  const ids = keyColumns(state.keys, w, 1, w - 1, order, n); // metric, then each dimension
  columns.metric = dictionaryColumnFromIds(ids[0]!, records.metrics);
  records.dimensionNames.forEach(
    (name, d) => (columns[name] = dictionaryColumnFromIds(ids[1 + d]!, records.dimensionValues[d]!)),
  );
  columns.count = makeVector({ type: new Int64(), data: int64Column(state.count, order, n, 0n), length: n });
  columns.sum = doubles(gatherDoubles(state.sum, order, n));
  columns.min = doubles(gatherDoubles(state.min, order, n));
  columns.max = doubles(gatherDoubles(state.max, order, n));
  columns.last = doubles(gatherDoubles(state.last, order, n));
  columns.last_time = nanoseconds(int64Column(state.lastTime, order, n, dayStartNs));
  columns.first = doubles(gatherDoubles(state.first, order, n));
  columns.first_time = nanoseconds(int64Column(state.firstTime, order, n, dayStartNs));
  columns.increase = nullableDoubles(gatherDoubles(records.increase, order, n));
  columns.sketch = binaryColumn(sketchColumnBytes(records.sketches, order, order.length, encoded));
  return tableOf(columns, [...records.dimensionNames, 'increase', 'sketch']);
}

/**
 * Bytes of sketches already encoded, by sketch object. The tables of one segment share it: the star-tree's records
 * share the base records' sketch objects (and cuboid records the tree's), and each is encoded once. Only for sketches
 * that no longer change (the records are complete), as every caller's are.
 */
export type SketchBytes = Map<MeasureSketch, Uint8Array | null>;

/**
 * The bytes of sketches[order[r]] (order null: sketches[r]) for each of n rows; records share sketch objects (star
 * nodes hold copies, the star-tree the base records'): each is encoded once. One loop for every table of a segment, so
 * the base records' call leaves type feedback for both sketch kinds (two loops were each compiled on-stack with one
 * kind seen, then deoptimised at the other).
 */
function sketchColumnBytes(
  sketches: readonly (MeasureSketch | undefined)[],
  order: Int32Array | null,
  n: number,
  encoded: SketchBytes,
): (Uint8Array | null)[] {
  const out = new Array<Uint8Array | null>(n); // a plain loop: Array.from with a function is several times slower
  for (let r = 0; r < n; r++) out[r] = bytesOf(sketches[order === null ? r : order[r]!], encoded);
  return out;
}

/** The stored bytes of `s` (null: none), encoded on first use. */
function bytesOf(s: MeasureSketch | undefined, encoded: SketchBytes): Uint8Array | null {
  if (s === undefined) return null;
  let bytes = encoded.get(s);
  if (bytes === undefined) encoded.set(s, (bytes = sketchBytes(s)));
  return bytes;
}

/** A double column over `values` (no copy). */
const doubles = (values: Float64Array): Vector =>
  makeVector({ type: new Float64(), data: values, length: values.length });

/** A nanosecond timestamp column (UTC) over `values` (no copy). */
const nanoseconds = (values: BigInt64Array): Vector =>
  makeVector({ type: new TimestampNanosecond('UTC'), data: values, length: values.length });

/**
 * Key columns first .. first + count - 1 as columns: out[c][r] = keys[g * w + first + c] of record g = order[r] (order
 * null: g = r). One pass over the records' key rows for every column (a pass per column read each row again).
 */
function keyColumns(
  keys: Int32Array,
  w: number,
  first: number,
  count: number,
  order: Int32Array | null,
  n: number,
): Int32Array[] {
  const all = new Int32Array(count * n); // column c = all[c * n, (c + 1) * n)
  if (order === null) transposeKeys(keys, w, first, count, n, all);
  else transposeOrderedKeys(keys, w, first, count, order, all);
  return Array.from({ length: count }, (_, c) => all.subarray(c * n, (c + 1) * n));
}

/** all[c * n + r] = keys[r * w + first + c]. */
function transposeKeys(keys: Int32Array, w: number, first: number, count: number, n: number, all: Int32Array): void {
  for (let r = 0; r < n; r++) for (let c = 0; c < count; c++) all[c * n + r] = keys[r * w + first + c]!;
}

/** all[c * n + r] = keys[order[r] * w + first + c]. */
function transposeOrderedKeys(
  keys: Int32Array,
  w: number,
  first: number,
  count: number,
  order: Int32Array,
  all: Int32Array,
): void {
  const n = order.length;
  for (let r = 0; r < n; r++) {
    const g = order[r]! * w + first;
    for (let c = 0; c < count; c++) all[c * n + r] = keys[g + c]!;
  }
}

/** Row r = values[order[r]]; with order null a view of the first n values (the records no longer change). */
function gatherDoubles(values: Float64Array, order: Int32Array | null, n: number): Float64Array {
  if (order === null) return values.subarray(0, n);
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) out[r] = values[order[r]!]!;
  return out;
}

/** Epoch ms of each record's hour (key column 0, hours after the day's start). */
function hourColumn(
  keys: Int32Array,
  w: number,
  order: Int32Array | null,
  n: number,
  dayStartMs: number,
): BigInt64Array {
  const out = new BigInt64Array(n);
  const words = new Int32Array(out.buffer, 0, 2 * n);
  let hour = -1; // hours are 0..23: the words are computed again only where the hour changes (rows are sorted by it)
  let lo = 0;
  let hi = 0;
  for (let r = 0; r < n; r++) {
    const h = keys[(order === null ? r : order[r]!) * w]!;
    if (h !== hour) {
      hour = h;
      const ms = dayStartMs + h * 3_600_000;
      hi = Math.floor(ms / two32);
      lo = ms - hi * two32;
    }
    words[2 * r] = lo | 0;
    words[2 * r + 1] = hi | 0;
  }
  return out;
}

/**
 * Row r = base + values[order[r]] as int64, exactly (base may exceed 2^53: epoch nanoseconds); with `checked`, a
 * value that is not an integer below 2^53 throws.
 */
function int64Column(
  values: Float64Array,
  order: Int32Array | null,
  n: number,
  base: bigint,
  checked = false,
): BigInt64Array {
  if (checked) checkIntegers(values, n);
  const out = new BigInt64Array(n);
  writeInt64s(new Int32Array(out.buffer, 0, 2 * n), values, order, Number(base >> 32n), Number(base & 0xffffffffn));
  return out;
}

/** Throws unless each of the first n values is an integer of magnitude below 2^53 (what BigInt(x) takes exactly). */
function checkIntegers(values: Float64Array, n: number): void {
  for (let r = 0; r < n; r++) {
    const x = values[r]!;
    if (!Number.isSafeInteger(x)) throw new RangeError(`cube record value ${x} is not an integer below 2^53`);
  }
}

/**
 * Writes base + values[order[r]] (order null: values[r]) into row r of an int64 column viewed as little-endian
 * [lo, hi] words, exactly: the base is given as words (it may exceed 2^53, e.g. epoch nanoseconds), each value is an
 * integer of magnitude below 2^53. (One plain loop, every row through the same code.)
 */
function writeInt64s(
  words: Int32Array,
  values: Float64Array,
  order: Int32Array | null,
  baseHi: number,
  baseLo: number,
): void {
  const n = words.length >> 1;
  for (let r = 0; r < n; r++) {
    const offset = values[order === null ? r : order[r]!]!;
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
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v) data.set(v, offsets[i]!);
  }
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
 * The double columns are views of the records' own columns: the records must not change while the table is used.
 */
export function cubeRecordsToArrow(
  records: CubeRecords,
  dimensions: readonly string[],
  dictionaries: readonly (readonly (string | null)[])[],
  dayStartMs: number,
  encoded: SketchBytes = new Map(),
): Table {
  const n = records.length;
  const w = records.width;
  const keys = records.keys;
  const m = records.m;
  const dayStartNs = BigInt(dayStartMs) * 1_000_000n;
  const ids = keyColumns(keys, w, 1, dimensions.length, null, n);
  const columns = Object.create(null) as Record<string, Vector>; // keyed by dimension names, as above
  columns.hour = makeVector({
    type: new TimestampMillisecond('UTC'),
    data: hourColumn(keys, w, null, n, dayStartMs),
    length: n,
  });
  dimensions.forEach((name, d) => (columns[name] = dictionaryColumnFromIds(ids[d]!, dictionaries[d]!)));
  columns.grouping_id = makeVector({ type: new Int32(), data: groupingIds(ids, n), length: n });
  columns.count = makeVector({ type: new Int64(), data: int64Column(m.count, null, n, 0n, true), length: n });
  columns.sum = doubles(m.sum.subarray(0, n));
  columns.min = doubles(m.min.subarray(0, n));
  columns.max = doubles(m.max.subarray(0, n));
  columns.last = doubles(m.last.subarray(0, n));
  columns.last_time = nanoseconds(int64Column(m.lastTime, null, n, dayStartNs, true));
  columns.last_sum = doubles(m.lastSum.subarray(0, n));
  columns.first = doubles(m.first.subarray(0, n));
  columns.first_time = nanoseconds(int64Column(m.firstTime, null, n, dayStartNs, true));
  columns.increase = nullableDoubles(m.increase.subarray(0, n));
  columns.sketch = binaryColumn(sketchColumnBytes(records.sketches, null, n, encoded));
  return tableOf(columns, [...dimensions, 'increase', 'sketch']);
}

/**
 * A table of `columns`, in their order, whose fields are nullable only where named in `nullable`: Parquet writes the
 * others REQUIRED, so that readers of a column that never holds a null decode no definition levels for it.
 */
function tableOf(columns: Readonly<Record<string, Vector>>, nullable: readonly string[]): Table {
  const names = Object.keys(columns);
  const fields = names.map((name) => new Field(name, columns[name]!.type, nullable.includes(name)));
  const schema = new Schema(fields);
  const children = names.map((name) => {
    const chunks = columns[name]!.data;
    if (chunks.length !== 1) throw new Error(`records-to-arrow column ${name} has ${chunks.length} chunks, not 1`);
    return chunks[0]!;
  });
  const length = children[0]?.length ?? 0;
  return new Table(
    schema,
    new RecordBatch(schema, makeData({ type: new Struct(fields), length, nullCount: 0, children })),
  );
}

/** Bit d set where dimension d's id is STAR. */
function groupingIds(ids: readonly Int32Array[], n: number): Int32Array {
  const out = new Int32Array(n);
  for (let d = 0; d < ids.length; d++) {
    const column = ids[d]!;
    const bit = 1 << d;
    for (let r = 0; r < n; r++) if (column[r] === STAR) out[r]! |= bit;
  }
  return out;
}

import { DataType, type Data, type RecordBatch } from 'apache-arrow';
import { ByteDictionary } from './byte-dictionary.js';
import type { CounterSampleLog } from '../measures/counter-increase.js';
import { isValidAt, validityOf } from '../parquet/arrow-validity.js';
import {
  ColumnTypeError,
  decodeValues,
  DictionaryCodeIds,
  encodeDimension,
  timestampUnitOf,
  timestampWords,
} from './encode-column.js';
import { layoutFor, packKeys, unpackPart, type KeyPartColumn } from './packed-key.js';
import { BatchAggregate } from './batch-aggregate.js';
import type { SeriesAggregate } from './series-aggregate.js';
import { bucketTimestamps, previousDay } from './time-bucket.js';
import type { RawFileSpec } from './raw-file-spec.js';
import type { RejectReason } from './reject-reason.js';

/** A part of the group key as the batch holds it, and how one of its values becomes an id of the file's dictionary. */
interface BatchKeyPart extends KeyPartColumn {
  // values are the batch's dictionary codes (null: `nullValue`), else file dictionary ids (null: id 0) or hours
  readonly codes: boolean;
  readonly codeIds?: DictionaryCodeIds; // dictionary codes: the file id of each code's value
  readonly fileIds?: Int32Array; // dictionary codes: code -> file id, -1 until first used (fileIdOf's answers)
  readonly absent?: boolean; // a dimension column missing from the file: null on every row
}

/** The file dictionary id of a value of `part` (a dictionary code, a file id, or an hour). */
function fileIdOf(part: BatchKeyPart, value: number): number {
  if (part.codeIds) return value === part.nullValue ? ByteDictionary.nullId : part.codeIds.idOf(value);
  return part.absent ? ByteDictionary.nullId : value;
}

/** What one raw file accumulates across its batches. */
export interface FileAccumulator {
  readonly spec: RawFileSpec;
  readonly presentDimensions: ReadonlySet<string>;
  readonly uuidColumns: ReadonlySet<string>; // columns of Parquet type UUID: keyed by their canonical text
  readonly metricDict: ByteDictionary;
  readonly dimDicts: readonly ByteDictionary[]; // one per spec dimension
  readonly aggregate: SeriesAggregate; // keys: [hour, metric id, ...dimension ids]
  readonly counterLog: CounterSampleLog;
  readonly rejected: Record<RejectReason, number>;
  readonly counts: { routed: number; late: number; ignored: number };
  readonly earlierGroups: number; // series-hours of the file's chunks before this one (the limit counts them too)
}

/**
 * Bounds that keep memory bounded on hostile input: past them the run halts with a clear error instead of being
 * OOM-killed.
 */
export class LimitError extends Error {
  override readonly name = 'LimitError';
  constructor(
    readonly limit: 'groups' | 'distinctValues' | 'valueBytes', // the field of output.limits to raise
    message: string,
    readonly dimension?: string, // the dimension past it, which the job could drop instead
  ) {
    super(message);
  }
}

/**
 * Aggregates one record batch into the file's aggregate. Rows are grouped on their packed key (hour, metric and
 * dimension codes as the batch holds them, usually dictionary codes), and only each distinct key is translated to the
 * file's ids and merged: the per-row work never touches a string or a per-dimension id.
 */
export function aggregateBatch(batch: RecordBatch, file: FileAccumulator): void {
  const { spec } = file;
  const n = batch.numRows;
  if (n === 0) return;
  const b = scratch;
  b.ensure(n, 2 + spec.dimensions.length);
  const column = (name: string): Data => batch.getChild(name)!.data[0]!;
  const ts = column(spec.timestampColumn);
  const { words, first } = timestampWords(ts);
  bucketTimestamps(words, first, n, timestampUnitOf(spec.timestampColumn, ts), spec.dayStartMs, b.hour, b.time);
  decodeValues(spec.valueColumn, column(spec.valueColumn), b.value, b.valid);
  const metric = keyPartOf(spec.metricColumn, column(spec.metricColumn), file.metricDict, b, 1, file.uuidColumns);
  const parts: BatchKeyPart[] = [keyPart({ values: b.hour, nullValue: 0, bound: 24, codes: false }), metric];
  spec.dimensions.forEach((name, d) => {
    parts.push(
      file.presentDimensions.has(name)
        ? keyPartOf(name, column(name), file.dimDicts[d]!, b, 2 + d, file.uuidColumns)
        : absentPart,
    );
  });
  checkDistinct(file);
  const metricOk = metricValidity(metric, n, b.metricOk);
  const accepted = acceptRows(file, n, ts, metricOk, b);
  const m =
    file.spec.distributionMetrics.length > 0 && hasNegative(b.value, n)
      ? rejectNegativeDistributionSamples(file, metric, accepted, b)
      : accepted;

  const layout = layoutFor(parts.map((p) => p.bound));
  const packed = b.words.slice(0, layout.words);
  const tooWide = packKeys(parts, layout, n, packed);
  if (tooWide >= 0) {
    const name = tooWide === 1 ? spec.metricColumn : spec.dimensions[tooWide - 2]!;
    throw new ColumnTypeError(name, `dictionary codes below ${parts[tooWide]!.bound - 1}`, 'a larger code');
  }
  const local = b.aggregate(layout.words);
  local.addRows(packed, b.rows, m, b.value, b.time, b.groups);

  const state = local.view();
  const groupMap = b.groupMap(state.groups);
  const fileKeys = parts.map((part, j) => {
    const column = b.keyColumn(j, state.groups);
    unpackPart(state.keys, state.groups, layout, j, column);
    toFileIds(part, column, state.groups, n);
    return column;
  });
  file.aggregate.mergeState(fileKeys, state, groupMap);
  if (file.earlierGroups + file.aggregate.groups > spec.limits.groups)
    throw new LimitError('groups', `more than ${spec.limits.groups} series-hours`);
  checkDistinct(file);
  logSampledRows(file, metric, m, groupMap, b);
}

/**
 * Turns a part's values of the batch's distinct keys into file ids, in place. Dictionary codes go through the part's
 * table, filled in group order on first use (so ids are interned in the same order as by calling fileIdOf per group).
 */
function toFileIds(part: BatchKeyPart, column: Int32Array, count: number, rows: number): void {
  if (part.fileIds && part.codeIds) {
    if (column.subarray(0, count).includes(part.nullValue)) refuseValidNullCode(part, part.codeIds, rows);
    codesToFileIds(part.fileIds, part.codeIds, part.nullValue, column, count);
  } else if (part.absent) column.fill(ByteDictionary.nullId, 0, count);
}

/**
 * A dictionary part's null code is one past the dictionary: a group holding it is null rows, unless a valid row holds
 * that code too (a damaged file; the row has no value). Throws for such a row, naming the column and the code.
 */
function refuseValidNullCode(part: BatchKeyPart, codeIds: DictionaryCodeIds, rows: number): void {
  const { values, valid, validBits, nullValue } = part;
  for (let i = 0; i < rows; i++) {
    if (values[i] !== nullValue) continue;
    const j = validBits ? validBits.offset + i : 0;
    const isValid = valid ? valid[i] === 1 : validBits ? ((validBits.bitmap[j >> 3]! >> (j & 7)) & 1) === 1 : true;
    if (isValid) codeIds.idOf(nullValue); // throws: no value has this code
  }
}

function codesToFileIds(
  table: Int32Array,
  codeIds: DictionaryCodeIds,
  nullCode: number,
  column: Int32Array,
  count: number,
): void {
  for (let g = 0; g < count; g++) {
    const code = column[g]!;
    let id = table[code] ?? -1; // past the table: codeIds says what is wrong with the code
    if (id < 0) {
      id = code === nullCode ? ByteDictionary.nullId : codeIds.idOf(code);
      if (code < table.length) table[code] = id;
    }
    column[g] = id;
  }
}

/** Sorts each row into accepted (listed in b.rows; returns how many) or a reject reason, counted in `file`. */
function acceptRows(file: FileAccumulator, n: number, ts: Data, metricOk: Uint8Array, b: BatchScratch): number {
  const { rejected, counts, spec } = file;
  const tsHasNulls = ts.nullCount > 0;
  const late = spec.role === 'late';
  const { hour, valid, value, rows } = b;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const h = hour[i]!;
    if (late) {
      if (h < 0 || (tsHasNulls && !isValidAt(ts, i))) {
        counts.ignored++;
        continue;
      }
      counts.late++;
    }
    const v = value[i]!;
    if (h >= 0 && metricOk[i] === 1 && valid[i] === 1 && v - v === 0 && !(tsHasNulls && !isValidAt(ts, i)))
      rows[m++] = i;
    else if (tsHasNulls && !isValidAt(ts, i)) rejected.null_timestamp++;
    else if (h === previousDay && spec.routesPreviousDay) counts.routed++;
    else if (h < 0) rejected.timestamp_outside_day++;
    else if (metricOk[i] === 0) rejected.null_metric++;
    else if (valid[i] === 0) rejected.null_value++;
    else if (Number.isNaN(v)) rejected.nan_value++;
    else rejected.infinite_value++;
  }
  return m;
}

/** Whether any of values[0..n) is below 0 (a pass of its own: a test in acceptRows' loop cost it ~1% of a run). */
function hasNegative(values: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (values[i]! < 0) return true;
  return false;
}

/**
 * Takes out of the accepted rows `b.rows[0..m)` the samples below 0 of distribution metrics (a latency sketch holds
 * values >= 0; a negative latency is a producer's clock skew), counted as `negative_distribution_value`. Returns the
 * rows left.
 */
function rejectNegativeDistributionSamples(file: FileAccumulator, metric: BatchKeyPart, m: number, b: BatchScratch) {
  const { rows, value } = b;
  const distribution = b.sampledBuffer(metric.bound); // by metric value in the batch: 1 a distribution, 0 not, -1 unknown
  let kept = 0;
  for (let k = 0; k < m; k++) {
    const i = rows[k]!;
    if (value[i]! < 0) {
      const v = metric.values[i]!;
      if (distribution[v] === -1) distribution[v] = namesOneOf(file, metric, v, file.spec.distributionMetrics);
      if (distribution[v] === 1) {
        file.rejected.negative_distribution_value++;
        continue;
      }
    }
    rows[kept++] = i;
  }
  return kept;
}

/** Logs the samples of cumulative and distribution metrics, by the file group each accepted row went to. */
function logSampledRows(
  file: FileAccumulator,
  metric: BatchKeyPart,
  m: number,
  groupMap: Int32Array,
  b: BatchScratch,
): void {
  if (file.spec.sampledMetrics.length === 0) return;
  const s = gatherSamples(file, metric, m, groupMap, b);
  file.counterLog.append(b.sampleGroup, b.sampleTime, b.sampleValue, s);
}

/** Writes the samples of sampled metrics to b.sampleGroup, sampleTime and sampleValue; returns how many. */
function gatherSamples(file: FileAccumulator, metric: BatchKeyPart, m: number, groupMap: Int32Array, b: BatchScratch) {
  // by metric value in the batch: 1 sampled, 0 not, -1 not looked up
  const sampled = b.sampledBuffer(metric.bound);
  const { rows, groups, time, value, sampleGroup, sampleTime, sampleValue } = b;
  const metricValues = metric.values;
  let s = 0;
  for (let k = 0; k < m; k++) {
    const i = rows[k]!;
    const v = metricValues[i]!;
    if (sampled[v] === -1) sampled[v] = namesOneOf(file, metric, v, file.spec.sampledMetrics);
    if (sampled[v] === 1) {
      sampleGroup[s] = groupMap[groups[k]!]!;
      sampleTime[s] = time[i]!;
      sampleValue[s++] = value[i]!;
    }
  }
  return s;
}

/** 1 when the batch's metric value `v` names one of `metrics` (sampled ones, distributions), else 0. */
function namesOneOf(file: FileAccumulator, metric: BatchKeyPart, v: number, metrics: readonly string[]): number {
  const name = file.metricDict.text(fileIdOf(metric, v));
  return name !== null && metrics.includes(name) ? 1 : 0;
}

/**
 * The key part of a string or integer column: a dictionary column's own codes (the null value is one past the
 * dictionary), else the file dictionary's ids of the values.
 */
function keyPartOf(
  name: string,
  data: Data,
  dict: ByteDictionary,
  b: BatchScratch,
  slot: number,
  uuids: ReadonlySet<string>,
): BatchKeyPart {
  if (DataType.isDictionary(data.type) && data.values instanceof Int32Array && data.dictionary) {
    const size = data.dictionary.length;
    const codeIds = new DictionaryCodeIds(name, data, dict, uuids.has(name));
    const nulls = data.nullCount > 0 && data.nullBitmap !== null && data.nullBitmap.length > 0;
    return keyPart({
      values: data.values,
      // the metric's validity bytes also sort rows (acceptRows); a dimension's bitmap is read as it packs
      valid: nulls && slot === 1 ? validityOf(data, b.validity[slot]!) : undefined,
      validBits: nulls && slot !== 1 ? { bitmap: data.nullBitmap, offset: data.offset } : undefined,
      nullValue: size,
      bound: size + 1,
      checked: true,
      codes: true,
      codeIds,
      fileIds: new Int32Array(size + 1).fill(-1),
    });
  }
  const ids = b.ids[slot]!;
  encodeDimension(name, data, dict, ids, uuids.has(name));
  return keyPart({ values: ids, nullValue: ByteDictionary.nullId, bound: dict.count, codes: false });
}

/** A BatchKeyPart with every field present, in one order: the loops over parts see one object shape. */
function keyPart(p: BatchKeyPart): BatchKeyPart {
  return {
    values: p.values,
    valid: p.valid,
    validBits: p.validBits,
    nullValue: p.nullValue,
    bound: p.bound,
    checked: p.checked ?? false,
    codes: p.codes,
    codeIds: p.codeIds,
    fileIds: p.fileIds,
    absent: p.absent ?? false,
  };
}

/** A dimension column missing from the file: null on every row, no bits in the key. */
const absentPart: BatchKeyPart = keyPart({
  values: new Int32Array(0),
  nullValue: 0,
  bound: 1,
  codes: false,
  absent: true,
});

function metricValidity(metric: BatchKeyPart, n: number, out: Uint8Array): Uint8Array {
  if (metric.codes) return metric.valid ?? out.fill(1, 0, n); // dictionary codes: nulls are the column's validity
  const ids = metric.values;
  for (let i = 0; i < n; i++) out[i] = ids[i] === ByteDictionary.nullId ? 0 : 1;
  return out;
}

function checkDistinct(file: FileAccumulator): void {
  const { limits, metricColumn, dimensions } = file.spec;
  if (file.metricDict.distinctValues > limits.distinctValues)
    throw new LimitError(
      'distinctValues',
      `column '${metricColumn}' has more than ${limits.distinctValues} distinct metrics`,
    );
  checkValueBytes(file.metricDict, `column '${metricColumn}'`, limits.valueBytes, undefined);
  file.dimDicts.forEach((dict, d) => {
    if (dict.distinctValues > limits.distinctValues)
      throw new LimitError(
        'distinctValues',
        `dimension '${dimensions[d]}' has more than ${limits.distinctValues} distinct values`,
        dimensions[d],
      );
    checkValueBytes(dict, `dimension '${dimensions[d]}'`, limits.valueBytes, dimensions[d]);
  });
}

/**
 * Refuses a value longer than `limit` bytes: every record, star node, spill piece and day unit carries its series'
 * values, and the memory plans count records, not bytes, so 50 KB values would take the run far past its budget.
 */
function checkValueBytes(dict: ByteDictionary, what: string, limit: number, dimension: string | undefined): void {
  if (dict.longestBytes <= limit) return;
  const value = dict.longestValue() ?? '';
  throw new LimitError(
    'valueBytes',
    `valueBytes ${what} has a value of ${dict.longestBytes} bytes, over ${limit} ` +
      `(${JSON.stringify(value.slice(0, 40))}${value.length > 40 ? '...' : ''})`,
    dimension,
  );
}

/**
 * Per-batch scratch arrays, grown on demand and reused by every file this thread reads (a batch is aggregated
 * synchronously).
 */
class BatchScratch {
  hour = new Int32Array(0);
  time = new Float64Array(0);
  value = new Float64Array(0);
  valid = new Uint8Array(0);
  metricOk = new Uint8Array(0);
  rows = new Int32Array(0); // accepted rows of the batch
  groups = new Int32Array(0); // batch group of each accepted row
  sampleGroup = new Int32Array(0); // the batch's counter samples: file group, time and value
  sampleTime = new Float64Array(0);
  sampleValue = new Float64Array(0);
  ids: Int32Array[] = []; // per key part: file dictionary ids (plain string and integer columns)
  validity: Uint8Array[] = []; // per key part: validity bytes (dictionary columns with nulls)
  words: Int32Array[] = []; // packed key words
  private local: BatchAggregate | undefined;
  private groupMapBuffer = new Int32Array(0);
  private sampled = new Int8Array(0);
  private keyColumns: Int32Array[] = []; // per key part: the file ids of the batch's groups

  ensure(n: number, parts: number): void {
    if (this.hour.length < n) {
      this.hour = new Int32Array(n);
      this.time = new Float64Array(n);
      this.value = new Float64Array(n);
      this.valid = new Uint8Array(n);
      this.metricOk = new Uint8Array(n);
      this.rows = new Int32Array(n);
      this.groups = new Int32Array(n);
      this.sampleGroup = new Int32Array(n);
      this.sampleTime = new Float64Array(n);
      this.sampleValue = new Float64Array(n);
      this.ids = [];
      this.validity = [];
      this.words = [];
    }
    while (this.ids.length < parts) this.ids.push(new Int32Array(this.hour.length));
    while (this.validity.length < parts) this.validity.push(new Uint8Array(this.hour.length));
    while (this.words.length < parts) this.words.push(new Int32Array(this.hour.length));
  }

  /** An empty aggregate of `width` key words, reused across batches. */
  aggregate(width: number): BatchAggregate {
    if (this.local?.width !== width) this.local = new BatchAggregate(width, 4096);
    else this.local.clear();
    return this.local;
  }

  /** `bound` bytes set to -1 (a metric value not looked up yet). */
  sampledBuffer(bound: number): Int8Array {
    if (this.sampled.length < bound) this.sampled = new Int8Array(Math.max(bound, this.sampled.length * 2));
    return this.sampled.fill(-1, 0, bound);
  }

  /** Key part j's column for `groups` groups (at least that long). */
  keyColumn(j: number, groups: number): Int32Array {
    while (this.keyColumns.length <= j) this.keyColumns.push(new Int32Array(0));
    if (this.keyColumns[j]!.length < groups)
      this.keyColumns[j] = new Int32Array(Math.max(groups, 2 * this.keyColumns[j]!.length));
    return this.keyColumns[j]!;
  }

  groupMap(groups: number): Int32Array {
    if (this.groupMapBuffer.length < groups)
      this.groupMapBuffer = new Int32Array(Math.max(groups, this.groupMapBuffer.length * 2));
    return this.groupMapBuffer;
  }
}

const scratch = new BatchScratch();

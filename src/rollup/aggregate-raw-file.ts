import type { Data, Table as ArrowTable } from 'apache-arrow';
import { ByteDictionary } from '../cube/byte-dictionary.js';
import { CounterSampleLog, type CounterSamples } from '../cube/counter-increase.js';
import { ColumnTypeError, decodeValues, encodeDimension, isValidAt, timestampUnitOf, timestampWords } from '../cube/encode-column.js';
import { SeriesAggregate, type AggregateState } from '../cube/series-aggregate.js';
import { bucketTimestamps, previousDay } from '../cube/time-bucket.js';
import { openParquet } from '../parquet/read-parquet.js';

/** Why a raw row was not aggregated; counted per reason in the manifest. */
export const rejectReasons = ['null_timestamp', 'timestamp_outside_day', 'null_metric', 'null_value', 'nan_value', 'infinite_value', 'unknown_metric'] as const;
export type RejectReason = (typeof rejectReasons)[number];

/** Which columns of a raw file play which role, and which day is being rolled up. */
export interface RawFileSpec {
  readonly timestampColumn: string;
  readonly metricColumn: string;
  readonly valueColumn: string;
  readonly dimensions: readonly string[];
  readonly dayStartMs: number; // 00:00 UTC of the partition day, epoch milliseconds
  readonly role: 'own' | 'late'; // own: a file of this day; late: a file of the next day read for this day's late rows
  readonly routesPreviousDay: boolean; // own file early in the day: rows of the day before are that day's late data
  readonly limits: RollupLimits;
  readonly sampledMetrics: readonly string[]; // metrics whose samples are logged: counters (increase), distributions (quantiles)
}

/** Bounds that keep memory bounded on hostile input: past them the run halts with a clear error instead of being OOM-killed. */
export interface RollupLimits {
  readonly distinctValues: number; // distinct values of one dimension in one partition
  readonly groups: number; // series-hours (base records) in one partition
}

/** A partition exceeds a configured bound; the message says which and how to raise it. */
export class LimitError extends Error {
  override readonly name = 'LimitError';
}

/** The aggregate of one raw file, with the file-local dictionaries its key ids refer to. */
export interface FilePartial {
  readonly key: string;
  readonly role: RawFileSpec['role'];
  readonly state: AggregateState; // keys: [hour, metric id, ...dimension ids]
  readonly counterSamples: CounterSamples; // samples of counter and distribution metrics, by group of `state`
  readonly metrics: readonly (string | null)[]; // metric id -> name
  readonly dimensionValues: readonly (readonly (string | null)[])[]; // [dimension][id] -> value
  readonly rowsRead: number; // every row of the file
  readonly rejected: Readonly<Record<RejectReason, number>>; // rows of this day not aggregated, by reason
  readonly routed: number; // own rows of the previous day, left to that day's run (its late data)
  readonly late: number; // rows of this day found in a late file (aggregated or rejected above)
  readonly ignored: number; // late-file rows of other days: that day's run accounts for them
  readonly missingDimensions: readonly string[]; // dimension columns absent from the file (read as null)
}

/** Raised for a raw file that cannot be used as it is; names the object, the column and the value. */
export class RawInputError extends Error {
  override readonly name = 'RawInputError';
}

/** Decodes one raw Parquet file row group by row group and aggregates its rows per (hour, metric, dimensions). */
export async function aggregateRawFile(key: string, bytes: Uint8Array, spec: RawFileSpec): Promise<FilePartial> {
  const source = await openParquet(bytes, key, { dictionaryColumns: new Set([spec.metricColumn, ...spec.dimensions]) });
  try {
    const present = new Set(source.schema.fields.map((f) => f.name));
    for (const [role, column] of [['timestamp', spec.timestampColumn], ['metric', spec.metricColumn], ['value', spec.valueColumn]] as const) {
      if (!present.has(column)) {
        throw new RawInputError(`schema required ${role} column '${column}' missing in ${key} (columns: ${[...present].join(', ')})`);
      }
    }
    const dims = spec.dimensions.filter((d) => present.has(d));
    const missingDimensions = spec.dimensions.filter((d) => !present.has(d));
    const columns = [spec.timestampColumn, spec.metricColumn, spec.valueColumn, ...dims];
    const metricDict = new ByteDictionary();
    const dimDicts = spec.dimensions.map(() => new ByteDictionary());
    const aggregate = new SeriesAggregate(2 + spec.dimensions.length);
    const rejected = Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>;
    let rowsRead = 0;
    const counts = { routed: 0, late: 0, ignored: 0 };
    const counterLog = new CounterSampleLog();
    for (let rg = 0; rg < source.rowGroups; rg++) {
      try {
        rowsRead += await source.withRowGroup(rg, columns, (table) => {
          aggregateTable(table, spec, dims, metricDict, dimDicts, aggregate, rejected, counts, counterLog, scratch);
          return table.numRows;
        });
      } catch (e) {
        if (e instanceof ColumnTypeError) throw new RawInputError(`${e.message} in ${key}`, { cause: e });
        if (e instanceof LimitError) throw new RawInputError(`limit ${e.message} in ${key}; raise output.limits in the job config or drop the dimension`, { cause: e });
        throw e;
      }
    }
    return {
      key,
      role: spec.role,
      state: aggregate.toState(),
      counterSamples: counterLog.toSamples(),
      metrics: metricDict.values(),
      dimensionValues: dimDicts.map((d) => d.values()),
      rowsRead,
      rejected,
      ...counts,
      missingDimensions,
    };
  } finally {
    source.close();
  }
}

/** Per-batch scratch arrays, grown on demand and reused by every file this thread reads (a batch is aggregated synchronously). */
class BatchBuffers {
  hour = new Int32Array(0);
  time = new Float64Array(0);
  value = new Float64Array(0);
  valid = new Uint8Array(0);
  metric = new Int32Array(0);
  dims: Int32Array[] = [];
  rows = new Int32Array(0); // accepted rows of the batch
  groups = new Int32Array(0); // group of each accepted row
  keyColumns: Int32Array[] = []; // [hour, metric, ...dims]

  ensure(n: number, dimCount: number): void {
    if (this.hour.length < n) {
      this.hour = new Int32Array(n);
      this.time = new Float64Array(n);
      this.value = new Float64Array(n);
      this.valid = new Uint8Array(n);
      this.metric = new Int32Array(n);
      this.rows = new Int32Array(n);
      this.groups = new Int32Array(n);
      this.dims = [];
    }
    while (this.dims.length < dimCount) this.dims.push(new Int32Array(this.hour.length));
    this.keyColumns = [this.hour, this.metric, ...this.dims.slice(0, dimCount)];
  }
}

const scratch = new BatchBuffers();

function aggregateTable(
  table: ArrowTable,
  spec: RawFileSpec,
  presentDims: readonly string[],
  metricDict: ByteDictionary,
  dimDicts: readonly ByteDictionary[],
  aggregate: SeriesAggregate,
  rejected: Record<RejectReason, number>,
  counts: { routed: number; late: number; ignored: number },
  counterLog: CounterSampleLog,
  b: BatchBuffers,
): void {
  const dimSlots = presentDims.map((d) => spec.dimensions.indexOf(d));
  for (const recordBatch of table.batches) {
    const n = recordBatch.numRows;
    if (n === 0) continue;
    b.ensure(n, spec.dimensions.length);
    const column = (name: string): Data => recordBatch.getChild(name)!.data[0]!;
    const ts = column(spec.timestampColumn);
    const { words, first } = timestampWords(ts);
    const unit = timestampUnitOf(spec.timestampColumn, ts);
    bucketTimestamps(words, first, n, unit, spec.dayStartMs, b.hour, b.time);
    encodeDimension(spec.metricColumn, column(spec.metricColumn), metricDict, b.metric);
    decodeValues(spec.valueColumn, column(spec.valueColumn), b.value, b.valid);
    for (let d = 0; d < spec.dimensions.length; d++) b.dims[d]!.fill(ByteDictionary.nullId, 0, n);
    presentDims.forEach((name, j) => {
      const dict = dimDicts[dimSlots[j]!]!;
      encodeDimension(name, column(name), dict, b.dims[dimSlots[j]!]!);
      if (dict.count > spec.limits.distinctValues) throw new LimitError(`dimension '${name}' has more than ${spec.limits.distinctValues} distinct values`);
    });
    if (metricDict.count > spec.limits.distinctValues) throw new LimitError(`column '${spec.metricColumn}' has more than ${spec.limits.distinctValues} distinct metrics`);
    const tsHasNulls = ts.nullCount > 0;
    const late = spec.role === 'late';
    let m = 0; // accepted rows, listed in b.rows
    for (let i = 0; i < n; i++) {
      const hour = b.hour[i]!;
      if (late) {
        if (hour < 0 || (tsHasNulls && !isValidAt(ts, i))) {
          counts.ignored++;
          continue;
        }
        counts.late++;
      }
      const v = b.value[i]!;
      if (hour >= 0 && b.metric[i] !== ByteDictionary.nullId && b.valid[i] === 1 && v - v === 0 && !(tsHasNulls && !isValidAt(ts, i))) b.rows[m++] = i;
      else if (tsHasNulls && !isValidAt(ts, i)) rejected.null_timestamp++;
      else if (hour === previousDay && spec.routesPreviousDay) counts.routed++;
      else if (hour < 0) rejected.timestamp_outside_day++;
      else if (b.metric[i] === ByteDictionary.nullId) rejected.null_metric++;
      else if (b.valid[i] === 0) rejected.null_value++;
      else if (Number.isNaN(v)) rejected.nan_value++;
      else rejected.infinite_value++;
    }
    aggregate.addRows(b.keyColumns, n, b.rows, m, b.value, b.time, b.groups);
    if (aggregate.groups > spec.limits.groups) throw new LimitError(`more than ${spec.limits.groups} series-hours`);
    const sampled = Uint8Array.from(metricDict.values(), (name) => (name !== null && spec.sampledMetrics.includes(name) ? 1 : 0));
    if (sampled.includes(1)) {
      for (let k = 0; k < m; k++) {
        const i = b.rows[k]!;
        if (sampled[b.metric[i]!] === 1) counterLog.push(b.groups[k]!, b.time[i]!, b.value[i]!);
      }
    }
  }
}

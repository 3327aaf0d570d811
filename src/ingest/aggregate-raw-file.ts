import { ByteDictionary } from './byte-dictionary.js';
import { CounterSampleLog, type CounterSamples } from '../measures/counter-increase.js';
import { ColumnTypeError } from './encode-column.js';
import { SeriesAggregate, type AggregateState } from './series-aggregate.js';
import { openParquet } from '../parquet/read-parquet.js';
import { aggregateBatch, LimitError, type FileAccumulator } from './aggregate-batch.js';
import type { RawFileSpec } from './raw-file-spec.js';
import { rejectReasons, type RejectReason } from './reject-reason.js';
import { checkRawColumns, uuidColumns } from './check-raw-columns.js';
import { withUsedValues } from './split-partial.js';

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

/**
 * Series-hours a file's partial holds before it is handed on as a chunk and a fresh one started (`aggregateRawFile`'s
 * `emit`), checked after each record batch of at most as many rows: a file of many series is held a chunk at a time
 * (less than twice this many series-hours), not whole. A constant, not a share of the run's budget, so
 * that every budget cuts a file at the same rows and adds up the same numbers in the same order.
 */
export const fileChunkGroups = 1 << 17;

/**
 * Decodes one raw Parquet file row group by row group and aggregates its rows per (hour, metric, dimensions). With
 * `emit`, each time the partial passes `fileChunkGroups` series-hours at the end of a record batch, it is handed to
 * `emit` as a chunk of the file (with the counts of the rows it took) and a fresh one is started; the partial returned
 * is the file's last chunk. Without it, the file's whole partial is returned.
 */
export async function aggregateRawFile(
  key: string,
  bytes: Uint8Array,
  spec: RawFileSpec,
  emit?: (chunk: FilePartial) => Promise<void>,
): Promise<FilePartial> {
  const source = await openParquet(bytes, key, {
    dictionaryColumns: new Set([spec.metricColumn, ...spec.dimensions]),
    dictionaryBytes: true,
    batchRows: fileChunkGroups, // a row group of many series is cut at a chunk's size, not only at its end
  });
  try {
    const present = new Set(source.schema.fields.map((f) => f.name));
    for (const [role, column] of [
      ['timestamp', spec.timestampColumn],
      ['metric', spec.metricColumn],
      ['value', spec.valueColumn],
    ] as const) {
      if (!present.has(column)) {
        const other = otherCaseOf(column, present);
        throw new RawInputError(
          other === undefined
            ? `schema required ${role} column '${column}' missing in ${key} (columns: ${[...present].join(', ')})`
            : `schema required ${role} column '${column}' missing in ${key}, which has a column '${other}': ` +
                `column names are case-sensitive (rename the column, or name it '${other}' in the job's ` +
                `raw.columns.${role})`,
        );
      }
    }
    try {
      checkRawColumns(source, spec);
    } catch (e) {
      throw new RawInputError((e as Error).message, { cause: e });
    }
    const dims = spec.dimensions.filter((d) => present.has(d));
    const missingDimensions = spec.dimensions.filter((d) => !present.has(d));
    for (const d of missingDimensions) {
      // an absent dimension reads as null; one present under another case is a misnamed column, not an absent one
      const other = otherCaseOf(d, present);
      if (other !== undefined)
        throw new RawInputError(
          `schema dimension column '${d}' missing in ${key}, which has a column '${other}': column names are ` +
            `case-sensitive (rename the column, or name it '${other}' in the job's raw.dimensions)`,
        );
    }
    const columns = [spec.timestampColumn, spec.metricColumn, spec.valueColumn, ...dims];
    // a chunk starts a fresh aggregate; the dictionaries are the file's, so the limit on distinct values still counts
    // a file's values, and the limit on series-hours counts the chunks' together
    const metricDict = new ByteDictionary();
    const dimDicts = spec.dimensions.map(() => new ByteDictionary());
    let earlierGroups = 0; // series-hours of the chunks handed on
    const start = (): FileAccumulator => ({
      spec,
      presentDimensions: new Set(dims),
      uuidColumns: uuidColumns(source),
      metricDict,
      dimDicts,
      aggregate: new SeriesAggregate(2 + spec.dimensions.length),
      counterLog: new CounterSampleLog(),
      rejected: Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>,
      counts: { routed: 0, late: 0, ignored: 0 },
      earlierGroups,
    });
    let file = start();
    let rowsRead = 0; // rows of the chunk being aggregated
    const finish = (): FilePartial => (earlierGroups > 0 ? withUsedValues(partial()) : partial());
    const partial = (): FilePartial => ({
      key,
      role: spec.role,
      state: file.aggregate.toState(),
      counterSamples: file.counterLog.toSamples(),
      metrics: metricDict.values(),
      dimensionValues: dimDicts.map((d) => d.values()),
      rowsRead,
      rejected: file.rejected,
      ...file.counts,
      missingDimensions,
    });
    for (let rg = 0; rg < source.rowGroups; rg++) {
      const chunks: FilePartial[] = []; // cut while the row group's decoded table is in use (a view into the decoder)
      try {
        await source.withRowGroup(rg, columns, (table) => {
          for (const batch of table.batches) {
            aggregateBatch(batch, file);
            rowsRead += batch.numRows;
            if (emit && file.aggregate.groups >= fileChunkGroups) {
              chunks.push(finish());
              earlierGroups += file.aggregate.groups;
              file = start();
              rowsRead = 0;
            }
          }
        });
      } catch (e) {
        if (e instanceof ColumnTypeError)
          throw new RawInputError(`${e.message} in ${key} row group ${rg}`, { cause: e });
        if (e instanceof LimitError)
          throw new RawInputError(
            `limit ${e.message} in ${key}; raise output.limits.${e.limit} in the job config` +
              (e.dimension === undefined ? '' : ` or drop the dimension '${e.dimension}'`),
            { cause: e },
          );
        throw e;
      }
      for (const chunk of chunks) await emit!(chunk);
    }
    return finish();
  } finally {
    source.close();
  }
}

/** A column of `present` whose name is `name` in another case (a misnamed column, not an absent one), if any. */
function otherCaseOf(name: string, present: ReadonlySet<string>): string | undefined {
  return [...present].find((c) => c.toLowerCase() === name.toLowerCase());
}

import { DataType, type Data } from 'apache-arrow';
import { textReader } from '../parquet/utf8-column.js';
import { compareCodePoints } from '../ingest/value-order.js';
import type { JobConfig } from '../config/job-config.js';
import { isValidAt } from '../parquet/arrow-validity.js';
import { openParquet } from '../parquet/read-parquet.js';
import { listPartitions, type DateRange, type PartitionListing } from '../rollup/list-partitions.js';
import { unreadableIn } from '../partition/committed-manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import { readAhead, wholeFiles } from '../storage/read-ahead.js';
import { fileSignaturesOf, isBuiltFromHourFiles } from '../partition/day-tier-source.js';
import type { ManifestOutput } from '../partition/manifest.js';
import { MissingPartitionError } from '../partition/load-partition.js';
import { QueryError } from './run-query.js';

/** A request for the distinct values of one dimension. */
export interface ValuesRequest {
  readonly dim: string; // a dimension of the tier, or 'metric'
  readonly where: Readonly<Record<string, readonly string[]>>; // keep rows whose dimension holds one of these values
  readonly range: DateRange; // inclusive partition dates; absent bounds: every committed partition
  readonly grain: 'hour' | 'day';
}

/** The distinct values found, and where they were looked for. */
export interface DimensionValues {
  readonly dim: string;
  readonly grain: 'hour' | 'day';
  readonly values: readonly string[]; // sorted by code point (UTF-8 bytes), nulls left out (a broker-level metric has no topic)
  readonly partitions: readonly string[]; // committed dates read
}

/**
 * The distinct values of a dimension in the committed partitions of a range, optionally only on rows matching `where`
 * (`values --dim cluster --where tenant=t1`: the clusters of tenant t1). Reads only the files the manifests list,
 * projecting the dimensions involved. No committed partition in the range is a MissingPartitionError, never an empty
 * list.
 */
export async function listDimensionValues(
  store: ObjectStore,
  config: JobConfig,
  r: ValuesRequest,
): Promise<DimensionValues> {
  const committed = readable(await listPartitions(store, config.output.prefix, r.grain, r.range));
  const span = `${r.range.from ?? 'the first day'} to ${r.range.to ?? 'the last day'}`;
  if (committed.length === 0) {
    const days =
      r.grain === 'hour' ? readable(await listPartitions(store, config.output.prefix, 'day', r.range)).length : 0;
    throw new MissingPartitionError(
      `values found no committed ${r.grain} partition from ${span} in ${store.description}` +
        (days > 0 ? ` (the day tier holds ${days} days of the range: ask the day tier)` : ''),
    );
  }
  // a stale day tier (hours rebuilt since it was built) is not read: its day's committed hour files are
  const hours =
    r.grain === 'day'
      ? new Map(
          readable(await listPartitions(store, config.output.prefix, 'hour', r.range)).map(
            (h) => [h.date, h.manifest] as const,
          ),
        )
      : undefined;
  const found = new Set<string>();
  const whereDims = Object.keys(r.where);
  for (const p of committed) {
    const hour = hours?.get(p.date);
    const current = !hour || isBuiltFromHourFiles(fileSignaturesOf(p.manifest), fileSignaturesOf(hour));
    const outputs = current ? p.manifest.outputs : hour.outputs;
    const columns = ['metric', ...p.manifest.dimensions];
    for (const d of [r.dim, ...whereDims]) {
      if (!columns.includes(d))
        throw new QueryError(
          `values dimension '${d}' is not a column of ${p.manifest.grain} partition ${p.date} ` +
            `(known: ${columns.join(', ')})`,
        );
    }
    const wanted = whereDims.map((d) => new Set(r.where[d]));
    const fetch = async (file: ManifestOutput) => ({ file, bytes: await store.get(file.key) });
    const read = [...new Set([r.dim, ...whereDims])];
    for await (const { file, bytes } of readAhead(outputs, store.overlappedReads ?? 1, fetch, wholeFiles)) {
      // string columns as the file's dictionary codes: each distinct value is decoded once, not once per row
      const source = await openParquet(bytes, file.key, { dictionaryColumns: new Set(read) });
      try {
        for (let rg = 0; rg < source.rowGroups; rg++) {
          await source.withRowGroup(rg, read, (table) => {
            for (const batch of table.batches) {
              const filters = whereDims.map((d, j) => ({ data: batch.getChild(d)!.data[0]!, wanted: wanted[j]! }));
              addValues(batch.getChild(r.dim)!.data[0]!, filters, found);
            }
          });
        }
      } finally {
        source.close();
      }
    }
  }
  return {
    dim: r.dim,
    grain: r.grain,
    values: [...found].sort(compareCodePoints),
    partitions: committed.map((p) => p.date),
  };
}

/** A filter column of a record batch and the values a row must hold in it. */
interface ValueFilter {
  readonly data: Data;
  readonly wanted: ReadonlySet<string>;
}

/**
 * Adds to `found` the values of `target` (non-null) on the rows whose every filter column holds a wanted value. A
 * dictionary column is read by its codes: each code's value is tested and decoded once per batch.
 */
function addValues(target: Data, filters: readonly ValueFilter[], found: Set<string>): void {
  const passes = filters.map((f) => rowTest(f.data, (v) => f.wanted.has(v)));
  const seen = new Map<number, string | null>();
  const value = valueAt(target);
  for (let i = 0; i < target.length; i++) {
    if (!isValidAt(target, i) || !passes.every((pass) => pass(i))) continue;
    const key = value.code(i);
    if (seen.has(key)) continue;
    const v = value.text(i);
    seen.set(key, v);
    if (v !== null) found.add(v);
  }
}

/** Row i's code (the dictionary code, or the row itself for other columns) and its value as text. */
function valueAt(data: Data): { code(i: number): number; text(i: number): string | null } {
  const text = textReader(data);
  if (DataType.isDictionary(data.type)) {
    const codes = data.values as ArrayLike<number>;
    return { code: (i) => codes[i]!, text };
  }
  return { code: (i) => i, text };
}

/** Whether row i of `data` holds a non-null value accepted by `accept`, testing each dictionary code once. */
function rowTest(data: Data, accept: (value: string) => boolean): (i: number) => boolean {
  const text = textReader(data);
  if (!DataType.isDictionary(data.type)) {
    return (i) => {
      if (!isValidAt(data, i)) return false;
      const v = text(i);
      return v !== null && accept(v);
    };
  }
  const codes = data.values as ArrayLike<number>;
  const verdicts = new Map<number, boolean>();
  return (i) => {
    if (!isValidAt(data, i)) return false;
    const code = codes[i]!;
    let ok = verdicts.get(code);
    if (ok === undefined) {
      const v = text(i);
      ok = v !== null && accept(v);
      verdicts.set(code, ok);
    }
    return ok;
  };
}

/**
 * The committed partitions of a listing; an unreadable manifest halts, naming its key: skipping it would leave out
 * that day's values (or, of an hour partition, read a stale day tier as current) with exit 0.
 */
function readable(listings: readonly PartitionListing[]): Extract<PartitionListing, { kind: 'committed' }>[] {
  const unreadable = listings.find((p) => p.kind === 'unreadable');
  if (unreadable) throw unreadableIn(unreadable.manifestKey)(unreadable.error);
  return listings.flatMap((p) => (p.kind === 'committed' ? [p] : []));
}

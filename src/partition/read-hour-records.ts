import type { Data } from 'apache-arrow';
import { isValidAt } from '../parquet/arrow-validity.js';
import { ByteDictionary } from '../ingest/byte-dictionary.js';
import { encodeDimension } from '../ingest/encode-column.js';
import { hashOfKeyBytes } from '../ingest/series-part.js';
import { sketchFromBytes, type MeasureSketch } from '../measures/measure-sketch.js';
import { compareNullableStrings } from '../ingest/value-order.js';
import type { HourRecords } from '../cube/roll-up-day.js';
import { openParquet } from '../parquet/read-parquet.js';
import type { ObjectStore } from '../storage/object-store.js';
import { readAhead, wholeFiles } from '../storage/read-ahead.js';
import type { ManifestOutput } from './manifest.js';
import { measureColumnNames, sampleMeasureNames } from '../measures/measure-state.js';

/** Hour base records read back from committed files, with sorted dictionaries (id order = value order, nulls last). */
export interface ReadHourRecords {
  readonly records: HourRecords;
  readonly columns: readonly string[]; // key columns: 'metric', then each dimension
  readonly dictionaries: readonly (readonly (string | null)[])[]; // per key column
}

/**
 * Reads the base record files a committed hour manifest lists (and only those), checking each file's row count. Key
 * columns are interned as their bytes (a string is decoded once per distinct value, not once per row).
 */
export async function readHourRecords(
  store: Pick<ObjectStore, 'get' | 'overlappedReads'>, // the store, or a unit's files already fetched (a build thread)
  files: readonly ManifestOutput[],
  dimensions: readonly string[],
  dayStartMs: number,
): Promise<ReadHourRecords> {
  const columns = ['metric', ...dimensions];
  const dicts = columns.map(() => new ByteDictionary());
  const hour = new GrowingColumn(Int32Array);
  const keys = columns.map(() => new GrowingColumn(Int32Array));
  const m = measures.map(() => new GrowingColumn(Float64Array));
  const sketches: (MeasureSketch | undefined)[] = [];
  const dayStartNs = BigInt(dayStartMs) * 1_000_000n;
  // the next file fetched while one is decoded: one more file's bytes held at most, and not a big one
  const fetch = async (f: ManifestOutput) => ({ f, read: await store.get(f.key) });
  for await (const { f, read } of readAhead(files, Math.min(2, store.overlappedReads ?? 1), fetch, wholeFiles)) {
    // key columns as the file's dictionary codes: each distinct value interned once per row group, not once per row
    const source = await openParquet(read, f.key, { dictionaryColumns: new Set(columns) });
    try {
      if (source.rows !== f.rows)
        throw new Error(`day tier ${f.key} holds ${source.rows} rows, its manifest says ${f.rows}`);
      for (let rg = 0; rg < source.rowGroups; rg++) {
        await source.withRowGroup(rg, ['hour', ...columns, ...measures.map((x) => columnOf[x]), 'sketch'], (table) => {
          for (const batch of table.batches) {
            const n = batch.numRows;
            const data = (name: string): Data => batch.getChild(name)!.data[0]!;
            const ids = columns.map((c, j) => {
              const out = new Int32Array(n);
              encodeDimension(c, data(c), dicts[j]!, out);
              return out;
            });
            const hours = data('hour');
            const hourValues = hours.values as BigInt64Array;
            const h = hour.reserve(n);
            for (let i = 0; i < n; i++)
              h.array[h.at + i] = Math.round((Number(hourValues[hours.offset + i]!) - dayStartMs) / 3_600_000);
            ids.forEach((column, j) => {
              const k = keys[j]!.reserve(n);
              for (let i = 0; i < n; i++) k.array[k.at + i] = column[i]!;
            });
            measures.forEach((x, j) => {
              const d = data(columnOf[x]);
              const values = d.values as ArrayLike<number | bigint>;
              const to = m[j]!.reserve(n);
              for (let i = 0; i < n; i++) {
                const v = values[d.offset + i]!;
                to.array[to.at + i] =
                  x === 'increase' && !isValidAt(d, i)
                    ? Number.NaN
                    : x.endsWith('Time')
                      ? Number(BigInt(v) - dayStartNs)
                      : Number(v);
              }
            });
            const sketch = batch.getChild('sketch');
            for (let i = 0; i < n; i++) {
              const bytes = sketch?.get(i) as Uint8Array | null | undefined;
              sketches.push(bytes ? sketchFromBytes(bytes) : undefined);
            }
          }
        });
      }
    } finally {
      source.close();
    }
  }
  // per column, the values of the rows kept, sorted (id order = value order, nulls last); the ids read map to them
  const columnsRead = keys.map((column) => column.values());
  const sorted = columnsRead.map((ids, j) => {
    const used = new Uint8Array(dicts[j]!.count);
    for (let r = 0; r < ids.length; r++) used[ids[r]!] = 1;
    const texts = Array.from({ length: used.length }, (_, id) => dicts[j]!.utf8Text(id));
    const dictionary = texts.filter((_, id) => used[id] === 1).sort(compareNullableStrings);
    const position = new Map(dictionary.map((v, i) => [v, i]));
    return { dictionary, ids: Int32Array.from(texts, (t, id) => (used[id] === 1 ? position.get(t)! : -1)) };
  });
  const records: HourRecords = {
    rows: hour.length,
    hour: hour.values(),
    keys: columnsRead.map((ids, j) => ids.map((id) => sorted[j]!.ids[id]!)),
    sketches,
    ...(Object.fromEntries(measures.map((x, j) => [x, m[j]!.values()])) as Record<
      (typeof measures)[number],
      Float64Array
    >),
  };
  return { records, columns, dictionaries: sorted.map((s) => s.dictionary) };
}

/**
 * The part (0 .. parts - 1) of every record read: the secondary hash over its values of `columns` (the rest of the
 * day's key, `hashOfKey`), mod `parts`.
 */
export function partsOfRecords(read: ReadHourRecords, columns: readonly string[], parts: number): Int32Array {
  const at = columns.map((c) => read.columns.indexOf(c));
  const bytes = at.map((j) => read.dictionaries[j]!.map((v) => (v === null ? null : encoder.encode(v))));
  const ids = at.map((j) => read.records.keys[j]!);
  const out = new Int32Array(read.records.rows);
  const values: (Uint8Array | null)[] = new Array(at.length);
  for (let r = 0; r < out.length; r++) {
    for (let k = 0; k < at.length; k++) values[k] = bytes[k]![ids[k]![r]!]!;
    out[r] = hashOfKeyBytes(values) % parts;
  }
  return out;
}

const encoder = new TextEncoder();

/** A typed column that grows as batches append to it. */
class GrowingColumn<T extends Int32Array | Float64Array> {
  private array: T;
  length = 0;

  constructor(private readonly make: new (length: number) => T) {
    this.array = new make(1024);
  }

  /** Room for `count` more values: write them at array[at .. at + count). */
  reserve(count: number): { readonly array: T; readonly at: number } {
    if (this.length + count > this.array.length) {
      const next = new this.make(Math.max(2 * this.array.length, this.length + count));
      next.set(this.array.subarray(0, this.length));
      this.array = next;
    }
    const at = this.length;
    this.length += count;
    return { array: this.array, at };
  }

  /** The values appended, in a copy of exactly their length. */
  values(): T {
    return this.array.slice(0, this.length) as T;
  }
}

const measures = [...sampleMeasureNames, 'increase'] as const;
const columnOf = measureColumnNames;

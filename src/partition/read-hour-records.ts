import type { Data } from 'apache-arrow';
import { isValidAt } from '../parquet/arrow-validity.js';
import { ByteDictionary } from '../ingest/byte-dictionary.js';
import { encodeDimension } from '../ingest/encode-column.js';
import { hashOfKeyBytes } from '../ingest/series-part.js';
import { sketchFromBytes, type MeasureSketch } from '../measures/measure-sketch.js';
import { compareNullableStrings } from '../ingest/global-dictionary.js';
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
  // rows to read (default all): those of series in part `part` of `parts` by the hash of their values of `columns`
  keep?: { readonly columns: readonly string[]; readonly part: number; readonly parts: number },
): Promise<ReadHourRecords> {
  const columns = ['metric', ...dimensions];
  const dicts = columns.map(() => new ByteDictionary());
  const hour = new GrowingColumn(Int32Array);
  const keys = columns.map(() => new GrowingColumn(Int32Array));
  const m = measures.map(() => new GrowingColumn(Float64Array));
  const sketches: (MeasureSketch | undefined)[] = [];
  const dayStartNs = BigInt(dayStartMs) * 1_000_000n;
  const keptAt = keep?.columns.map((c) => columns.indexOf(c)) ?? [];
  const bytes = columns.map((): (Uint8Array | null)[] => []); // per column: the bytes of each id, as looked up
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
            const rows = keep
              ? keptRows(
                  n,
                  keep,
                  keptAt.map((j) => ({ ids: ids[j]!, dict: dicts[j]!, bytes: bytes[j]! })),
                )
              : null;
            const count = rows ? rows.length : n;
            const row = (i: number): number => (rows ? rows[i]! : i);
            const hours = data('hour');
            const hourValues = hours.values as BigInt64Array;
            const h = hour.reserve(count);
            for (let i = 0; i < count; i++)
              h.array[h.at + i] = Math.round((Number(hourValues[hours.offset + row(i)]!) - dayStartMs) / 3_600_000);
            ids.forEach((column, j) => {
              const k = keys[j]!.reserve(count);
              for (let i = 0; i < count; i++) k.array[k.at + i] = column[row(i)]!;
            });
            measures.forEach((x, j) => {
              const d = data(columnOf[x]);
              const values = d.values as ArrayLike<number | bigint>;
              const to = m[j]!.reserve(count);
              for (let i = 0; i < count; i++) {
                const r = row(i);
                const v = values[d.offset + r]!;
                to.array[to.at + i] =
                  x === 'increase' && !isValidAt(d, r)
                    ? Number.NaN
                    : x.endsWith('Time')
                      ? Number(BigInt(v) - dayStartNs)
                      : Number(v);
              }
            });
            const sketch = batch.getChild('sketch');
            for (let i = 0; i < count; i++) {
              const bytes = sketch?.get(row(i)) as Uint8Array | null | undefined;
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

/** The rows of a batch (of `n`) of series in the part `keep` asks for (partOfKey of their kept columns' values). */
function keptRows(
  n: number,
  keep: { readonly part: number; readonly parts: number },
  kept: readonly { readonly ids: Int32Array; readonly dict: ByteDictionary; readonly bytes: (Uint8Array | null)[] }[],
): Int32Array {
  const values: (Uint8Array | null)[] = [];
  const out = new Int32Array(n);
  let count = 0;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < kept.length; j++) {
      const { ids, dict, bytes } = kept[j]!;
      const id = ids[r]!;
      let value = bytes[id];
      if (value === undefined) value = bytes[id] = dict.bytesOf(id);
      values[j] = value;
    }
    if (hashOfKeyBytes(values) % keep.parts === keep.part) out[count++] = r;
  }
  return out.subarray(0, count);
}

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

import type { Data } from 'apache-arrow';
import { isValidAt } from '../parquet/arrow-validity.js';
import { sketchFromBytes, type MeasureSketch } from '../measures/measure-sketch.js';
import { compareNullableStrings } from '../ingest/global-dictionary.js';
import type { HourRecords } from '../cube/roll-up-day.js';
import { openParquet } from '../parquet/read-parquet.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { ManifestOutput } from './manifest.js';
import { measureColumnNames, sampleMeasureNames } from '../measures/measure-state.js';

/** Hour base records read back from committed files, with sorted dictionaries (id order = value order, nulls last). */
export interface ReadHourRecords {
  readonly records: HourRecords;
  readonly columns: readonly string[]; // key columns: 'metric', then each dimension
  readonly dictionaries: readonly (readonly (string | null)[])[]; // per key column
}

/** Reads the base record files a committed hour manifest lists (and only those), checking each file's row count. */
export async function readHourRecords(
  store: ObjectStore,
  files: readonly ManifestOutput[],
  dimensions: readonly string[],
  dayStartMs: number,
  // rows to read (default all): those whose values of `columns` pass `test`
  keep?: { readonly columns: readonly string[]; readonly test: (values: readonly (string | null)[]) => boolean },
): Promise<ReadHourRecords> {
  const columns = ['metric', ...dimensions];
  const raw = {
    sketches: [] as (MeasureSketch | undefined)[],
    hour: [] as number[],
    keys: columns.map(() => [] as (string | null)[]),
    m: Object.fromEntries(measures.map((x) => [x, [] as number[]])) as Record<(typeof measures)[number], number[]>,
  };
  const dayStartNs = BigInt(dayStartMs) * 1_000_000n;
  for (const f of files) {
    const source = await openParquet(await store.get(f.key), f.key);
    try {
      if (source.rows !== f.rows)
        throw new Error(`day tier ${f.key} holds ${source.rows} rows, its manifest says ${f.rows}`);
      for (let rg = 0; rg < source.rowGroups; rg++) {
        await source.withRowGroup(rg, ['hour', ...columns, ...measures.map((x) => columnOf[x]), 'sketch'], (table) => {
          for (const batch of table.batches) {
            const data = (name: string): Data => batch.getChild(name)!.data[0]!;
            const hour = data('hour').values as BigInt64Array;
            const keyVectors = columns.map((c) => batch.getChild(c)!);
            const sketch = batch.getChild('sketch');
            const vals = measures.map((x) => data(columnOf[x]));
            const kept = keep?.columns.map((c) => batch.getChild(c)!);
            const values: (string | null)[] = [];
            for (let r = 0; r < batch.numRows; r++) {
              if (kept) {
                kept.forEach((v, j) => (values[j] = v.get(r) as string | null));
                if (!keep!.test(values)) continue;
              }
              raw.hour.push(Math.round((Number(hour[data('hour').offset + r]!) - dayStartMs) / 3_600_000));
              keyVectors.forEach((v, j) => raw.keys[j]!.push(v.get(r) as string | null));
              const bytes = sketch?.get(r) as Uint8Array | null | undefined;
              raw.sketches.push(bytes ? sketchFromBytes(bytes) : undefined);
              measures.forEach((x, j) => {
                const d = vals[j]!;
                const v = (d.values as ArrayLike<number | bigint>)[d.offset + r]!;
                raw.m[x].push(
                  x === 'increase' && !isValidAt(d, r)
                    ? Number.NaN
                    : x.endsWith('Time')
                      ? Number(BigInt(v) - dayStartNs)
                      : Number(v),
                );
              });
            }
          }
        });
      }
    } finally {
      source.close();
    }
  }
  const dictionaries = raw.keys.map((values) => [...new Set(values)].sort(compareNullableStrings));
  const idMaps = dictionaries.map((d) => new Map(d.map((v, i) => [v, i])));
  const records: HourRecords = {
    rows: raw.hour.length,
    hour: Int32Array.from(raw.hour),
    keys: raw.keys.map((values, j) => Int32Array.from(values, (v) => idMaps[j]!.get(v)!)),
    sketches: raw.sketches,
    ...(Object.fromEntries(measures.map((x) => [x, Float64Array.from(raw.m[x])])) as Record<
      (typeof measures)[number],
      Float64Array
    >),
  };
  return { records, columns, dictionaries };
}

const measures = [...sampleMeasureNames, 'increase'] as const;
const columnOf = measureColumnNames;

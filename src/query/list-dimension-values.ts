import type { JobConfig } from '../config/job-config.js';
import { openParquet } from '../parquet/read-parquet.js';
import { listPartitions, type DateRange } from '../rollup/list-partitions.js';
import type { ObjectStore } from '../storage/object-store.js';
import { readAhead, wholeFiles } from '../storage/read-ahead.js';
import type { ManifestOutput } from '../partition/manifest.js';
import { MissingPartitionError } from '../partition/load-cube.js';
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
  readonly values: readonly string[]; // sorted, nulls left out (a broker-level metric has no topic)
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
  const committed = (await listPartitions(store, config.output.prefix, r.grain, r.range)).flatMap((p) =>
    p.kind === 'committed' ? [p] : [],
  );
  const span = `${r.range.from ?? 'the first day'} to ${r.range.to ?? 'the last day'}`;
  if (committed.length === 0)
    throw new MissingPartitionError(
      `values found no committed ${r.grain} partition from ${span} in ${store.description}`,
    );
  const found = new Set<string>();
  const whereDims = Object.keys(r.where);
  for (const p of committed) {
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
    for await (const { file, bytes } of readAhead(p.manifest.outputs, store.overlappedReads ?? 1, fetch, wholeFiles)) {
      const source = await openParquet(bytes, file.key);
      try {
        for (let rg = 0; rg < source.rowGroups; rg++) {
          await source.withRowGroup(rg, [...new Set([r.dim, ...whereDims])], (table) => {
            const target = table.getChild(r.dim)!;
            const filters = whereDims.map((d) => table.getChild(d)!);
            for (let i = 0; i < table.numRows; i++) {
              if (!filters.every((f, j) => wanted[j]!.has(String(f.get(i))) && f.get(i) !== null)) continue;
              const v: unknown = target.get(i);
              if (v !== null && v !== undefined) found.add(String(v));
            }
          });
        }
      } finally {
        source.close();
      }
    }
  }
  return { dim: r.dim, grain: r.grain, values: [...found].sort(), partitions: committed.map((p) => p.date) };
}

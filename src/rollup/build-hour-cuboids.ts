import { CubeRecords } from '../cube/cube-records.js';
import { groupingIdOf, type CubeSpec } from '../cube/cube-spec.js';
import { hourCuboidOf } from '../cube/hour-cuboids.js';
import type { ReadHourRecords } from '../partition/read-hour-records.js';
import { cubeRecordsToArrow } from '../partition/records-to-arrow.js';
import { measureColumnsOf, writeParquet } from '../parquet/write-parquet.js';
import {
  starTreeDataPageBytes,
  starTreePlainColumns,
  starTreeRowGroupRows,
  type EncodedHourCuboid,
} from '../partition/encoded-cube.js';

/**
 * Columns of the star-tree records left out: one series' latest and earliest sample, which no query reads of records
 * aggregated over series (their point-in-time total is `last_sum`); a third of the file's write time and bytes.
 */
const perSeriesColumns = new Set(['last', 'last_time', 'first', 'first_time']);

/**
 * The declared cuboids of a day unit's hour records (every hour of its series) at hour grain, a file each (by
 * grouping_id), in the star-tree record files' columns but the per-series ones (small row groups: a query reads one
 * metric's run of rows). One cuboid is held at a time.
 */
export function buildHourCuboids(read: ReadHourRecords, spec: CubeSpec, dayStartMs: number): EncodedHourCuboid[] {
  if (spec.cuboids.length === 0) return [];
  const order = spec.dimensionsSplitOrder;
  const from = order.map((d) => {
    const c = read.columns.indexOf(d);
    if (c < 0) throw new Error(`hour cuboids: split dimension '${d}' is not a column of the hour records`);
    return c;
  });
  const h = read.records;
  const records = new CubeRecords(1 + order.length, Math.max(16, h.rows));
  const w = records.width;
  for (let r = 0; r < h.rows; r++) {
    const i = records.appendCopyFromState(h, r, h.increase[r]);
    records.keys[i * w] = h.hour[r]!;
    for (let j = 0; j < from.length; j++) records.keys[i * w + 1 + j] = h.keys[from[j]!]![r]!;
    records.sketches[i] = h.sketches[r]; // shared, not owned: a merge copies it (the day's records still hold it)
  }
  const dictionaries = from.map((c) => read.dictionaries[c]!);
  const keyColumns = new Set(['hour', ...order, 'grouping_id']);
  const cuboids = [...spec.cuboids].sort(
    (a, b) => groupingIdOf(a.dimensions, order) - groupingIdOf(b.dimensions, order),
  );
  return cuboids.map((c) => {
    const cuboid = hourCuboidOf(records, dictionaries, spec, c.dimensions);
    const all = cubeRecordsToArrow(cuboid.records, order, dictionaries, dayStartMs);
    const table = all.select(all.schema.fields.map((f) => f.name).filter((n) => !perSeriesColumns.has(n)));
    const bytes = writeParquet(table, {
      compression: 'zstd',
      rowGroupRows: starTreeRowGroupRows,
      dataPageBytes: starTreeDataPageBytes, // a query decodes only the pages of its matching rows
      plainColumns: [...starTreePlainColumns, ...measureColumnsOf(table)],
      // statistics of the keys only: a query reads its run of rows by the manifest, and each cold read walks the footer
      unsummarizedColumns: table.schema.fields.map((f) => f.name).filter((n) => !keyColumns.has(n)),
    });
    return { cuboid: c.name, file: { bytes, rows: cuboid.records.length }, runs: cuboid.runs };
  });
}

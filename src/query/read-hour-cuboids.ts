import { CubeRecords } from '../cube/cube-records.js';
import type { StarTree } from '../cube/star-tree.js';
import { openRangedParquet } from '../parquet/read-parquet-ranges.js';
import { fillRecordMeasures } from '../partition/record-measures.js';
import { sketchFromBytes } from '../measures/measure-sketch.js';
import { listedFileError, MissingPartitionError, type LoadedPartition } from '../partition/load-partition.js';
import type { ManifestSegment } from '../partition/manifest.js';
import { starTreeFooterBytesPerRowGroup, starTreeRowGroupRows } from '../partition/encoded-cube.js';
import type { ObjectStore } from '../storage/object-store.js';
import { NotFoundError, ObjectChangedError, StorageError } from '../storage/storage-error.js';
import { dayStartMs } from '../storage/partition-path.js';
import type { SegmentExplain } from './read-segment.js';
import { measureColumnsOf } from './aggregate-columns.js';
import type { QueryAggregate } from './query-choices.js';

/** What a query asks of a day unit's hour cuboids: one metric's run of one cuboid, filtered and grouped. */
export interface HourCuboidQuery {
  readonly cuboid: string;
  readonly metric: string;
  readonly where: Readonly<Record<string, readonly string[]>>;
  readonly whereNot: Readonly<Record<string, readonly string[]>>;
  readonly groupBy: readonly string[];
  readonly agg: QueryAggregate;
  readonly sketches: boolean; // read the sketch column (percentiles, distinct counts)
  readonly hourFrom: number; // the hours of the day asked for, [hourFrom, hourTo)
  readonly hourTo: number;
}

/**
 * The records of a day unit's hour cuboid file that a query chose: level 0 the hour, level j + 1 the query's group-by
 * dimension j (ids into `dictionaries`), as answer buckets add them.
 */
export interface HourCuboidRecords {
  readonly cube: { readonly date: string; readonly tree: Pick<StarTree, 'records' | 'dictionaries'> };
  readonly chosen: readonly number[];
  readonly groupBy: readonly number[]; // levels of the group-by dimensions, in query order
  readonly explain: SegmentExplain;
}

/**
 * Reads the run of rows of `q.metric` in one day-tier segment's file of hour cuboid `q.cuboid` (its footer and only
 * those rows' pages of the columns the query needs), and keeps the records in the hours and filters asked for.
 */
export async function readHourCuboids(
  store: ObjectStore,
  partition: LoadedPartition,
  segment: ManifestSegment,
  q: HourCuboidQuery,
): Promise<HourCuboidRecords> {
  const file = segment.hourCuboids?.find((c) => c.cuboid === q.cuboid);
  if (!file)
    throw new Error(
      `query segment (shard ${segment.shard}) of ${partition.manifestKey} has no hour cuboid ${q.cuboid}`,
    );
  const { date } = partition;
  const records = new CubeRecords(1 + q.groupBy.length, 16);
  const dictionaries = q.groupBy.map((): (string | null)[] => []);
  const explain = (bytesRead: number, rowGroupsRead: number, recordsLoaded: number): SegmentExplain => ({
    hour: null,
    shard: segment.shard,
    reads: 'hour-cuboids',
    bytesRead,
    segmentBytes: file.bytes,
    rowGroupsRead,
    recordsLoaded,
  });
  const levels = q.groupBy.map((_, j) => j + 1);
  const run = Object.hasOwn(file.runs, q.metric) ? file.runs[q.metric] : undefined;
  const cube = { date, tree: { records, dictionaries } };
  if (run === undefined) return { cube, chosen: [], groupBy: levels, explain: explain(0, 0, 0) };
  const { key, bytes } = file;
  const damaged = (e: unknown): Promise<Error> =>
    listedFileError(store, partition, key, e, `telemetry-rollup run --date ${date} --force`);
  const source = await openRangedParquet(
    {
      byteLength: bytes,
      read: (start, end) =>
        store.getRange(key, start, end, { expect: { size: bytes } }).catch(async (e: unknown) => {
          throw e instanceof NotFoundError || e instanceof ObjectChangedError ? await damaged(e) : e;
        }),
    },
    key,
    starTreeFooterBytesPerRowGroup * (1 + Math.ceil(file.rows / starTreeRowGroupRows)),
  ).catch((e: unknown) => {
    // storage trouble stays what it is (throttling is retried: exit 75, HTTP 503), not a damaged file
    throw e instanceof MissingPartitionError || e instanceof StorageError ? e : damaged(e);
  });
  const measures = measureColumnsOf(q.agg);
  const conditions = [...new Set([...Object.keys(q.where), ...Object.keys(q.whereNot)])];
  const keep = (name: string): ((v: string | null) => boolean) => {
    const wanted = Object.hasOwn(q.where, name) ? new Set(q.where[name]) : undefined;
    const dropped = Object.hasOwn(q.whereNot, name) ? new Set(q.whereNot[name]) : undefined;
    return (v) =>
      (wanted === undefined || (v !== null && wanted.has(v))) &&
      (dropped === undefined || v === null || !dropped.has(v));
  };
  // the filtered columns over the metric's run first: a value's rows lie together (sorted by the cuboid's
  // dimensions), so the other columns are read only over the span from the first matching row to the last
  let [first, end] = run;
  let tested: ReadonlyMap<string, ArrayLike<unknown>> = new Map();
  const testedFrom = first;
  if (conditions.length > 0) {
    tested = await source.readRows(conditions, first, end);
    const tests = conditions.map((name) => ({
      values: tested.get(name) as ArrayLike<string | null>,
      keep: keep(name),
    }));
    const passes = (r: number): boolean => tests.every((t) => t.keep(t.values[r] ?? null));
    let lo = 0;
    while (lo < end - first && !passes(lo)) lo++;
    if (lo === end - first)
      return {
        cube,
        chosen: [],
        groupBy: levels,
        explain: explain(source.cost.bytesRead, source.cost.rowGroupsRead, 0),
      };
    let hi = end - first;
    while (!passes(hi - 1)) hi--;
    [first, end] = [first + lo, first + hi];
  }
  const rest = q.groupBy.filter((d) => !conditions.includes(d));
  const decoded = await source.readRows(['hour', ...rest, ...measures, ...(q.sketches ? ['sketch'] : [])], first, end);
  const column = (name: string): { values: ArrayLike<unknown>; at: number } =>
    tested.has(name) ? { values: tested.get(name)!, at: first - testedFrom } : { values: decoded.get(name)!, at: 0 };
  const start = dayStartMs(date);
  const hours = decoded.get('hour') as ArrayLike<bigint>;
  const tests = conditions.map((name) => ({ ...column(name), keep: keep(name) }));
  const chosenRows: number[] = [];
  for (let r = 0; r < end - first; r++) {
    const hour = Math.round((Number(hours[r]!) - start) / 3_600_000);
    if (hour < q.hourFrom || hour >= q.hourTo) continue;
    if (tests.every((t) => t.keep((t.values[t.at + r] as string | null | undefined) ?? null))) chosenRows.push(r);
  }
  // the chosen rows become records 0.. of the list: the hour, each group-by value's id, the measures read
  const n = chosenRows.length;
  records.appendZeroed(n);
  const w = records.width;
  const ids = q.groupBy.map(() => new Map<string | null, number>());
  const groupValues = q.groupBy.map((name) => column(name));
  const sketchBytes = q.sketches ? (decoded.get('sketch') as ArrayLike<Uint8Array | null>) : undefined;
  const picked = new Map<string, unknown[]>(); // the chosen rows' values of each measure column, in order
  for (const c of measures) {
    const values = decoded.get(c)!;
    picked.set(
      c,
      chosenRows.map((r) => values[r]),
    );
  }
  fillRecordMeasures(records, 0, picked, 0, n, measures, BigInt(start) * 1_000_000n);
  for (let i = 0; i < n; i++) {
    const r = chosenRows[i]!;
    records.keys[i * w] = Math.round((Number(hours[r]!) - start) / 3_600_000);
    for (let j = 0; j < q.groupBy.length; j++) {
      const g = groupValues[j]!;
      const value = (g.values[g.at + r] as string | null | undefined) ?? null;
      let id = ids[j]!.get(value);
      if (id === undefined) {
        id = dictionaries[j]!.push(value) - 1;
        ids[j]!.set(value, id);
      }
      records.keys[i * w + 1 + j] = id;
    }
    const b = sketchBytes?.[r];
    if (b) records.adoptSketch(i, sketchFromBytes(b));
  }
  return {
    cube,
    chosen: Array.from({ length: n }, (_, i) => i),
    groupBy: levels,
    explain: explain(source.cost.bytesRead, source.cost.rowGroupsRead, run[1] - run[0]),
  };
}

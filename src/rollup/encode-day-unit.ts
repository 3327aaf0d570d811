import type { CubeSpec } from '../cube/cube-spec.js';
import { CubeRecords } from '../cube/cube-records.js';
import { rollUpDay } from '../cube/roll-up-day.js';
import { jobConfigOfJson } from '../config/load-job-config.js';
import type { SegmentFiles } from '../partition/commit.js';
import type { ManifestOutput } from '../partition/manifest.js';
import { readHourRecords } from '../partition/read-hour-records.js';
import { cubeRecordsToArrow } from '../partition/records-to-arrow.js';
import { writePartition } from '../parquet/write-partition.js';
import { dayStartMs } from '../storage/partition-path.js';
import { buildCubeFromInput } from './build-cube.js';
import { buildHourCuboids } from './build-hour-cuboids.js';
import { keyColumnStats, segmentTransferables } from './build-segment.js';

/** One unit of the day tier (a day shard, or a part of one) to encode from its shard's hour base files. */
export interface DayUnitTask {
  readonly kind: 'day-unit';
  readonly configJson: string; // the job, as JSON (a build thread parses it once)
  readonly date: string;
  readonly shard: number;
  readonly part: number;
  readonly parts: number;
  readonly dimensions: readonly string[]; // the hour partition's dimension columns
  // the shard's hour base files, or, of a part, the part's files cut from them (`splitHourFiles`)
  readonly files: readonly ManifestOutput[];
  readonly bytes: readonly Uint8Array[]; // their bytes, fetched, in the same order
  readonly emitEmpty: boolean; // encode a segment even without records (a day with none at all)
}

/** A day unit encoded, not uploaded: its segment's files (none without records) and what it read. */
export interface EncodedDayUnit {
  readonly segment?: SegmentFiles;
  readonly cuboidRows: readonly (readonly [string, number])[];
  readonly rowsIn: number; // hour records read
  readonly accepted: number; // raw rows they hold
}

/** The columns of a day tier's key the part hash is over: metric and each dimension it keeps, but the partition's. */
export function dayPartColumns(
  dimensions: readonly string[],
  dropped: ReadonlySet<string>,
  partition: string,
): string[] {
  return ['metric', ...dimensions].filter((c) => !dropped.has(c) && c !== partition);
}

/**
 * Encodes one day unit from its shard's hour base files (a part: its own files cut from them), already fetched (no
 * store is touched): the hour records of its series, rolled up along time and across the dropped dimensions, with
 * their star-tree and cuboids, and the hour cuboids of the same hour records. The same bytes on any thread.
 */
export async function encodeDayUnit(task: Omit<DayUnitTask, 'kind'>): Promise<EncodedDayUnit> {
  const config = jobConfigOfJson(task.configJson);
  const { date, shard, part, parts, dimensions, files, emitEmpty } = task;
  const tier = config.output.tiers.find((t) => t.grain === 'day')!;
  const none: EncodedDayUnit = { cuboidRows: [], rowsIn: 0, accepted: 0 };
  if (files.length === 0) return none;
  const start = dayStartMs(date);
  const dropped = new Set(tier.dropDimensions);
  const output = { targetFileBytes: config.output.targetFileBytes, rowGroupRows: config.output.rowGroupRows };
  const bytesOf = new Map(files.map((f, i) => [f.key, task.bytes[i]!]));
  const fetched = { get: async (key: string) => bytesOf.get(key)!, overlappedReads: 1 };
  const read = await readHourRecords(fetched, files, dimensions, start);
  if (read.records.rows === 0 && !emitEmpty) return none;
  const keptColumns = read.columns.filter((c) => !dropped.has(c));
  const day = rollUpDay(read.records, new Set(read.columns.flatMap((c, i) => (dropped.has(c) ? [i] : []))));
  const dictionaries = read.dictionaries.filter((_, i) => !dropped.has(read.columns[i]!));
  const table = cubeRecordsToArrow(day, keptColumns, dictionaries, start);
  const daySpec = config.cube ? daySpecOf(config.cube, dropped) : undefined;
  const built = daySpec ? dayCube(day, keptColumns, dictionaries, daySpec, start, output) : undefined;
  const cube = built ? (({ tree: _tree, ...files }) => files)(built) : undefined; // the tree stays on this thread
  const hourCuboids = daySpec ? buildHourCuboids(read, daySpec, start) : [];
  let accepted = 0;
  for (let r = 0; r < day.length; r++) accepted += day.m.count[r]!;
  return {
    segment: {
      hour: null,
      shard,
      ...(parts > 1 ? { part, parts } : {}),
      rows: day.length,
      accepted,
      stats: keyColumnStats(keptColumns, dictionaries, { keys: day.keys, width: day.width, count: day.length }),
      files: writePartition(table, { ...output, compression: 'zstd' }),
      ...(cube ? { cube } : {}),
      ...(daySpec ? { hourCuboids } : {}),
    },
    cuboidRows: (cube?.cuboids ?? []).map((c) => [c.name, c.rows] as const),
    rowsIn: read.records.rows,
    accepted,
  };
}

/** The buffers of an encoded day unit's files, moved (not copied) back to the main thread. */
export function dayUnitTransferables(u: EncodedDayUnit): ArrayBuffer[] {
  return u.segment ? segmentTransferables(u.segment) : [];
}

/** The day tier's cube spec: the job's, without the dropped dimensions (and the cuboids that need them). */
export function daySpecOf(spec: CubeSpec, dropped: ReadonlySet<string>): CubeSpec {
  return {
    ...spec,
    dimensionsSplitOrder: spec.dimensionsSplitOrder.filter((d) => !dropped.has(d)),
    skipStarNodeCreationFor: spec.skipStarNodeCreationFor.filter((d) => !dropped.has(d)),
    hierarchy: Object.fromEntries(
      Object.entries(spec.hierarchy).filter(([c, p]) => !dropped.has(c) && !dropped.has(p)),
    ),
    cuboids: spec.cuboids.filter((c) => c.dimensions.every((d) => !dropped.has(d))),
  };
}

/** The day's star-tree, by the day tier's cube spec (`daySpecOf`). */
function dayCube(
  day: CubeRecords,
  columns: readonly string[],
  dictionaries: readonly (readonly (string | null)[])[],
  daySpec: CubeSpec,
  start: number,
  output: { targetFileBytes: number; rowGroupRows: number },
) {
  const order = daySpec.dimensionsSplitOrder;
  const from = order.map((d) => columns.indexOf(d));
  const records = new CubeRecords(1 + order.length, day.length);
  for (let r = 0; r < day.length; r++) {
    const i = records.appendMeasuresOf(day, r);
    from.forEach((c, j) => (records.keys[i * records.width + 1 + j] = day.keys[r * day.width + 1 + c]!));
  }
  return buildCubeFromInput({ records, dictionaries: from.map((c) => dictionaries[c]!) }, daySpec, start, output);
}

import type { CubeSpec } from '../cube/cube-spec.js';
import { CubeRecords } from '../cube/cube-records.js';
import { cubeRecordsToArrow } from '../partition/records-to-arrow.js';
import { rollUpDay } from '../cube/roll-up-day.js';
import { writePartition } from '../parquet/write-partition.js';
import { dayStartMs, manifestKey, rollupPartitionPrefix } from '../storage/partition-path.js';
import { rejectReasons, type RejectReason } from '../ingest/reject-reason.js';
import { buildCubeFromInput } from './build-cube.js';
import { commitPartition, readCommittedManifest, uploadSegment } from '../partition/commit.js';
import { segmentsOf } from '../partition/manifest-segments.js';
import { partitionDimensionOf } from '../config/job-config.js';
import { dayTierInputsOf } from '../partition/day-tier-source.js';
import type { Manifest, ManifestSegment } from '../partition/manifest.js';
import { readHourRecords } from '../partition/read-hour-records.js';
import { resultOf, type RollupResult } from './rollup-result.js';
import type { RunRollupOptions } from './rollup-options.js';
import { dayTierBytesPerRecord } from './plan-shards.js';
import { planParts, planUnits } from './plan-parts.js';
import { runPartition } from './run-partition.js';
import { keyColumnStats } from './build-segment.js';
import { cuboidsOf } from './cuboid-rows.js';
import { buildHourCuboids } from './build-hour-cuboids.js';

/** Raised when the day tier is asked for before its hour partition is committed. */
export class TierOrderError extends Error {
  override readonly name = 'TierOrderError';
}

/** One unit of the day tier (a day shard, or a part of one) as built: its segment, none when it held no records. */
export interface DayUnitBuilt {
  readonly unit: number; // index in planDayUnits' list
  readonly segment?: ManifestSegment;
  readonly cuboidRows: readonly (readonly [string, number])[];
  readonly rowsIn: number; // hour records read
  readonly accepted: number; // raw rows they hold
}

/**
 * How a run builds its share of the day tier's units: all of them (one process), or a pod's share while the other
 * pods build theirs (`others` waits for what they built).
 */
export interface DayTierShare {
  readonly mine: (unit: number) => boolean;
  readonly others: () => Promise<readonly DayUnitBuilt[]>;
}

/**
 * The day tier's units: one per hour shard (a shard's series are in that shard in every hour, so its day is rolled
 * up from its own hour segments, every part of them, alone), split into parts by the secondary hash over the rest of
 * the day's key when their records would not fit the budget, so every series a day record merges lands in one part.
 */
export function planDayUnits(hour: Manifest, memoryBytes: number): ReturnType<typeof planUnits> {
  const layout = segmentsOf(hour);
  return planUnits(layout.shards, (shard) =>
    planParts(
      layout.list.filter((s) => s.shard === shard).map((s) => s.rows),
      dayTierBytesPerRecord,
      memoryBytes,
    ),
  );
}

/** The committed hour manifest the day tier is built from; refuses a day tier that is not declared or not ready. */
export async function readDayTierSource(options: RunRollupOptions): Promise<Manifest> {
  const { store, config, date } = options;
  if (!config.output.tiers.some((t) => t.grain === 'day'))
    throw new TierOrderError(`day tier is not declared in output.tiers`);
  const hourKey = manifestKey(config.output.prefix, 'hour', date);
  const hour = await readCommittedManifest(store, hourKey);
  if (!hour) throw new TierOrderError(`day tier of ${date} needs the committed hour partition ${hourKey}`);
  return hour;
}

/**
 * Builds unit `index` of the day tier from the hour segments of its shard and uploads its segment (files named by
 * content, invisible until a manifest lists them); a unit without records has none unless `emitEmpty`.
 */
export async function buildDayUnit(
  options: RunRollupOptions,
  hour: Manifest,
  units: ReturnType<typeof planDayUnits>,
  index: number,
  emitEmpty = false,
): Promise<DayUnitBuilt> {
  const { store, config, date } = options;
  const tier = config.output.tiers.find((t) => t.grain === 'day')!;
  const { index: shard, part, parts } = units[index]!;
  const none: DayUnitBuilt = { unit: index, cuboidRows: [], rowsIn: 0, accepted: 0 };
  const start = dayStartMs(date);
  const dropped = new Set(tier.dropDimensions);
  const output = { targetFileBytes: config.output.targetFileBytes, rowGroupRows: config.output.rowGroupRows };
  const layout = segmentsOf(hour);
  const partitionDimension = layout.partitionDimension || partitionDimensionOf(config);
  const restOfKey = ['metric', ...hour.dimensions].filter((c) => !dropped.has(c) && c !== partitionDimension);
  const files = layout.list.filter((s) => s.shard === shard).flatMap((s) => s.outputs);
  if (files.length === 0) return none;
  const keep = parts > 1 ? { columns: restOfKey, part, parts } : undefined;
  const read = await readHourRecords(store, files, hour.dimensions, start, keep);
  if (read.records.rows === 0 && !emitEmpty) return { ...none, rowsIn: 0 };
  const keptColumns = read.columns.filter((c) => !dropped.has(c));
  const day = rollUpDay(read.records, new Set(read.columns.flatMap((c, i) => (dropped.has(c) ? [i] : []))));
  const dictionaries = read.dictionaries.filter((_, i) => !dropped.has(read.columns[i]!));
  const table = cubeRecordsToArrow(day, keptColumns, dictionaries, start);
  const cube = config.cube ? dayCube(day, keptColumns, dictionaries, config.cube, dropped, start, output) : undefined;
  const hourCuboids = config.cube ? buildHourCuboids(read, daySpecOf(config.cube, dropped), start) : undefined;
  let accepted = 0;
  for (let r = 0; r < day.length; r++) accepted += day.m.count[r]!;
  const segment = await uploadSegment(store, rollupPartitionPrefix(config.output.prefix, 'day', date), {
    hour: null,
    shard,
    ...(parts > 1 ? { part, parts } : {}),
    rows: day.length,
    accepted,
    stats: keyColumnStats(keptColumns, dictionaries, { keys: day.keys, width: day.width, count: day.length }),
    files: writePartition(table, { ...output, compression: 'zstd' }),
    ...(cube ? { cube } : {}),
    ...(hourCuboids ? { hourCuboids } : {}),
  });
  return {
    unit: index,
    segment,
    cuboidRows: (cube?.cuboids ?? []).map((c) => [c.name, c.rows] as const),
    rowsIn: read.records.rows,
    accepted,
  };
}

/**
 * Builds the day tier of `date` from the committed hour partition's base records (merging states, never rescanning
 * raw data), dropping the tier's `dropDimensions`, with its own star-tree, and commits it (manifest last). With a
 * `share`, this process builds only its units and commits them with the ones the other pods built.
 */
export async function runDayTier(options: RunRollupOptions, share?: DayTierShare): Promise<RollupResult> {
  const { store, config, date } = options;
  const hour = await readDayTierSource(options);
  const dropped = new Set(config.output.tiers.find((t) => t.grain === 'day')?.dropDimensions);
  const inputs = dayTierInputsOf(hour.outputs);
  return runPartition(options, {
    grain: 'day',
    inputs,
    build: async ({ runId, lease, now, logger, started, manifestKey: dayKey }) => {
      const layout = segmentsOf(hour);
      const partitionDimension = layout.partitionDimension || partitionDimensionOf(config);
      const units = planDayUnits(hour, options.memoryBytes ?? config.output.limits.memoryBytes);
      const built: DayUnitBuilt[] = [];
      for (let k = 0; k < units.length; k++) {
        if (share && !share.mine(k)) continue;
        logger.progress('day tier', k, units.length);
        built.push(await buildDayUnit(options, hour, units, k));
      }
      if (share) built.push(...(await share.others()));
      built.sort((a, b) => a.unit - b.unit);
      if (units.length > 0 && !built.some((b) => b.segment))
        built.push(await buildDayUnit(options, hour, units, units.length - 1, true)); // a day with no records
      const segments = built.flatMap((b) => (b.segment ? [b.segment] : []));
      const cuboidRows = new Map<string, number>();
      for (const b of built) for (const [n, r] of b.cuboidRows) cuboidRows.set(n, (cuboidRows.get(n) ?? 0) + r);
      const rowsIn = built.reduce((n, b) => n + b.rowsIn, 0);
      const accepted = built.reduce((n, b) => n + b.accepted, 0);
      logger.progress('day tier', units.length, units.length);
      await lease.verify();
      const daySpec = config.cube ? daySpecOf(config.cube, dropped) : undefined;
      const manifest = await commitPartition(store, {
        config,
        configHash: options.configHash,
        grain: 'day',
        date,
        runId,
        createdAt: now().toISOString(),
        inputs,
        segments,
        layout: { partitionDimension, shards: layout.shards },
        rows: {
          in: rowsIn,
          late: 0,
          routed: 0,
          accepted,
          out: segments.reduce((n, s) => n + s.rows, 0),
          rejected: Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>,
        },
        unknownMetrics: {},
        missingDimensions: [],
        dimensions: hour.dimensions.filter((d) => !dropped.has(d)),
        ...(daySpec ? { cube: { spec: daySpec, cuboids: cuboidsOf(daySpec, cuboidRows) } } : {}),
      });
      const result = resultOf('committed', manifest, dayKey, now().getTime() - started);
      logger.event('partition_committed', {
        partition: dayKey,
        rows: result.rowsOut,
        bytes: result.bytes,
        segments: segments.length,
        ms: result.ms,
        outcome: 'committed',
      });
      return result;
    },
  });
}

/** The day tier's cube spec: the job's, without the dropped dimensions (and the cuboids that need them). */
function daySpecOf(spec: CubeSpec, dropped: ReadonlySet<string>): CubeSpec {
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

/** The day's star-tree: the job's cube spec without the dropped dimensions (and cuboids that need them). */
function dayCube(
  day: CubeRecords,
  columns: readonly string[],
  dictionaries: readonly (readonly (string | null)[])[],
  spec: CubeSpec,
  dropped: ReadonlySet<string>,
  start: number,
  output: { targetFileBytes: number; rowGroupRows: number },
) {
  const daySpec = daySpecOf(spec, dropped);
  const order = daySpec.dimensionsSplitOrder;
  const from = order.map((d) => columns.indexOf(d));
  const records = new CubeRecords(1 + order.length, day.length);
  for (let r = 0; r < day.length; r++) {
    const i = records.appendMeasuresOf(day, r);
    from.forEach((c, j) => (records.keys[i * records.width + 1 + j] = day.keys[r * day.width + 1 + c]!));
  }
  return buildCubeFromInput({ records, dictionaries: from.map((c) => dictionaries[c]!) }, daySpec, start, output);
}

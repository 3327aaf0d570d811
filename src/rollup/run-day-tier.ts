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
import { partOfKey } from '../ingest/series-part.js';
import type { ManifestInput, ManifestSegment } from '../partition/manifest.js';
import { readHourRecords } from '../partition/read-hour-records.js';
import { resultOf, type RollupResult } from './rollup-result.js';
import type { RunRollupOptions } from './rollup-options.js';
import { dayTierBytesPerRecord } from './plan-shards.js';
import { planParts, planUnits } from './plan-parts.js';
import { runPartition } from './run-partition.js';
import { keyColumnStats } from './build-segment.js';
import { cuboidsOf } from './cuboid-rows.js';

/** Raised when the day tier is asked for before its hour partition is committed. */
export class TierOrderError extends Error {
  override readonly name = 'TierOrderError';
}

/**
 * Builds the day tier of `date` from the committed hour partition's base records (merging states, never rescanning
 * raw data), dropping the tier's `dropDimensions`, with its own star-tree, and commits it (manifest last).
 */
export async function runDayTier(options: RunRollupOptions): Promise<RollupResult> {
  const { store, config, date } = options;
  const tier = config.output.tiers.find((t) => t.grain === 'day');
  if (!tier) throw new TierOrderError(`day tier is not declared in output.tiers`);
  const hourKey = manifestKey(config.output.prefix, 'hour', date);
  const hour = await readCommittedManifest(store, hourKey);
  if (!hour) throw new TierOrderError(`day tier of ${date} needs the committed hour partition ${hourKey}`);
  const inputs: ManifestInput[] = hour.outputs.map((o) => ({ key: o.key, size: o.bytes, etag: o.sha256 }));
  return runPartition(options, {
    grain: 'day',
    inputs,
    build: async ({ runId, lease, now, logger, started, manifestKey: dayKey }) => {
      const start = dayStartMs(date);
      const dropped = new Set(tier.dropDimensions);
      const output = { targetFileBytes: config.output.targetFileBytes, rowGroupRows: config.output.rowGroupRows };
      const layout = segmentsOf(hour);
      const prefix = rollupPartitionPrefix(config.output.prefix, 'day', date);
      const segments: ManifestSegment[] = [];
      const cuboidRows = new Map<string, number>();
      let rowsIn = 0;
      let accepted = 0;
      let keptColumns: readonly string[] = [];
      // a shard's series are in that shard in every hour: its day is rolled up from its own hour segments (every
      // part of them) alone; when their records would not fit the budget, the day shard is built as parts by the
      // secondary hash over the rest of the day's key, so every series a day record merges lands in one part
      const memoryBytes = options.memoryBytes ?? config.output.limits.memoryBytes;
      const partitionDimension = layout.partitionDimension || partitionDimensionOf(config);
      const restOfKey = ['metric', ...hour.dimensions].filter((c) => !dropped.has(c) && c !== partitionDimension);
      const units = planUnits(layout.shards, (shard) =>
        planParts(
          layout.list.filter((s) => s.shard === shard).map((s) => s.rows),
          dayTierBytesPerRecord,
          memoryBytes,
        ),
      );
      for (const [done, { index: shard, part, parts }] of units.entries()) {
        logger.progress('day tier', done, units.length);
        const files = layout.list.filter((s) => s.shard === shard).flatMap((s) => s.outputs);
        if (files.length === 0) continue;
        const keep =
          parts > 1
            ? { columns: restOfKey, test: (values: readonly (string | null)[]) => partOfKey(values, parts) === part }
            : undefined;
        const read = await readHourRecords(store, files, hour.dimensions, start, keep);
        if (read.records.rows === 0 && !(done === units.length - 1 && segments.length === 0)) continue;
        keptColumns = read.columns.filter((c) => !dropped.has(c));
        const day = rollUpDay(read.records, new Set(read.columns.flatMap((c, i) => (dropped.has(c) ? [i] : []))));
        const dictionaries = read.dictionaries.filter((_, i) => !dropped.has(read.columns[i]!));
        const table = cubeRecordsToArrow(day, keptColumns, dictionaries, start);
        const cube = config.cube
          ? dayCube(day, keptColumns, dictionaries, config.cube, dropped, start, output)
          : undefined;
        let shardAccepted = 0;
        for (let r = 0; r < day.length; r++) shardAccepted += day.m.count[r]!;
        rowsIn += read.records.rows;
        accepted += shardAccepted;
        for (const c of cube?.cuboids ?? []) cuboidRows.set(c.name, (cuboidRows.get(c.name) ?? 0) + c.rows);
        segments.push(
          await uploadSegment(store, prefix, {
            hour: null,
            shard,
            ...(parts > 1 ? { part, parts } : {}),
            rows: day.length,
            accepted: shardAccepted,
            stats: keyColumnStats(keptColumns, dictionaries, day.length, (r, c) => day.keys[r * day.width + 1 + c]!),
            files: writePartition(table, { ...output, compression: 'zstd' }),
            ...(cube ? { cube } : {}),
          }),
        );
      }
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

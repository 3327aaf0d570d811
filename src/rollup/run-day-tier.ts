import type { CubeSpec } from '../cube/cube-spec.js';
import { CubeRecords } from '../cube/cube-records.js';
import { cubeRecordsToArrow } from '../partition/records-to-arrow.js';
import { rollUpDay } from '../cube/roll-up-day.js';
import { writePartition } from '../parquet/write-partition.js';
import { dayStartMs, manifestKey } from '../storage/partition-path.js';
import { rejectReasons, type RejectReason } from '../ingest/reject-reason.js';
import { buildCubeFromInput } from './build-cube.js';
import { commitPartition, readCommittedManifest } from '../partition/commit.js';
import type { ManifestInput } from '../partition/manifest.js';
import { readHourRecords } from '../partition/read-hour-records.js';
import { resultOf, type RollupResult } from './rollup-result.js';
import type { RunRollupOptions } from './rollup-options.js';
import { runPartition } from './run-partition.js';

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
      logger.progress('day tier', 0, 1);
      const start = dayStartMs(date);
      const read = await readHourRecords(store, hour.outputs, hour.dimensions, start);
      const dropped = new Set(tier.dropDimensions);
      const keptColumns = read.columns.filter((c) => !dropped.has(c));
      const day = rollUpDay(read.records, new Set(read.columns.flatMap((c, i) => (dropped.has(c) ? [i] : []))));
      const dictionaries = read.dictionaries.filter((_, i) => !dropped.has(read.columns[i]!));
      const table = cubeRecordsToArrow(day, keptColumns, dictionaries, start);
      const output = { targetFileBytes: config.output.targetFileBytes, rowGroupRows: config.output.rowGroupRows };
      const files = writePartition(table, { ...output, compression: 'zstd' });
      const cube = config.cube
        ? dayCube(day, keptColumns, dictionaries, config.cube, dropped, start, output)
        : undefined;
      let accepted = 0;
      for (let r = 0; r < day.length; r++) accepted += day.m.count[r]!;
      await lease.verify();
      const manifest = await commitPartition(store, {
        config,
        configHash: options.configHash,
        grain: 'day',
        date,
        runId,
        createdAt: now().toISOString(),
        inputs,
        files,
        rows: {
          in: read.records.rows,
          late: 0,
          routed: 0,
          accepted,
          out: day.length,
          rejected: Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>,
        },
        unknownMetrics: {},
        missingDimensions: [],
        dimensions: keptColumns.slice(1),
        ...(cube ? { cube } : {}),
      });
      logger.progress('day tier', 1, 1);
      const result = resultOf('committed', manifest, dayKey, now().getTime() - started);
      logger.event('partition_committed', {
        partition: dayKey,
        rows: result.rowsOut,
        bytes: result.bytes,
        ms: result.ms,
        outcome: 'committed',
      });
      return result;
    },
  });
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
  const order = spec.dimensionsSplitOrder.filter((d) => !dropped.has(d));
  const daySpec: CubeSpec = {
    ...spec,
    dimensionsSplitOrder: order,
    skipStarNodeCreationFor: spec.skipStarNodeCreationFor.filter((d) => !dropped.has(d)),
    hierarchy: Object.fromEntries(
      Object.entries(spec.hierarchy).filter(([c, p]) => !dropped.has(c) && !dropped.has(p)),
    ),
    cuboids: spec.cuboids.filter((c) => c.dimensions.every((d) => !dropped.has(d))),
  };
  const from = order.map((d) => columns.indexOf(d));
  const records = new CubeRecords(1 + order.length, day.length);
  for (let r = 0; r < day.length; r++) {
    const i = records.appendMeasuresOf(day, r);
    from.forEach((c, j) => (records.keys[i * records.width + 1 + j] = day.keys[r * day.width + 1 + c]!));
  }
  return buildCubeFromInput({ records, dictionaries: from.map((c) => dictionaries[c]!) }, daySpec, start, output);
}

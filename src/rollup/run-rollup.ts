import { partitionDimensionOf } from '../config/job-config.js';
import { recordOf } from '../config/data-record.js';
import { rejectReasons, type RejectReason } from '../ingest/reject-reason.js';
import { silentLogger, type Logger } from '../logger.js';
import { commitPartition } from '../partition/commit.js';
import type { Lease } from '../partition/lease.js';
import type { ManifestIgnored } from '../partition/manifest.js';
import { manifestKey, rollupPartitionPrefix } from '../storage/partition-path.js';
import { buildSegments, uploadEmptySegment } from './build-segments.js';
import { checkUnknownMetrics, decodeIntoSegments, partitionRows } from './decode-segments.js';
import { rollupWorkerScript } from './rollup-worker-script.js';
import { openPool } from './worker-pool.js';
import { cuboidsOf } from './cuboid-rows.js';
import { decodeLanes, rawFileSpecs } from './decode-inputs.js';
import { listRawInputs, requireRawInput, type RawListing } from './list-raw-inputs.js';
import { planShards } from './plan-shards.js';
import type { RunRollupOptions } from './rollup-options.js';
import { resultOf, type RollupResult } from './rollup-result.js';
import { runDayTier } from './run-day-tier.js';
import { runPartition } from './run-partition.js';
import { removeStaleSpills, SegmentSpill } from './segment-spill.js';
import { logSplits, piecesOfPart, planSegmentUnits } from './split-segments.js';

/**
 * Rolls one day of raw telemetry up into every tier the job declares: the hour tier, then the day tier built from it.
 */
export async function runRollup(options: RunRollupOptions): Promise<RollupResult> {
  const hour = await runHourTier(options);
  if (hour.outcome === 'no-input' || !options.config.output.tiers.some((t) => t.grain === 'day')) return hour;
  return { ...hour, dayTier: await runDayTier(options) };
}

/** Rolls one day of raw telemetry up into the hour tier and commits it (manifest last), holding the partition lease. */
async function runHourTier(options: RunRollupOptions): Promise<RollupResult> {
  const { store, config, date } = options;
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? silentLogger;
  const started = now().getTime();
  const mKey = manifestKey(config.output.prefix, 'hour', date);
  const listing = await listRawInputs(store, config.raw.prefix, date, config.raw.lateArrivalHours);
  const { inputs, ignored } = listing;
  logger.event('inputs_listed', {
    partition: mKey,
    files: inputs.length,
    ignored: ignored.length,
    bytes: sum(inputs.map((i) => i.size)),
    ms: now().getTime() - started,
  });
  logIgnored(logger, mKey, ignored);
  requireRawInput(listing, store, config.raw.prefix, date, options.allowEmpty ?? false);
  const zero = Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>;
  return runPartition(options, {
    grain: 'hour',
    inputs,
    onSkip: { ignored: ignored.length },
    withoutBuilding: (ms) => {
      if (inputs.length > 0) return undefined;
      logger.event('partition_skipped', {
        partition: mKey,
        reason: 'no raw objects for the day (--allow-empty)',
        outcome: 'no-input',
      });
      const rows = { rowsIn: 0, rowsAccepted: 0, rowsLate: 0, rowsRouted: 0, rowsOut: 0 };
      return {
        outcome: 'no-input',
        date,
        grain: 'hour',
        manifestKey: mKey,
        inputs: 0,
        ignored: ignored.length,
        ...rows,
        rejected: zero,
        files: 0,
        bytes: 0,
        ms,
      };
    },
    build: ({ runId, lease }) => buildAndCommit({ ...options, now, logger, runId }, listing, mKey, started, lease),
  });
}

async function buildAndCommit(
  options: RunRollupOptions & { now: () => Date; logger: Logger; runId: string },
  listing: RawListing,
  mKey: string,
  started: number,
  lease: Lease,
): Promise<RollupResult> {
  const { store, config, date, now, logger } = options;
  const { inputs, ignored } = listing;
  const grain = 'hour' as const;
  const specs = rawFileSpecs(config, date, inputs);
  const aggregateStart = now().getTime();
  const partitionPrefix = rollupPartitionPrefix(config.output.prefix, grain, date);
  const cache = { partitionPrefix, configHash: options.configHash, write: false };
  const partitionDimension = partitionDimensionOf(config);
  const cut = {
    shards: planShards(config, inputs),
    partitionDimension: config.raw.dimensions.indexOf(partitionDimension),
  };
  const memoryBytes = options.memoryBytes ?? config.output.limits.memoryBytes;
  await removeStaleSpills(options.spillFolder);
  const spill = new SegmentSpill(Math.floor(memoryBytes / 4), options.spillFolder);
  const lanes = decodeLanes(options);
  const pool = lanes.shared ?? (lanes.workers > 0 ? openPool(rollupWorkerScript, lanes.workers) : undefined);
  try {
    const { accounting, unknown, decoded } = await decodeIntoSegments(
      { store, config, inputs, specs, pool, logger, cache, cut },
      (segment, _input, piece) => spill.add(segment, piece),
    );
    logger.event('inputs_aggregated', {
      partition: mKey,
      rows: accounting.rowsRead,
      shards: cut.shards,
      spilledBytes: spill.spilled.bytes,
      ...decoded,
      ms: now().getTime() - aggregateStart,
    });
    checkUnknownMetrics(config, date, unknown);
    const encodeStart = now().getTime();
    const ctx = {
      store,
      partitionPrefix,
      config,
      date,
      shards: cut.shards,
      pool,
      unknownMetrics: [...unknown.keys()],
      logger,
    };
    const units = planSegmentUnits(cut.shards, memoryBytes, (i) => spill.groups(i));
    logSplits(logger, mKey, cut.shards, units);
    const found = await buildSegments(ctx, units, (u) =>
      u.parts === 1 ? spill.take(u.index) : piecesOfPart(spill, u, cut.partitionDimension),
    );
    const cubeMs = now().getTime() - encodeStart; // every segment: base files, star-tree, cuboids, upload
    const { segments, cuboidRows, cubeRecords } = found.segments.length > 0 ? found : await uploadEmptySegment(ctx);
    const rowsOut = segments.reduce((n, s) => n + s.rows, 0);
    logger.event('partition_encoded', {
      partition: mKey,
      rows: rowsOut,
      segments: segments.length,
      shards: cut.shards,
      spilledBytes: spill.spilled.bytes,
      bytes: sum(segments.flatMap((s) => s.outputs.map((o) => o.bytes))),
      ...(config.cube ? { cubeRecords, cubeMs } : {}),
      ms: now().getTime() - encodeStart,
    });
    const createdAt = now();
    logger.progress('commit', 0, 1);
    await lease.verify();
    const manifest = await commitPartition(store, {
      config,
      configHash: options.configHash,
      grain,
      date,
      runId: options.runId,
      createdAt: createdAt.toISOString(),
      inputs,
      ignored,
      segments,
      layout: { partitionDimension, shards: cut.shards },
      rows: partitionRows(accounting, unknown, rowsOut),
      unknownMetrics: recordOf(unknown),
      missingDimensions: accounting.missingDimensions,
      ...(config.cube ? { cube: { spec: config.cube, cuboids: cuboidsOf(config.cube, cuboidRows) } } : {}),
    });
    const result = { ...resultOf('committed', manifest, mKey, now().getTime() - started), ignored: ignored.length };
    logger.event('partition_committed', {
      partition: mKey,
      rows: result.rowsOut,
      bytes: result.bytes,
      ms: result.ms,
      outcome: 'committed',
    });
    return result;
  } finally {
    await spill.close();
    if (!lanes.shared) await pool?.close();
  }
}

/** Each ignored raw object as a warning (the first 100; then one line with how many more). */
function logIgnored(logger: Logger, partition: string, ignored: readonly ManifestIgnored[]): void {
  for (const i of ignored.slice(0, 100))
    logger.event('raw_object_ignored', { level: 'warn', partition, key: i.key, reason: i.reason });
  if (ignored.length > 100)
    logger.event('raw_objects_ignored', {
      level: 'warn',
      partition,
      more: ignored.length - 100,
      note: 'the manifest lists every ignored object',
    });
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

export type { RollupResult } from './rollup-result.js';

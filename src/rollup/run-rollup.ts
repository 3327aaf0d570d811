import { sortBaseRecords } from '../ingest/base-records.js';
import { baseRecordsToArrow } from '../partition/records-to-arrow.js';
import { recordOf } from '../config/data-record.js';
import { writePartition } from '../parquet/write-partition.js';
import { dayStartMs, manifestKey, rawDayPrefix, rollupPartitionPrefix } from '../storage/partition-path.js';
import { RawInputError } from '../ingest/aggregate-raw-file.js';
import { rejectReasons, type RejectReason } from '../ingest/reject-reason.js';
import { buildCube } from './build-cube.js';
import { commitPartition } from '../partition/commit.js';
import { listRawInputs, NoRawInputError, type RawListing } from './list-raw-inputs.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Lease } from '../partition/lease.js';
import type { ManifestIgnored } from '../partition/manifest.js';
import type { RunRollupOptions } from './rollup-options.js';
import { runPartition } from './run-partition.js';
import { aggregateInputs, decodeLanes, rawFileSpecs } from './decode-inputs.js';
import { kindMeasures, unknownMetrics } from './kind-measures.js';
import { resultOf, type RollupResult } from './rollup-result.js';
import { runDayTier } from './run-day-tier.js';

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
  if (listing.ownInputs === 0 && !options.allowEmpty) {
    const late = inputs.length > 0 ? `, ${inputs.length} late objects of the next day` : '';
    const skippedObjects =
      ignored.length > 0
        ? `, ${ignored.length} objects ignored (${ignored
            .slice(0, 3)
            .map((i) => `${i.key}: ${i.reason}`)
            .join('; ')})`
        : '';
    throw new NoRawInputError(
      `run no raw input for ${date}: no .parquet object in an hour folder under ${store.description}/${rawDayPrefix(config.raw.prefix, date)}${late}${skippedObjects}; check --store (ROLLUP_STORE) and raw.prefix, or pass --allow-empty if the day is empty on purpose`,
    );
  }
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
  const cache = {
    partitionPrefix: rollupPartitionPrefix(config.output.prefix, grain, date),
    configHash: options.configHash,
    write: false,
  };
  const merged = await aggregateInputs(store, inputs, specs, decodeLanes(options), logger, cache);
  logger.event('inputs_aggregated', {
    partition: mKey,
    rows: merged.rowsRead,
    groups: merged.aggregate.groups,
    fromShards: merged.fromShards,
    shardPartialsIgnored: merged.shardPartialsIgnored,
    foreignShardPartials: merged.foreignShardPartials,
    ms: now().getTime() - aggregateStart,
  });
  const encodeStart = now().getTime();
  logger.progress('encode', 0, 1);
  const state = merged.aggregate.toState();
  const unknown = unknownMetrics(state, merged.metrics.values, config);
  if (unknown.size > 0 && config.unknownMetricPolicy === 'fail') {
    const list = [...unknown].map(([m, rows]) => `'${m}' (${rows} rows)`).join(', ');
    throw new RawInputError(
      `catalog metrics not in the job's metric catalog in ${rawDayPrefix(config.raw.prefix, date)}: ${list}; add them to the catalog or set unknownMetricPolicy to "skip"`,
    );
  }
  const { increase, sketches } = kindMeasures(state, merged, config);
  const records = sortBaseRecords(state, merged.metrics, config.raw.dimensions, merged.dimensions, increase, sketches);
  const kept = records.order.filter(
    (g) => !unknown.has(records.metrics[records.state.keys[g * records.state.width + 1]!]!),
  );
  const rejected = { ...merged.rejected, unknown_metric: sum([...unknown.values()]) };
  const baseRecords = { ...records, order: kept };
  const table = baseRecordsToArrow(baseRecords, dayStartMs(date));
  logger.progress('encode', 1, 1);
  logger.progress('write', 0, 1);
  const files = writePartition(table, {
    targetFileBytes: config.output.targetFileBytes,
    rowGroupRows: config.output.rowGroupRows,
    compression: 'zstd',
  });
  logger.progress('write', 1, 1);
  logger.progress('cube', 0, 1);
  const cubeStart = now().getTime();
  const cube = config.cube ? buildCube(baseRecords, config.cube, dayStartMs(date), config.output) : undefined;
  const cubeMs = now().getTime() - cubeStart; // the star-tree and cuboids alone (make bench-scale: ns per base record)
  logger.progress('cube', 1, 1);
  logger.event('partition_encoded', {
    partition: mKey,
    rows: table.numRows,
    bytes: sum(files.map((f) => f.bytes.length)),
    ...(cube ? { cubeRecords: cube.tree.records.length, cubeNodes: cube.tree.nodes.length, cubeMs } : {}),
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
    files,
    rows: {
      in: merged.rowsRead,
      late: merged.late,
      routed: merged.routed,
      accepted: merged.rowsRead + merged.late - merged.routed - sum(Object.values(rejected)),
      out: table.numRows,
      rejected,
    },
    unknownMetrics: recordOf(unknown),
    missingDimensions: merged.missingDimensions,
    ...(cube ? { cube } : {}),
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

import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import { sortBaseRecords } from '../ingest/base-records.js';
import { counterIncreases } from '../measures/counter-increase.js';
import { distinctSketchOf, quantileSketchesOf, type MeasureSketch } from '../measures/measure-sketch.js';
import { baseRecordsToArrow } from '../partition/records-to-arrow.js';
import type { AggregateState } from '../ingest/series-aggregate.js';
import type { JobConfig } from '../config/job-config.js';
import { recordOf } from '../config/data-record.js';
import { metricCatalog } from '../config/metric-catalog.js';
import { writePartition } from '../parquet/write-partition.js';
import { listAll, type ObjectStore } from '../storage/object-store.js';
import { NotFoundError, StorageError } from '../storage/storage-error.js';
import { dayStartMs, manifestKey, rawDayPrefix, rollupPartitionPrefix } from '../storage/partition-path.js';
import { aggregateRawFile, RawInputError, type FilePartial } from '../ingest/aggregate-raw-file.js';
import type { RawFileSpec } from '../ingest/raw-file-spec.js';
import { rejectReasons, type RejectReason } from '../ingest/reject-reason.js';
import type { AggregateTask } from '../ingest/aggregate-worker.js';
import { buildCube } from './build-cube.js';
import { commitPartition } from '../partition/commit.js';
import {
  decodeFilePartial,
  encodeFilePartial,
  PartialRejectedError,
  partialKey,
  partialSuffix,
} from '../ingest/file-partial-codec.js';
import { folderHourOf, listRawInputs, NoRawInputError, type RawListing } from './list-raw-inputs.js';
import { silentLogger, type Logger } from '../logger.js';
import { collectGarbage } from '../partition/collect-garbage.js';
import { acquireLease, type Lease } from '../partition/lease.js';
import type { ManifestIgnored, ManifestInput } from '../partition/manifest.js';
import { planPartition } from './plan-partition.js';
import type { RunRollupOptions } from './rollup-options.js';
import { resultOf, type RollupResult } from './rollup-result.js';
import { runDayTier } from './run-day-tier.js';
import { emptyMerge, mergePartial, type MergedPartials } from '../ingest/merge-partials.js';
import { openPool, type WorkerPool } from './worker-pool.js';
import { aggregateWorkerScript } from '../ingest/aggregate-worker-script.js';

/** Rolls one day of raw telemetry up into every tier the job declares: the hour tier, then the day tier built from it. */
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
  let reasons: readonly string[] = [];
  const skipped = async (): Promise<RollupResult | undefined> => {
    const { plan, committed } = await planPartition(store, inputs, mKey, options.configHash, options.force ?? false);
    if (plan.action === 'build' || committed.kind !== 'committed') {
      if (plan.action === 'build') reasons = plan.reasons;
      return undefined;
    }
    logger.event('partition_skipped', { partition: mKey, reason: plan.reason, outcome: 'skipped' });
    return { ...resultOf('skipped', committed.manifest, mKey, now().getTime() - started), ignored: ignored.length };
  };
  const early = await skipped();
  if (early) return early;
  if (inputs.length === 0) {
    logger.event('partition_skipped', {
      partition: mKey,
      reason: 'no raw objects for the day (--allow-empty)',
      outcome: 'no-input',
    });
    const zero = Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>;
    return {
      outcome: 'no-input',
      date,
      grain: 'hour',
      manifestKey: mKey,
      inputs: 0,
      ignored: ignored.length,
      rowsIn: 0,
      rowsAccepted: 0,
      rowsLate: 0,
      rowsRouted: 0,
      rowsOut: 0,
      rejected: zero,
      files: 0,
      bytes: 0,
      ms: now().getTime() - started,
    };
  }
  const runId = options.runId ?? `${now().toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
  const lease = await acquireLease(
    store,
    `${rollupPartitionPrefix(config.output.prefix, 'hour', date)}_lease.json`,
    runId,
    options.leaseTtlMs ?? 2 * 60_000,
    now,
  );
  try {
    const late = await skipped(); // another run may have committed while we waited
    if (late) return late;
    if (reasons.some((r) => r.startsWith('rebuild: ')))
      logger.event('partition_repairing', { partition: mKey, reasons, outcome: 'rebuilding' }); // the committed state was unreadable or damaged
    const result = {
      ...(await buildAndCommit({ ...options, now, logger, runId }, listing, mKey, started, lease)),
      reasons,
    };
    const garbage = await collectGarbage(
      store,
      config.output.prefix,
      'hour',
      date,
      options.graceMs ?? 60 * 60_000,
      now,
      lease,
    );
    if (garbage.deleted.length > 0)
      logger.event('garbage_collected', {
        partition: mKey,
        deleted: garbage.deleted.length,
        waiting: garbage.waiting.length,
      });
    return result;
  } finally {
    await lease.release();
  }
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
  const files = writePartition(table, {
    targetFileBytes: config.output.targetFileBytes,
    rowGroupRows: config.output.rowGroupRows,
    compression: 'zstd',
  });
  const cube = config.cube ? buildCube(baseRecords, config.cube, dayStartMs(date), config.output) : undefined;
  logger.event('partition_encoded', {
    partition: mKey,
    rows: table.numRows,
    bytes: sum(files.map((f) => f.bytes.length)),
    ...(cube ? { cubeRecords: cube.tree.records.length, cubeNodes: cube.tree.nodes.length } : {}),
    ms: now().getTime() - encodeStart,
  });
  const createdAt = now();
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

/** Where raw files are decoded: a pool shared across runs, else `workers` threads of this run's own (0: this thread). */
interface DecodeLanes {
  readonly shared?: WorkerPool;
  readonly workers: number;
}

function decodeLanes(options: Pick<RunRollupOptions, 'pool' | 'workers'>): DecodeLanes {
  return { ...(options.pool ? { shared: options.pool } : {}), workers: options.workers ?? availableParallelism() };
}

/** Where per-file partials are cached between shard processes and the merging run. */
interface PartialCache {
  readonly partitionPrefix: string;
  readonly configHash: string;
  readonly write: boolean; // shard mode: leave each file's partial for the merging run
}

/** Aggregates the inputs (a shard's partial when one is cached, else the raw file) and merges them in key order. */
async function aggregateInputs(
  store: ObjectStore,
  inputs: readonly ManifestInput[],
  specs: readonly RawFileSpec[],
  lanes: DecodeLanes,
  logger: Logger,
  cache: PartialCache,
): Promise<MergedPartials & { fromShards: number; shardPartialsIgnored: number; foreignShardPartials: number }> {
  const foreign = cache.write
    ? []
    : (await listAll(store, `${cache.partitionPrefix}_shards/`)).filter((o) => !o.key.endsWith(partialSuffix()));
  if (foreign.length > 0)
    logger.event('shard_partials_foreign', {
      partition: cache.partitionPrefix,
      count: foreign.length,
      keys: foreign.slice(0, 3).map((o) => o.key),
      reason: 'written by another tool version: not merged, their files are decoded from raw',
    });
  const pool = lanes.shared ?? (lanes.workers > 0 ? openPool(aggregateWorkerScript, lanes.workers) : undefined);
  const workers = pool?.size ?? 0;
  const limit = pLimit(filesInFlight(inputs, workers));
  const done: (FilePartial | undefined)[] = new Array(inputs.length);
  let merged = emptyMerge(specs[0]?.dimensions.length ?? 0);
  let next = 0;
  let finished = 0;
  let fromShards = 0;
  let shardPartialsIgnored = 0;
  const partialOf = async (i: number): Promise<FilePartial> => {
    const { key } = inputs[i]!;
    const spec = specs[i]!;
    const cacheKey = partialKey(cache.partitionPrefix, inputs[i]!, spec, cache.configHash);
    if (!cache.write && (await store.head(cacheKey))) {
      try {
        const partial = decodeFilePartial(await store.get(cacheKey), cacheKey);
        fromShards++;
        return partial;
      } catch (e) {
        if (!(e instanceof PartialRejectedError || e instanceof NotFoundError)) throw e;
        shardPartialsIgnored++; // damaged, of another version, or removed meanwhile: decode the raw file instead
        logger.event('shard_partial_ignored', {
          partition: cache.partitionPrefix,
          key: cacheKey,
          input: key,
          reason: e.message,
          outcome: 'decoded from raw',
        });
      }
    }
    const bytes = ownBuffer(await store.get(key, { expect: inputs[i]! })); // ObjectChangedError (retry) when replaced since the listing
    if (bytes.length !== inputs[i]!.size) {
      throw new StorageError(
        `read raw object ${key} in ${store.description} returned ${bytes.length} bytes, the listing said ${inputs[i]!.size} (truncated read, or the object changed during the run)`,
        true,
      );
    }
    const task: AggregateTask = { key, bytes, spec };
    const partial = pool
      ? await pool.run<FilePartial>(task, [bytes.buffer as ArrayBuffer])
      : await aggregateRawFile(key, bytes, spec);
    if (cache.write) await store.put(cacheKey, encodeFilePartial(partial));
    return partial;
  };
  try {
    await Promise.all(
      inputs.map((_, i) =>
        limit(async () => {
          done[i] = await partialOf(i);
          while (next < inputs.length && done[next]) {
            merged = mergePartial(merged, done[next]!, specs[next]!); // in key order: sums are the same on every run
            done[next++] = undefined;
          }
          logger.progress('aggregate', ++finished, inputs.length);
        }),
      ),
    );
  } finally {
    if (!lanes.shared) await pool?.close();
  }
  return { ...merged, fromShards, shardPartialsIgnored, foreignShardPartials: foreign.length };
}

/**
 * How many raw files are fetched or being decoded at once: one per worker plus one being fetched, and, while the
 * files are small, one more per worker, queued so that a worker that finishes starts its next file at once.
 */
function filesInFlight(inputs: readonly ManifestInput[], workers: number): number {
  const minimum = Math.max(2, workers + 1);
  const averageBytes = inputs.reduce((a, i) => a + i.size, 0) / Math.max(1, inputs.length);
  return Math.max(minimum, Math.min(2 * workers + 1, Math.floor(prefetchBytes / Math.max(1, averageBytes))));
}

const prefetchBytes = 256 * 1024 * 1024;

/** How each input of a day is read: its role (own or late) and the job's column mapping and limits. */
function rawFileSpecs(config: JobConfig, date: string, inputs: readonly ManifestInput[]): RawFileSpec[] {
  return inputs.map((i) => ({
    timestampColumn: config.raw.columns.timestamp,
    metricColumn: config.raw.columns.metric,
    valueColumn: config.raw.columns.value,
    dimensions: config.raw.dimensions,
    dayStartMs: dayStartMs(date),
    limits: config.output.limits,
    sampledMetrics: [...metricCatalog(config)]
      .filter(([, m]) => m.kind === 'cumulative' || m.kind === 'distribution')
      .map(([name]) => name),
    role: i.late ? 'late' : 'own',
    routesPreviousDay: !i.late && folderHourOf(i.key) < config.raw.lateArrivalHours,
  }));
}

/** Runs one shard of a day (the hours whose folder hour % count = index), leaving each file's partial for the merging run. */
export async function runShard(
  options: RunRollupOptions & { readonly shard: { readonly index: number; readonly count: number } },
): Promise<{ files: number; rows: number }> {
  const { store, config, date, shard } = options;
  const inputs = (await listRawInputs(store, config.raw.prefix, date, config.raw.lateArrivalHours)).inputs.filter(
    (i) => folderHourOf(i.key) % shard.count === shard.index,
  );
  const cache = {
    partitionPrefix: rollupPartitionPrefix(config.output.prefix, 'hour', date),
    configHash: options.configHash,
    write: true,
  };
  const merged = await aggregateInputs(
    store,
    inputs,
    rawFileSpecs(config, date, inputs),
    decodeLanes(options),
    options.logger ?? silentLogger,
    cache,
  );
  return { files: inputs.length, rows: merged.rowsRead + merged.lateFileRows };
}

/** Bytes that own their whole ArrayBuffer, so it can be transferred to a worker. */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** The measures that depend on a metric's kind: counters' increases, distributions' and distinct metrics' sketches. */
function kindMeasures(
  state: AggregateState,
  merged: MergedPartials,
  config: JobConfig,
): { increase: Float64Array; sketches: (MeasureSketch | undefined)[] } {
  const w = state.width;
  const catalog = merged.metrics.values.map((name) => (name === null ? undefined : metricCatalog(config).get(name))); // by metric id
  const samples = merged.counterLog.toSamples();
  const isCumulative = new Uint8Array(state.groups);
  const isDistribution = new Uint8Array(state.groups);
  for (let g = 0; g < state.groups; g++) {
    const kind = catalog[state.keys[g * w + 1]!]?.kind;
    if (kind === 'cumulative') isCumulative[g] = 1;
    if (kind === 'distribution') isDistribution[g] = 1;
  }
  const increase = counterIncreases(state.groups, samples, isCumulative);
  const sketches = quantileSketchesOf(state.groups, samples, isDistribution);
  const dimensionIndex = new Map(config.raw.dimensions.map((d, i) => [d, i]));
  for (let g = 0; g < state.groups; g++) {
    const metric = catalog[state.keys[g * w + 1]!];
    if (metric?.kind !== 'distinct') continue;
    const values = metric.distinctOf!.map((d) => {
      const i = dimensionIndex.get(d)!;
      return merged.dimensions[i]!.values[state.keys[g * w + 2 + i]!]!;
    });
    sketches[g] = distinctSketchOf(values);
  }
  return { increase, sketches };
}

/** Rows per metric name that the catalog does not define, sorted by name. */
function unknownMetrics(
  state: AggregateState,
  names: readonly (string | null)[],
  config: JobConfig,
): ReadonlyMap<string, number> {
  const catalog = metricCatalog(config);
  const out = new Map<string, number>();
  for (let g = 0; g < state.groups; g++) {
    const name = names[state.keys[g * state.width + 1]!]!;
    if (name !== null && !catalog.has(name)) out.set(name, (out.get(name) ?? 0) + state.count[g]!);
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
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

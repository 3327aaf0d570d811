import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import { sortBaseRecords } from '../cube/base-records.js';
import { counterIncreases } from '../cube/counter-increase.js';
import { distinctSketchOf, quantileSketchesOf, type MeasureSketch } from '../cube/measure-sketch.js';
import { baseRecordsToArrow } from '../cube/cube-to-arrow.js';
import type { AggregateState } from '../cube/series-aggregate.js';
import type { JobConfig } from '../config/job-config.js';
import { writePartition } from '../parquet/write-partition.js';
import type { ObjectStore } from '../storage/object-store.js';
import { StorageError } from '../storage/storage-error.js';
import { dayStartMs, manifestKey, rawDayPrefix, rollupPartitionPrefix } from '../storage/partition-path.js';
import { aggregateRawFile, RawInputError, rejectReasons, type FilePartial, type RawFileSpec, type RejectReason } from './aggregate-raw-file.js';
import type { AggregateTask } from './aggregate-worker.js';
import { buildCube } from './build-cube.js';
import { commitPartition, readCommittedManifest } from './commit.js';
import { decodeFilePartial, encodeFilePartial, partialKey } from './file-partial-codec.js';
import { folderHourOf, listRawInputs, NoRawInputError, type RawListing } from './list-raw-inputs.js';
import { silentLogger, type Logger } from './logger.js';
import { collectGarbage } from './collect-garbage.js';
import { acquireLease, type Lease } from './lease.js';
import type { ManifestIgnored, ManifestInput } from './manifest.js';
import { planRollup } from './plan-rollup.js';
import { resultOf, type RollupResult } from './rollup-result.js';
import { runDayTier } from './run-day-tier.js';
import { emptyMerge, mergePartial, type MergedPartials } from './merge-partials.js';
import { openPool, type WorkerPool } from './worker-pool.js';
import { aggregateWorkerScript } from './aggregate-worker-script.js';

/** What a rollup run needs; everything that varies is injected. */
export interface RunRollupOptions {
  readonly store: ObjectStore;
  readonly config: JobConfig;
  readonly configHash: string;
  readonly date: string; // partition day, YYYY-MM-DD
  readonly workers?: number; // decode threads; 0 decodes on the calling thread; default: available cores
  readonly pool?: WorkerPool; // decode threads shared by several runs (a backfill), used instead of `workers`; not closed here
  readonly force?: boolean; // rebuild even when the committed partition has the same inputs and config
  readonly now?: () => Date;
  readonly logger?: Logger;
  readonly runId?: string; // default: start time + random suffix
  readonly leaseTtlMs?: number; // how long the partition lease outlives this run if it dies (renewed while alive); default 2 min
  readonly graceMs?: number; // unreferenced files younger than this survive garbage collection; default 1 h
  readonly allowEmpty?: boolean; // a day with no raw object is 'no-input' (exit 0) instead of a NoRawInputError halt
}

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
  logger.event('inputs_listed', { partition: mKey, files: inputs.length, ignored: ignored.length, bytes: sum(inputs.map((i) => i.size)), ms: now().getTime() - started });
  logIgnored(logger, mKey, ignored);
  if (listing.ownInputs === 0 && !options.allowEmpty) {
    const late = inputs.length > 0 ? `, ${inputs.length} late objects of the next day` : '';
    const skippedObjects = ignored.length > 0 ? `, ${ignored.length} objects ignored (${ignored.slice(0, 3).map((i) => `${i.key}: ${i.reason}`).join('; ')})` : '';
    throw new NoRawInputError(`run no raw input for ${date}: no .parquet object in an hour folder under ${store.description}/${rawDayPrefix(config.raw.prefix, date)}${late}${skippedObjects}; check --store (ROLLUP_STORE) and raw.prefix, or pass --allow-empty if the day is empty on purpose`);
  }
  const skipped = async (): Promise<RollupResult | undefined> => {
    const previous = await readCommittedManifest(store, mKey);
    const plan = planRollup(inputs, previous, options.configHash, options.force ?? false);
    if (plan.action === 'build' || !previous) return undefined;
    logger.event('partition_skipped', { partition: mKey, reason: plan.reason, outcome: 'skipped' });
    return { ...resultOf('skipped', previous, mKey, now().getTime() - started), ignored: ignored.length };
  };
  const early = await skipped();
  if (early) return early;
  if (inputs.length === 0) {
    logger.event('partition_skipped', { partition: mKey, reason: 'no raw objects for the day (--allow-empty)', outcome: 'no-input' });
    const zero = Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>;
    return { outcome: 'no-input', date, grain: 'hour', manifestKey: mKey, inputs: 0, ignored: ignored.length, rowsIn: 0, rowsAccepted: 0, rowsLate: 0, rowsRouted: 0, rowsOut: 0, rejected: zero, files: 0, bytes: 0, ms: now().getTime() - started };
  }
  const runId = options.runId ?? `${now().toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
  const lease = await acquireLease(store, `${rollupPartitionPrefix(config.output.prefix, 'hour', date)}_lease.json`, runId, options.leaseTtlMs ?? 2 * 60_000, now);
  try {
    const late = options.force ? undefined : await skipped(); // another run may have committed while we waited
    if (late) return late;
    const result = await buildAndCommit({ ...options, now, logger, runId }, listing, mKey, started, lease);
    const garbage = await collectGarbage(store, config.output.prefix, 'hour', date, options.graceMs ?? 60 * 60_000, now);
    if (garbage.deleted.length > 0) logger.event('garbage_collected', { partition: mKey, deleted: garbage.deleted.length, waiting: garbage.waiting.length });
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
  const cache = { partitionPrefix: rollupPartitionPrefix(config.output.prefix, grain, date), configHash: options.configHash, write: false };
  const merged = await aggregateInputs(store, inputs, specs, decodeLanes(options), logger, cache);
  logger.event('inputs_aggregated', { partition: mKey, rows: merged.rowsRead, groups: merged.aggregate.groups, fromShards: merged.fromShards, ms: now().getTime() - aggregateStart });
  const encodeStart = now().getTime();
  const state = merged.aggregate.toState();
  const unknown = unknownMetrics(state, merged.metrics.values, config);
  if (Object.keys(unknown).length > 0 && config.unknownMetricPolicy === 'fail') {
    const list = Object.entries(unknown).map(([m, rows]) => `'${m}' (${rows} rows)`).join(', ');
    throw new RawInputError(`catalog metrics not in the job's metric catalog in ${rawDayPrefix(config.raw.prefix, date)}: ${list}; add them to the catalog or set unknownMetricPolicy to "skip"`);
  }
  const { increase, sketches } = kindMeasures(state, merged, config);
  const records = sortBaseRecords(state, merged.metrics, config.raw.dimensions, merged.dimensions, increase, sketches);
  const kept = records.order.filter((g) => unknown[records.metrics[records.state.keys[g * records.state.width + 1]!]!] === undefined);
  const rejected = { ...merged.rejected, unknown_metric: Object.values(unknown).reduce((a, b) => a + b, 0) };
  const baseRecords = { ...records, order: kept };
  const table = baseRecordsToArrow(baseRecords, dayStartMs(date));
  const files = writePartition(table, { targetFileBytes: config.output.targetFileBytes, rowGroupRows: config.output.rowGroupRows, compression: 'zstd' });
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
    rows: { in: merged.rowsRead, late: merged.late, routed: merged.routed, accepted: merged.rowsRead + merged.late - merged.routed - sum(Object.values(rejected)), out: table.numRows, rejected },
    unknownMetrics: unknown,
    missingDimensions: merged.missingDimensions,
    ...(cube ? { cube } : {}),
  });
  const result = { ...resultOf('committed', manifest, mKey, now().getTime() - started), ignored: ignored.length };
  logger.event('partition_committed', { partition: mKey, rows: result.rowsOut, bytes: result.bytes, ms: result.ms, outcome: 'committed' });
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
async function aggregateInputs(store: ObjectStore, inputs: readonly ManifestInput[], specs: readonly RawFileSpec[], lanes: DecodeLanes, logger: Logger, cache: PartialCache): Promise<MergedPartials & { fromShards: number }> {
  const pool = lanes.shared ?? (lanes.workers > 0 ? openPool(aggregateWorkerScript, lanes.workers) : undefined);
  const workers = pool?.size ?? 0;
  const limit = pLimit(filesInFlight(inputs, workers));
  const done: (FilePartial | undefined)[] = new Array(inputs.length);
  let merged = emptyMerge(specs[0]?.dimensions.length ?? 0);
  let next = 0;
  let finished = 0;
  let fromShards = 0;
  const partialOf = async (i: number): Promise<FilePartial> => {
    const { key } = inputs[i]!;
    const spec = specs[i]!;
    const cacheKey = partialKey(cache.partitionPrefix, inputs[i]!, spec, cache.configHash);
    if (!cache.write && (await store.head(cacheKey))) {
      fromShards++;
      return decodeFilePartial(await store.get(cacheKey), cacheKey);
    }
    const bytes = ownBuffer(await store.get(key, { expect: inputs[i]! })); // ObjectChangedError (retry) when replaced since the listing
    if (bytes.length !== inputs[i]!.size) {
      throw new StorageError(`read raw object ${key} in ${store.description} returned ${bytes.length} bytes, the listing said ${inputs[i]!.size} (truncated read, or the object changed during the run)`, true);
    }
    const task: AggregateTask = { key, bytes, spec };
    const partial = pool ? await pool.run<FilePartial>(task, [bytes.buffer as ArrayBuffer]) : await aggregateRawFile(key, bytes, spec);
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
  return { ...merged, fromShards };
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
    sampledMetrics: Object.entries(config.metrics).filter(([, m]) => m.kind === 'cumulative' || m.kind === 'distribution').map(([name]) => name),
    role: i.late ? 'late' : 'own',
    routesPreviousDay: !i.late && folderHourOf(i.key) < config.raw.lateArrivalHours,
  }));
}

/** Runs one shard of a day (the hours whose folder hour % count = index), leaving each file's partial for the merging run. */
export async function runShard(options: RunRollupOptions & { readonly shard: { readonly index: number; readonly count: number } }): Promise<{ files: number; rows: number }> {
  const { store, config, date, shard } = options;
  const inputs = (await listRawInputs(store, config.raw.prefix, date, config.raw.lateArrivalHours)).inputs.filter((i) => folderHourOf(i.key) % shard.count === shard.index);
  const cache = { partitionPrefix: rollupPartitionPrefix(config.output.prefix, 'hour', date), configHash: options.configHash, write: true };
  const merged = await aggregateInputs(store, inputs, rawFileSpecs(config, date, inputs), decodeLanes(options), options.logger ?? silentLogger, cache);
  return { files: inputs.length, rows: merged.rowsRead + merged.lateFileRows };
}

/** Bytes that own their whole ArrayBuffer, so it can be transferred to a worker. */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** The measures that depend on a metric's kind: counters' increases, distributions' and distinct metrics' sketches. */
function kindMeasures(state: AggregateState, merged: MergedPartials, config: JobConfig): { increase: Float64Array; sketches: (MeasureSketch | undefined)[] } {
  const w = state.width;
  const catalog = merged.metrics.values.map((name) => (name === null ? undefined : config.metrics[name])); // by metric id
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

/** Rows per metric name that the catalog does not define. */
function unknownMetrics(state: AggregateState, names: readonly (string | null)[], config: JobConfig): Record<string, number> {
  const out: Record<string, number> = {};
  for (let g = 0; g < state.groups; g++) {
    const name = names[state.keys[g * state.width + 1]!]!;
    if (name !== null && !(name in config.metrics)) out[name] = (out[name] ?? 0) + state.count[g]!;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Each ignored raw object as a warning (the first 100; then one line with how many more). */
function logIgnored(logger: Logger, partition: string, ignored: readonly ManifestIgnored[]): void {
  for (const i of ignored.slice(0, 100)) logger.event('raw_object_ignored', { level: 'warn', partition, key: i.key, reason: i.reason });
  if (ignored.length > 100) logger.event('raw_objects_ignored', { level: 'warn', partition, more: ignored.length - 100, note: 'the manifest lists every ignored object' });
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

export type { RollupResult } from './rollup-result.js';

/**
 * Decoding a day's raw inputs: on which threads, how many files in flight, shard partials, and the merge in key order.
 */

import { baselineWasmBytes, decodeThreadsFor, defaultDecodeThreads } from './decode-threads.js';
import pLimit from 'p-limit';
import type { JobConfig } from '../config/job-config.js';
import { metricCatalog } from '../config/metric-catalog.js';
import { listAll, type ObjectStore } from '../storage/object-store.js';
import { NotFoundError, StorageError } from '../storage/storage-error.js';
import { dayStartMs, previousDate, rollupPartitionPrefix } from '../storage/partition-path.js';
import { aggregateRawFile, type FilePartial } from '../ingest/aggregate-raw-file.js';
import type { RawFileSpec } from '../ingest/raw-file-spec.js';
import type { AggregateReply, AggregateTask } from '../ingest/aggregate-worker.js';
import {
  chunkKey,
  decodeCachedPartial,
  decodeFilePartial,
  encodeFilePartial,
  PartialRejectedError,
  partialKey,
  partialSuffix,
} from '../ingest/file-partial-codec.js';
import { folderHourOf, listRawInputs } from './list-raw-inputs.js';
import { silentLogger, type Logger } from '../logger.js';
import type { ManifestInput } from '../partition/manifest.js';
import type { RunRollupOptions } from './rollup-options.js';
import { openPool, type WorkerPool } from './worker-pool.js';
import { rollupWorkerScript } from './rollup-worker-script.js';
import { compileWasmForShortUse } from '../parquet/parquet-wasm-module.js';

/**
 * Where raw files are decoded: a pool shared across runs, else `workers` threads of this run's own (0: this thread).
 */
interface DecodeLanes {
  readonly shared?: WorkerPool;
  readonly workers: number;
  readonly briefWasm?: boolean; // a tiny day on this thread: parquet-wasm compiled for short use (baselineWasmBytes)
}

/**
 * The lanes of a run: its shared pool, else the threads it was told to use, else as many as its raw `inputs` pay for
 * (decodeThreadsFor; the CPUs when the inputs are not known), at most `maxWorkers`.
 */
export function decodeLanes(
  options: Pick<RunRollupOptions, 'pool' | 'workers' | 'maxWorkers'>,
  inputs?: readonly { readonly size: number }[],
): DecodeLanes {
  if (options.pool) return { shared: options.pool, workers: options.workers ?? defaultDecodeThreads() };
  const bytes = inputs?.reduce((n, i) => n + i.size, 0);
  const chosen = bytes === undefined ? defaultDecodeThreads() : decodeThreadsFor(bytes);
  const workers = options.workers ?? Math.min(chosen, options.maxWorkers ?? chosen);
  return { workers, ...(workers === 0 && bytes !== undefined && bytes < baselineWasmBytes ? { briefWasm: true } : {}) };
}

/**
 * The pool a run's lanes decode and build on: the shared one, else threads of its own (closed by the caller), else none
 * (this thread; for a tiny day with parquet-wasm compiled for short use: compileWasmForShortUse).
 */
export function openLanes(lanes: DecodeLanes): WorkerPool | undefined {
  if (lanes.shared) return lanes.shared;
  if (lanes.workers > 0) return openPool(rollupWorkerScript, lanes.workers);
  if (lanes.briefWasm) compileWasmForShortUse();
  return undefined;
}

/** Where per-file partials are cached between shard processes and the merging run. */
interface PartialCache {
  readonly partitionPrefix: string;
  readonly configHash: string;
  readonly write: boolean; // shard mode: leave each file's partial for the merging run
}

/** How decoding went: partials taken from shard processes, ignored ones, and foreign files under `_shards/`. */
export interface DecodeCounts {
  readonly fromShards: number;
  readonly shardPartialsIgnored: number;
  readonly foreignShardPartials: number;
}

/** Where a chunk of a decoded file belongs: the file's index in the inputs, the chunk's index, whether it is the last. */
export interface ChunkAt {
  readonly input: number;
  readonly chunk: number;
  readonly last: boolean;
}

/**
 * Decodes the inputs (a shard's partial when one is cached, else the raw file) on the decode lanes and hands each
 * file's partial to `sink`, a chunk at a time (a file of many series is cut into chunks: `fileChunkGroups`), one call
 * at a time, as they come: the chunks of a file in order, files in any order. A decode thread waits until its chunk is
 * taken, so memory holds a chunk per file in flight, whatever the files' series.
 */
export async function decodeInputs(
  store: ObjectStore,
  inputs: readonly ManifestInput[],
  specs: readonly RawFileSpec[],
  lanes: DecodeLanes,
  logger: Logger,
  cache: PartialCache,
  sink: (chunk: FilePartial, at: ChunkAt) => Promise<void>,
): Promise<DecodeCounts> {
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
  const pool = lanes.shared ?? (lanes.workers > 0 ? openPool(rollupWorkerScript, lanes.workers) : undefined);
  const workers = pool?.size ?? 0;
  const limit = pLimit(filesInFlight(inputs, workers));
  let sinking: Promise<void> = Promise.resolve(); // one sink call at a time
  const take = (chunk: FilePartial, at: ChunkAt): Promise<void> => {
    const taken = sinking.then(() => sink(chunk, at));
    sinking = taken.catch(() => undefined);
    return taken;
  };
  let finished = 0;
  let fromShards = 0;
  let shardPartialsIgnored = 0;
  const rawBuffers = new RawBuffers();
  const decodeFile = async (i: number): Promise<void> => {
    const { key } = inputs[i]!;
    const spec = specs[i]!;
    const cacheKey = partialKey(cache.partitionPrefix, inputs[i]!, spec, cache.configHash);
    if (!cache.write && (await store.head(cacheKey))) {
      const taken = await takeCached(store, cacheKey, i, key, take, logger, cache.partitionPrefix);
      if (taken) {
        fromShards++;
        return;
      }
      shardPartialsIgnored++;
    }
    // a shard leaves chunk 1, 2, ... as they come and the first chunk last, recording how many there are: a first
    // chunk found means every chunk is there
    let chunks = 0;
    let first: FilePartial | undefined;
    const next = async (chunk: FilePartial, last: boolean): Promise<void> => {
      const at = { input: i, chunk: chunks++, last };
      if (cache.write) {
        if (at.chunk === 0) first = chunk;
        else await store.put(chunkKey(cacheKey, at.chunk), encodeFilePartial(chunk));
        if (last) await store.put(cacheKey, encodeFilePartial(first!, chunks));
      }
      await take(chunk, at);
    };
    // ObjectChangedError (retry) when replaced since the listing
    const into = pool ? rawBuffers.take(inputs[i]!.size) : undefined;
    const read = await store.get(key, { expect: inputs[i]!, ...(into ? { into } : {}) });
    const inPlace = into !== undefined && read.buffer === into.buffer && read.byteOffset === 0;
    if (into && !inPlace) rawBuffers.give(into); // a store that ignores `into` (S3): the buffer waits for the next read
    const bytes = inPlace ? read : ownBuffer(read);
    if (bytes.length !== inputs[i]!.size) {
      throw new StorageError(
        `read raw object ${key} in ${store.description} returned ${bytes.length} bytes, the listing ` +
          `said ${inputs[i]!.size} (truncated read, or the object changed during the run)`,
        true,
      );
    }
    const task: AggregateTask = { kind: 'decode', key, bytes, spec };
    const chunk = (c: FilePartial): Promise<void> => next(c, false);
    if (pool) {
      const reply = await pool.run<AggregateReply, FilePartial>(task, [bytes.buffer as ArrayBuffer], chunk);
      rawBuffers.give(reply.bytes);
      await next(reply.partial, true);
    } else await next(await aggregateRawFile(key, bytes, spec, chunk), true);
  };
  try {
    await Promise.all(
      inputs.map((_, i) =>
        limit(async () => {
          await decodeFile(i);
          logger.progress('aggregate', ++finished, inputs.length);
        }),
      ),
    );
  } finally {
    if (!lanes.shared) await pool?.close();
  }
  return { fromShards, shardPartialsIgnored, foreignShardPartials: foreign.length };
}

/**
 * Hands a shard's cached chunks of input `i` to `take`; false when the cache cannot be used (damaged, of another
 * version, a chunk missing), before anything was taken. A chunk found damaged or gone after the first was taken fails
 * the run as transient, having removed the first chunk, so that the rerun decodes the raw file.
 */
async function takeCached(
  store: ObjectStore,
  firstKey: string,
  i: number,
  input: string,
  take: (chunk: FilePartial, at: ChunkAt) => Promise<void>,
  logger: Logger,
  partition: string,
): Promise<boolean> {
  let first: { partial: FilePartial; chunks: number };
  try {
    first = decodeCachedPartial(await store.get(firstKey), firstKey);
    for (let c = 1; c < first.chunks; c++)
      if (!(await store.head(chunkKey(firstKey, c))))
        throw new PartialRejectedError(`shard partial ${firstKey}: its chunk ${c} of ${first.chunks} is missing`);
  } catch (e) {
    if (!(e instanceof PartialRejectedError || e instanceof NotFoundError)) throw e;
    // damaged, of another version, or removed meanwhile: decode the raw file instead
    logger.event('shard_partial_ignored', {
      partition,
      key: firstKey,
      input,
      reason: e.message,
      outcome: 'decoded from raw',
    });
    return false;
  }
  await take(first.partial, { input: i, chunk: 0, last: first.chunks === 1 });
  for (let c = 1; c < first.chunks; c++) {
    const key = chunkKey(firstKey, c);
    let chunk: FilePartial;
    try {
      chunk = decodeFilePartial(await store.get(key), key);
    } catch (e) {
      if (!(e instanceof PartialRejectedError || e instanceof NotFoundError)) throw e;
      await store.delete(firstKey);
      throw new StorageError(
        `shard partial ${key} of ${input} cannot be used after its first chunk was: ${e.message}; removed ${firstKey}, a rerun decodes the raw file`,
        true,
      );
    }
    await take(chunk, { input: i, chunk: c, last: c === first.chunks - 1 });
  }
  return true;
}

/**
 * How many raw files are fetched or being decoded at once: one per worker plus one being fetched, and, while the
 * files are small, one more per worker, queued so that a worker that finishes starts its next file at once. Fetches
 * wait on the store, not on a core: with fewer than two workers (the main thread decodes) small files are fetched as
 * for two (on S3, 2 in flight doubled a small day's reads: 120 objects whose bodies were cut and read again took 37 s
 * against 17 s with 5).
 */
function filesInFlight(inputs: readonly ManifestInput[], workers: number): number {
  const minimum = Math.max(2, workers + 1);
  const averageBytes = inputs.reduce((a, i) => a + i.size, 0) / Math.max(1, inputs.length);
  const queued = 2 * Math.max(2, workers) + 1;
  return Math.max(minimum, Math.min(queued, Math.floor(prefetchBytes / Math.max(1, averageBytes))));
}

const prefetchBytes = 256 * 1024 * 1024;

/** How each input of a day is read: its role (own or late) and the job's column mapping and limits. */
export function rawFileSpecs(config: JobConfig, date: string, inputs: readonly ManifestInput[]): RawFileSpec[] {
  const kinds = [...metricCatalog(config)];
  const named = (...of: readonly string[]): string[] => kinds.filter(([, m]) => of.includes(m.kind)).map(([n]) => n);
  const [sampledMetrics, distributionMetrics] = [named('cumulative', 'distribution'), named('distribution')];
  // rows of the day before in this day's first folders are that day's late rows (1970-01-01 has no day before)
  const dayBefore = previousDate(date) !== undefined;
  return inputs.map((i) => ({
    timestampColumn: config.raw.columns.timestamp,
    metricColumn: config.raw.columns.metric,
    valueColumn: config.raw.columns.value,
    dimensions: config.raw.dimensions,
    dayStartMs: dayStartMs(date),
    limits: config.output.limits,
    sampledMetrics,
    distributionMetrics,
    role: i.late ? 'late' : 'own',
    routesPreviousDay: dayBefore && !i.late && folderHourOf(i.key) < config.raw.lateArrivalHours,
  }));
}

/**
 * Runs one shard of a day (the hours whose folder hour % count = index), leaving each file's partial for the merging
 * run.
 */
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
  let rows = 0;
  await decodeInputs(
    store,
    inputs,
    rawFileSpecs(config, date, inputs),
    decodeLanes(options),
    options.logger ?? silentLogger,
    cache,
    (chunk) => {
      rows += chunk.rowsRead;
      return Promise.resolve();
    },
  );
  return { files: inputs.length, rows };
}

/**
 * Buffers raw files are read into, each sent to a worker and handed back with its partial: a fresh buffer per file
 * cost ~2 ms of page faults per 2.4 MB file (sys time), more than reading it.
 */
class RawBuffers {
  private readonly free: ArrayBuffer[] = [];

  /** A buffer of at least `size` bytes (a free one if any is big enough). */
  take(size: number): Uint8Array {
    const at = this.free.findIndex((b) => b.byteLength >= size);
    return new Uint8Array(at >= 0 ? this.free.splice(at, 1)[0]! : new ArrayBuffer(Math.ceil(size * 1.25)));
  }

  /** Keeps the buffer of `bytes` for a later read, while the kept ones stay within maxKeptBytes. */
  give(bytes: Uint8Array): void {
    const kept = this.free.reduce((sum, b) => sum + b.byteLength, 0);
    if (kept + bytes.buffer.byteLength <= maxKeptBytes) this.free.push(bytes.buffer as ArrayBuffer);
  }
}

/** Bytes of free raw buffers kept (files in flight hold theirs besides). */
const maxKeptBytes = 32 * 1024 * 1024;

/** Bytes that own their whole ArrayBuffer, so it can be transferred to a worker. */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

import { acquireLease, type Lease, runLeaseTtlMs } from '../partition/lease.js';
import { newRunId } from '../partition/run-id.js';
import { leaseKey, manifestKey, rollupPartitionPrefix } from '../storage/partition-path.js';
import { rejectReasons, type RejectReason } from '../ingest/reject-reason.js';
import { commitPartition, readCommittedManifest, uploadSegment } from '../partition/commit.js';
import { segmentsOf } from '../partition/manifest-segments.js';
import { partitionDimensionOf } from '../config/job-config.js';
import { dayTierInputsOf } from '../partition/day-tier-source.js';
import type { Manifest, ManifestOutput, ManifestSegment } from '../partition/manifest.js';
import { resultOf, type RollupResult } from './rollup-result.js';
import type { RunRollupOptions } from './rollup-options.js';
import {
  dayShardRecords,
  dayTierBytesPerRecord,
  dayUnitBytes,
  dayUnitPeakBytesPerDayRecord,
  dayUnitPeakBytesPerRecord,
  dayUnitsAtOnce,
} from './plan-shards.js';
import { buildBytesPerGroup, planParts, planUnits, segmentShareBytes } from './plan-parts.js';
import { runPartition } from './run-partition.js';
import { cuboidsOf } from './cuboid-rows.js';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { dayPartColumns, daySpecOf, encodeDayUnit, type DayUnitTask, type EncodedDayUnit } from './encode-day-unit.js';
import { splitBatchesOf, splitHourFiles, type DaySplitPiece, type DaySplitTask } from './split-day-shard.js';
import { makeSpillFolder } from './segment-spill.js';
import { decodeLanes } from './decode-inputs.js';
import { openPool, type WorkerPool } from './worker-pool.js';
import { rollupWorkerScript } from './rollup-worker-script.js';
import { readAhead } from '../storage/read-ahead.js';

/** A part's file cut from a batch of hour files (`splitHourFiles`), written to the spill folder. */
interface SpilledFile extends ManifestOutput {
  readonly path: string;
}

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
      [
        dayUnitBytes(
          dayShardRecords(layout.list.filter((s) => s.shard === shard)),
          dayTierBytesPerRecord,
          buildBytesPerGroup,
        ),
      ],
      1,
      memoryBytes,
    ),
  );
}

/**
 * The day tier's lease, taken by the run of the hour tier before it lets its own go (its `beforeRelease`), so that no
 * moment shows a day tier made stale by the hours just committed with no run at work on it (a query then answers
 * "retry in a moment", not "run it again"). Undefined when another run holds it: the day tier's run tries again itself
 * and says why.
 */
export async function takeDayTierLease(options: RunRollupOptions): Promise<Lease | undefined> {
  const { store, config, date } = options;
  const now = options.now ?? ((): Date => new Date());
  const key = leaseKey(config.output.prefix, 'day', date);
  const runId = options.runId ?? newRunId(now());
  return acquireLease(store, key, runId, options.leaseTtlMs ?? runLeaseTtlMs, now).catch(() => undefined);
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
 * Builds units `indexes` of the day tier, each from the hour segments of its shard, and uploads their segments (files
 * named by content, invisible until a manifest lists them); a unit without records has none unless `emitEmpty`. The
 * files of a unit are fetched here and encoded on a build thread, as many units at once as the run has threads and
 * half its budget holds at their measured peak (`dayUnitsAtOnce`; one, on this thread, without a pool); the results
 * come back in unit order.
 */
export async function buildDayUnits(
  options: RunRollupOptions,
  hour: Manifest,
  units: ReturnType<typeof planDayUnits>,
  indexes: readonly number[],
  emitEmpty = false,
): Promise<DayUnitBuilt[]> {
  const { store, config, date } = options;
  const layout = segmentsOf(hour);
  const configJson = JSON.stringify(config);
  const lanes = decodeLanes(options);
  const peakOfShard = new Map<number, number>(); // a shard's sketches merged once, not once per part
  for (const shard of new Set(indexes.map((k) => units[k]!.index))) {
    const records = dayShardRecords(layout.list.filter((s) => s.shard === shard));
    peakOfShard.set(shard, dayUnitBytes(records, dayUnitPeakBytesPerRecord, dayUnitPeakBytesPerDayRecord));
  }
  const largest = Math.max(0, ...indexes.map((k) => peakOfShard.get(units[k]!.index)! / units[k]!.parts));
  const memoryBytes = options.memoryBytes ?? config.output.limits.memoryBytes;
  const threads = Math.min(indexes.length, lanes.shared?.size ?? lanes.workers);
  const atOnce = dayUnitsAtOnce(largest, memoryBytes, threads);
  const pool = lanes.shared ?? (atOnce > 1 ? openPool(rollupWorkerScript, atOnce) : undefined);
  const built: DayUnitBuilt[] = [];
  let folder: string | undefined; // made when a shard is cut into parts
  let partFiles = new Map<string, SpilledFile[]>(); // `${shard}/${part}` -> the part's files cut from its shard's
  const buildOne = async (index: number): Promise<void> => {
    const { index: shard, part, parts } = units[index]!;
    const cut = parts > 1 ? (partFiles.get(`${shard}/${part}`) ?? []) : undefined;
    const files = cut ?? layout.list.filter((s) => s.shard === shard).flatMap((s) => s.outputs);
    // every file of the unit goes to its build thread: fetched with as many GETs in flight as the store overlaps
    const bytes: Uint8Array[] = [];
    if (cut) for (const f of cut) bytes.push(await readFile(f.path));
    else for await (const b of readAhead(files, store.overlappedReads ?? 1, (f) => store.get(f.key))) bytes.push(b);
    const task: DayUnitTask = {
      ...{ kind: 'day-unit', configJson, date, shard, part, parts, dimensions: hour.dimensions },
      ...{ files, bytes, emitEmpty },
    };
    const encoded = pool
      ? await pool.run<EncodedDayUnit>(task, [...new Set(bytes.map((b) => b.buffer as ArrayBuffer))])
      : await encodeDayUnit(task);
    for (const f of cut ?? []) await rm(f.path, { force: true });
    const { segment, ...counts } = encoded;
    const uploaded = segment
      ? await uploadSegment(store, rollupPartitionPrefix(config.output.prefix, 'day', date), segment)
      : undefined;
    built.push({ unit: index, ...(uploaded ? { segment: uploaded } : {}), ...counts });
    options.logger?.progress('day tier', built.length, units.length);
  };
  try {
    ({ folder, partFiles } = await cutShardsIntoParts(options, hour, units, indexes, { pool, atOnce, memoryBytes }));
    const queue = [...indexes];
    const lane = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await buildOne(next);
    };
    await Promise.all(Array.from({ length: atOnce }, lane));
  } finally {
    if (pool && !lanes.shared) await pool.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  }
  return built.sort((a, b) => a.unit - b.unit);
}

/**
 * Cuts the day shards that units `indexes` build as parts: each shard's hour files read once, in batches of up to a
 * segment's share of the budget (`splitBatchesOf`), each batch cut on a build thread into one file per part this run
 * builds, in a spill folder made for them (none when no shard is built as parts). Returns the folder and each part's
 * files (`${shard}/${part}`), in batch order.
 */
async function cutShardsIntoParts(
  options: RunRollupOptions,
  hour: Manifest,
  units: ReturnType<typeof planDayUnits>,
  indexes: readonly number[],
  run: { readonly pool: WorkerPool | undefined; readonly atOnce: number; readonly memoryBytes: number },
): Promise<{ folder: string | undefined; partFiles: Map<string, SpilledFile[]> }> {
  const { store, config, date } = options;
  const layout = segmentsOf(hour);
  const dropped = new Set(config.output.tiers.find((t) => t.grain === 'day')?.dropDimensions);
  const partColumns = dayPartColumns(
    hour.dimensions,
    dropped,
    layout.partitionDimension || partitionDimensionOf(config),
  );
  const wantedOf = new Map<number, number[]>(); // shard -> the parts of it this run builds
  for (const k of indexes) {
    const u = units[k]!;
    if (u.parts > 1) wantedOf.set(u.index, [...(wantedOf.get(u.index) ?? []), u.part]);
  }
  let folder: string | undefined;
  const partFiles = new Map<string, SpilledFile[]>();
  const limit = pLimit(Math.max(1, run.atOnce));
  try {
    for (const [shard, wanted] of wantedOf) {
      const parts = units.find((u) => u.index === shard)!.parts;
      const files = layout.list.filter((s) => s.shard === shard).flatMap((s) => s.outputs);
      const batches = splitBatchesOf(files, Math.floor(segmentShareBytes(run.memoryBytes) / dayTierBytesPerRecord));
      const pieces = await Promise.all(
        batches.map((batch, n) =>
          limit(async () => {
            const bytes: Uint8Array[] = [];
            for await (const b of readAhead(batch, store.overlappedReads ?? 1, (f) => store.get(f.key))) bytes.push(b);
            const task: DaySplitTask = {
              ...{ kind: 'day-split', date, files: batch, bytes },
              ...{ dimensions: hour.dimensions, partColumns, parts, wanted },
            };
            return run.pool
              ? run.pool.run<DaySplitPiece[]>(task, [...new Set(bytes.map((b) => b.buffer as ArrayBuffer))])
              : splitHourFiles(task);
          }).then(async (cut) => {
            const written: [number, SpilledFile][] = [];
            for (const p of cut) {
              folder ??= await makeSpillFolder(options.spillFolder);
              const path = join(folder, `day-${shard}-${p.part}-${String(n).padStart(6, '0')}.parquet`);
              await writeFile(path, p.bytes);
              written.push([p.part, { key: path, path, rows: p.rows, bytes: p.bytes.length, sha256: '' }]);
            }
            return written;
          }),
        ),
      );
      for (const [part, f] of pieces.flat()) {
        const key = `${shard}/${part}`;
        partFiles.set(key, [...(partFiles.get(key) ?? []), f]);
      }
    }
  } catch (error) {
    if (folder) await rm(folder, { recursive: true, force: true });
    throw error;
  }
  return { folder, partFiles };
}

/**
 * Builds the day tier of `date` from the committed hour partition's base records (merging states, never rescanning
 * raw data), dropping the tier's `dropDimensions`, with its own star-tree, and commits it (manifest last). With a
 * `share`, this process builds only its units and commits them with the ones the other pods built.
 */
export async function runDayTier(
  options: RunRollupOptions,
  share?: DayTierShare,
  heldLease?: Lease, // the day's lease, taken by the run of its hour tier, which releases it
): Promise<RollupResult> {
  const { store, config, date } = options;
  const hour = await readDayTierSource(options);
  const dropped = new Set(config.output.tiers.find((t) => t.grain === 'day')?.dropDimensions);
  const inputs = dayTierInputsOf(hour.outputs);
  return runPartition(options, {
    grain: 'day',
    inputs,
    ...(heldLease ? { heldLease } : {}),
    build: async ({ runId, lease, now, logger, started, manifestKey: dayKey }) => {
      const layout = segmentsOf(hour);
      const partitionDimension = layout.partitionDimension || partitionDimensionOf(config);
      const units = planDayUnits(hour, options.memoryBytes ?? config.output.limits.memoryBytes);
      const mine = units.map((_, k) => k).filter((k) => !share || share.mine(k));
      logger.progress('day tier', 0, units.length);
      const built = await buildDayUnits(options, hour, units, mine);
      if (share) built.push(...(await share.others()));
      built.sort((a, b) => a.unit - b.unit);
      if (units.length > 0 && !built.some((b) => b.segment))
        built.push(...(await buildDayUnits(options, hour, units, [units.length - 1], true))); // a day with no records
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

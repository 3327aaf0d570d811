import type { Manifest, ManifestInput } from '../partition/manifest.js';
import { segmentsOf } from '../partition/manifest-segments.js';
import { buildBytesPerGroup, segmentShareBytes } from './plan-parts.js';
import { folderHourOf } from './list-raw-inputs.js';
import { estimateDayKeys } from './day-key-sketch.js';

/**
 * Memory a segment build takes per byte of raw Parquet it covers (decoded columns, the hash aggregate, sorted records,
 * the star-tree and the encoders), measured on the sample fleet: a 50M-row day (234 MB of raw Parquet) built as one
 * segment peaked at 3.9 GB.
 */
export const buildBytesPerRawByte = 16;

/** The most shards a day is cut into: beyond it, raise `output.limits.memoryBytes` or set `segments.shards`. */
export const maxAutoShards = 256;

/** What a day's previous day tells the shard planner: build memory per raw byte, as its base records measured it. */
export interface ShardHistory {
  readonly buildBytesPerRawByte: number;
}

/**
 * The build memory per raw byte of a committed hour partition: its base records (segment rows) times
 * `buildBytesPerGroup`, over its own raw bytes. Undefined when it read no raw byte or built no record.
 */
export function shardHistoryOf(manifest: Manifest): ShardHistory | undefined {
  let rawBytes = 0;
  for (const i of manifest.inputs) if (!i.late) rawBytes += i.size;
  const records = segmentsOf(manifest).list.reduce((n, s) => n + s.rows, 0);
  if (rawBytes === 0 || records === 0) return undefined;
  return { buildBytesPerRawByte: (records * buildBytesPerGroup) / rawBytes };
}

/**
 * The build memory a shard's segment is planned to: three quarters of a segment's share of the budget (what parts are
 * planned to), the rest for the partition values' unequal sizes (the largest shard of an hour measured 1.06 to 1.10
 * times the mean on the 200M-row and high-cardinality sample days), so that an evenly spread day is not split.
 */
export function shardTargetBytes(memoryBytes: number): number {
  return segmentShareBytes(memoryBytes) * 0.75;
}

/**
 * How many shards every hour of a day is cut into: the job's `segments.shards`, or (auto) enough that the largest
 * hour's segments each fit in `shardTargetBytes`. Estimated from the raw bytes listed per hour folder, times the build
 * memory per raw byte the previous day measured (`history`) or else `buildBytesPerRawByte`. Depends only on the
 * listing and the previous day's manifest, so every process plans the same. Hot segments are split further into parts
 * once their decoded sizes are known (plan-parts.ts).
 */
export function planShards(
  declared: 'auto' | number,
  memoryBytes: number,
  inputs: readonly ManifestInput[],
  history?: ShardHistory,
): number {
  if (declared !== 'auto') return declared;
  const bytesByHour = new Map<number, number>();
  for (const i of inputs) {
    if (i.late) continue;
    const hour = folderHourOf(i.key);
    bytesByHour.set(hour, (bytesByHour.get(hour) ?? 0) + i.size);
  }
  const largest = Math.max(0, ...bytesByHour.values());
  const perRawByte = history?.buildBytesPerRawByte ?? buildBytesPerRawByte;
  return Math.min(maxAutoShards, Math.max(1, Math.ceil((largest * perRawByte) / shardTargetBytes(memoryBytes))));
}

/**
 * Memory the day tier takes per hour record it reads (JS arrays of values, then the typed records), measured: what
 * plans the parts of a day shard (`dayUnitBytes`) and the batches a shard built as parts is cut in.
 */
export const dayTierBytesPerRecord = 600;

/**
 * Peak memory of a day unit's build per hour record it reads, measured as a process's peak RSS over its baseline (the
 * 50M-row day's units of ~278,000 hour records, ~11,600 day records as each series fills every hour, peaked at 484
 * MiB, ~390 MB above a process that reads nothing, the hour cuboids included): how many units a run builds at once
 * within its budget (`dayUnitsAtOnce`).
 */
export const dayUnitPeakBytesPerRecord = 1_500;

/**
 * Peak memory of a day unit's build per day record, when its day records rival its hour records (series that each
 * come in one hour, so a star-tree of as many day records as hour records read): units of 300,000 distinct series
 * peaked at 2,829 MiB, ~2.4 GB above the baseline, ~8 KB a record.
 */
export const dayUnitPeakBytesPerDayRecord = 8_192;

/** A day shard's records: the hour records it reads, and the day records they roll up to (estimated). */
export interface DayShardRecords {
  readonly hour: number;
  readonly day: number;
}

/**
 * A day shard's records from its hour segments. Its day records are counted by the segments' day-key sketches, merged
 * (`estimateDayKeys`), at most its hour records. Without a sketch on every segment (manifests written before them, or
 * no day tier declared when the hour tier was built) they are estimated as its hour records over the hours that hold
 * any: one per series when the same series fill every hour, each hour record its own when the series come in one hour;
 * series that turn over within the day are undercounted, up to 24 times when they turn over every hour.
 */
export function dayShardRecords(
  segments: readonly { readonly hour: number | null; readonly rows: number; readonly dayKeys?: string }[],
): DayShardRecords {
  let hour = 0;
  const hours = new Set<number | null>();
  const sketches: string[] = [];
  for (const s of segments) {
    hour += s.rows;
    if (s.rows > 0) hours.add(s.hour);
    if (s.dayKeys !== undefined) sketches.push(s.dayKeys);
  }
  const sketched = segments.every((s) => s.rows === 0 || s.dayKeys !== undefined);
  const day = sketched ? Math.min(hour, estimateDayKeys(sketches)) : Math.ceil(hour / Math.max(1, hours.size));
  return { hour, day };
}

/**
 * Memory of a day unit holding `records`: the larger of reading its hour records and building its day records'
 * star-tree, at the bytes per record given (planned: `dayTierBytesPerRecord` and `buildBytesPerGroup`, as a segment's
 * groups; peak: `dayUnitPeakBytesPerRecord` and `dayUnitPeakBytesPerDayRecord`). A day whose series fill most hours
 * is planned by its hour records, one whose series each come in one hour by its day records.
 */
export function dayUnitBytes(records: DayShardRecords, perHourRecord: number, perDayRecord: number): number {
  return Math.max(records.hour * perHourRecord, records.day * perDayRecord);
}

/** Day units built at once: as many as fit in half the budget at their peak (bytes), at least 1, at most `threads`. */
export function dayUnitsAtOnce(largestUnitBytes: number, memoryBytes: number, threads: number): number {
  const fit = Math.floor(memoryBytes / 2 / Math.max(1, largestUnitBytes));
  return Math.max(1, Math.min(threads, fit));
}

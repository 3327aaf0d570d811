import type { JobConfig } from '../config/job-config.js';
import { sortBaseRecords, type BaseRecords } from '../ingest/base-records.js';
import { compareNullableStrings } from '../ingest/value-order.js';
import type { MergedPartials } from '../ingest/merge-partials.js';
import { writePartition, type EncodedFile } from '../parquet/write-partition.js';
import type { EncodedCubeFiles } from '../partition/encoded-cube.js';
import type { FilePartial } from '../ingest/aggregate-raw-file.js';
import { transferablesOf } from '../ingest/aggregate-worker.js';
import { emptyMerge, mergePartial } from '../ingest/merge-partials.js';
import { jobConfigOfJson } from '../config/load-job-config.js';
import type { ManifestSegment } from '../partition/manifest.js';
import type { SegmentFiles } from '../partition/commit.js';
import { baseRecordsToArrow, type SketchBytes } from '../partition/records-to-arrow.js';
import { dayStartMs } from '../storage/partition-path.js';
import { buildCube } from './build-cube.js';
import { dayKeySketch } from './day-key-sketch.js';
import { heldIds } from './held-ids.js';
import { kindMeasures } from './kind-measures.js';

/** One segment's files, encoded and ready to upload, with what the manifest records about it. */
export interface BuiltSegment {
  readonly hour: number | null;
  readonly shard: number;
  readonly part?: number; // of a split segment: 0 .. parts - 1 (absent: not split)
  readonly parts?: number; // the split segment's part count
  readonly files: readonly EncodedFile[]; // base records
  readonly cube?: EncodedCubeFiles;
  readonly rows: number;
  readonly accepted: number;
  readonly stats: ManifestSegment['stats'];
  readonly dayKeys?: string; // sketch of its records' day-tier keys (day-key-sketch.ts); absent without a day tier
}

/** A built segment with the time its build took on its thread (0: the main thread), as the build threads report. */
export interface TimedSegment {
  readonly segment: BuiltSegment;
  readonly ms: number;
  readonly thread: number;
}

/**
 * Builds one hour segment from the merged pieces of its raw files: kind measures, the sorted base records (without
 * metrics left out by the unknown-metric policy), their Parquet files and the segment's star-tree and cuboids.
 */
export function buildHourSegment(
  merged: MergedPartials,
  at: { readonly hour: number; readonly shard: number; readonly part?: number; readonly parts?: number },
  config: JobConfig,
  date: string,
  unknown: ReadonlySet<string>,
): BuiltSegment {
  const state = merged.aggregate.toState();
  const { increase, sketches } = kindMeasures(state, merged, config);
  const records = sortBaseRecords(state, merged.metrics, config.raw.dimensions, merged.dimensions, increase, sketches);
  const kept = keptRecords(records, unknown);
  const base: BaseRecords = { ...records, order: kept };
  const encoded: SketchBytes = new Map(); // the star-tree's records share the base records' sketches: encoded once
  const table = baseRecordsToArrow(base, dayStartMs(date), encoded);
  const output = { targetFileBytes: config.output.targetFileBytes, rowGroupRows: config.output.rowGroupRows };
  const accepted = samplesOf(kept, state.count);
  const built = config.cube ? buildCube(base, config.cube, dayStartMs(date), output, encoded) : undefined;
  const cube = built ? (({ tree: _tree, ...files }) => files)(built) : undefined; // the tree stays on this thread
  return {
    hour: at.hour,
    shard: at.shard,
    ...(at.parts !== undefined ? { part: at.part ?? 0, parts: at.parts } : {}),
    files: writePartition(table, { ...output, compression: 'zstd' }),
    ...(cube ? { cube } : {}),
    rows: kept.length,
    accepted,
    stats: keyStats(base),
    ...dayKeysOf(base, config),
  };
}

/** The sketch of the kept records' day-tier keys, when the job declares a day tier (`dayKeySketch`). */
function dayKeysOf(base: BaseRecords, config: JobConfig): { dayKeys?: string } {
  const day = config.output.tiers.find((t) => t.grain === 'day');
  if (!day) return {};
  const dropped = new Set(day.dropDimensions);
  const columns = ['metric', ...base.dimensionNames].flatMap((name, c) => (dropped.has(name) ? [] : [c]));
  const dictionaries = [base.metrics, ...base.dimensionValues];
  return { dayKeys: dayKeySketch(dictionaries, columns, base.state.keys, base.state.width, base.order) };
}

/**
 * The samples of the groups `kept`. (Per-group loops of a segment's build are functions of their own: V8 optimizes a
 * loop while it runs, and code after it in the same function would have no type feedback yet and be thrown away.)
 */
function samplesOf(kept: Int32Array, count: Float64Array): number {
  let samples = 0;
  for (let r = 0; r < kept.length; r++) samples += count[kept[r]!]!;
  return samples;
}

/** The records of `records.order` whose metric is not in `unknown`, in that order (a loop, not filter's callbacks). */
function keptRecords(records: BaseRecords, unknown: ReadonlySet<string>): Int32Array {
  const { state, order } = records;
  const drop = Uint8Array.from(records.metrics, (name) => (name !== null && unknown.has(name) ? 1 : 0));
  const kept = new Int32Array(order.length);
  return kept.slice(0, keepRecords(order, state.keys, state.width, drop, kept));
}

/** Writes to `kept` the groups of `order` whose metric id is not dropped; returns how many. */
function keepRecords(order: Int32Array, keys: Int32Array, w: number, drop: Uint8Array, kept: Int32Array): number {
  let n = 0;
  for (let r = 0; r < order.length; r++) {
    const g = order[r]!;
    if (drop[keys[g * w + 1]!] === 0) kept[n++] = g;
  }
  return n;
}

/** A segment to build on a worker thread: its pieces (in file order) and the job as JSON. */
export interface BuildSegmentTask {
  readonly kind: 'build-segment';
  readonly configJson: string;
  readonly date: string;
  readonly hour: number;
  readonly shard: number;
  readonly part?: number; // of a split segment (absent: not split)
  readonly parts?: number;
  readonly pieces: readonly FilePartial[];
  readonly unknownMetrics: readonly string[];
}

/** Merges a segment's pieces in the order given (the same sums on every thread) and builds the segment. */
export function buildSegmentFromPieces(
  task: Omit<BuildSegmentTask, 'kind' | 'configJson'> & { config?: JobConfig; configJson?: string },
): BuiltSegment {
  const config = task.config ?? jobConfigOfJson(task.configJson ?? '');
  const spec = { dimensions: config.raw.dimensions, limits: config.output.limits };
  // room for every piece's groups (an upper bound; files of one hour usually hold distinct series), so the table
  // need not grow and copy its columns mid-merge; capped, as pieces of many files may share most of their series
  let groups = 0;
  for (const piece of task.pieces) groups += piece.state.groups;
  let merged = emptyMerge(config.raw.dimensions.length, Math.min(Math.max(groups, 1 << 14), 1 << 18));
  for (const piece of task.pieces) merged = mergePartial(merged, piece, spec);
  return buildHourSegment(
    merged,
    {
      hour: task.hour,
      shard: task.shard,
      ...(task.parts !== undefined ? { part: task.part ?? 0, parts: task.parts } : {}),
    },
    config,
    task.date,
    new Set(task.unknownMetrics),
  );
}

/** The buffers of a task's pieces (moved to the worker) or of a built segment's files (moved back). */
export function pieceTransferables(pieces: readonly FilePartial[]): ArrayBuffer[] {
  return [...new Set(pieces.flatMap(transferablesOf))];
}

/** The buffers of a built segment's files (an hour segment or a day unit), moved (not copied) to the main thread. */
export function segmentTransferables(s: Pick<SegmentFiles, 'files' | 'cube' | 'hourCuboids'>): ArrayBuffer[] {
  const files = [
    ...s.files,
    ...(s.cube ? [...s.cube.recordFiles, ...s.cube.cuboidFiles] : []),
    ...(s.hourCuboids ?? []).map((c) => c.file),
  ];
  const buffers = files.map((f) => f.bytes.buffer as ArrayBuffer);
  if (s.cube) buffers.push(s.cube.sidecar.buffer as ArrayBuffer);
  return [...new Set(buffers)];
}

/** Min, max and null presence of each key column ('metric', then each dimension) over the kept records. */
function keyStats(base: BaseRecords): ManifestSegment['stats'] {
  const { state, order } = base;
  return keyColumnStats(['metric', ...base.dimensionNames], [base.metrics, ...base.dimensionValues], {
    keys: state.keys,
    width: state.width,
    rows: order,
  });
}

/**
 * Min, max and null presence of each key column over some records of `keys` (`width` ints per record: hour, then one
 * id per column, an index into `dictionaries[c]`): the records `rows`, or the first `count`. What the manifest records
 * of a segment, for pruning.
 */
export function keyColumnStats(
  names: readonly string[],
  dictionaries: readonly (readonly (string | null)[])[],
  records: { readonly keys: Int32Array; readonly width: number } & (
    | { readonly rows: Int32Array }
    | { readonly count: number }
  ),
): ManifestSegment['stats'] {
  const { keys, width: w } = records;
  const rows = 'rows' in records ? records.rows : undefined;
  const count = 'rows' in records ? records.rows.length : records.count;
  const stats: ManifestSegment['stats'] = Object.create(null);
  // the per-record and per-value loops are functions of their own (compiled once, not once per column on-stack)
  dictionaries.forEach((values, c) => {
    stats[names[c]!] = valueStats(values, heldIds(keys, w, 1 + c, rows, count, values.length));
  });
  return stats;
}

/** Min, max and null presence of the values whose id is `seen`. */
function valueStats(
  values: readonly (string | null)[],
  seen: Uint8Array,
): { min: string | null; max: string | null; nulls: boolean } {
  let min: string | null = null;
  let max: string | null = null;
  let nulls = false;
  for (let id = 0; id < values.length; id++) {
    if (seen[id] !== 1) continue;
    const v = values[id]!;
    if (v === null) nulls = true;
    else {
      if (min === null || compareNullableStrings(v, min) < 0) min = v;
      if (max === null || compareNullableStrings(v, max) > 0) max = v;
    }
  }
  return { min, max, nulls };
}

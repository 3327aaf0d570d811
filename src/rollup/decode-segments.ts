import type { JobConfig } from '../config/job-config.js';
import type { FilePartial } from '../ingest/aggregate-raw-file.js';
import { RawInputError } from '../ingest/aggregate-raw-file.js';
import { emptyMerge, mergePartial, type MergedPartials } from '../ingest/merge-partials.js';
import type { RawFileSpec } from '../ingest/raw-file-spec.js';
import { countsOfPartial, hourOfSegment, splitPartial, type SegmentCut } from '../ingest/split-partial.js';
import type { Logger } from '../logger.js';
import type { Manifest, ManifestInput } from '../partition/manifest.js';
import type { RejectReason } from '../ingest/reject-reason.js';
import type { ObjectStore } from '../storage/object-store.js';
import { rawDayPrefix } from '../storage/partition-path.js';
import { decodeInputs, type DecodeCounts } from './decode-inputs.js';
import { unknownMetrics } from './kind-measures.js';
import type { WorkerPool } from './worker-pool.js';
import { inputRowsOf, type InputRows } from './input-accounting.js';
import { partialBytesOf } from './segment-spill.js';

/** A partition's file-level accounting after decoding: rows, rejections, late data, and unknown metrics by name. */
export interface DecodedAccounting {
  readonly accounting: MergedPartials; // counts only: the groups went to their segments
  readonly unknown: ReadonlyMap<string, number>; // rows per metric the catalog does not define
  readonly decoded: DecodeCounts;
  readonly perInput: ReadonlyMap<string, DecodedInput>; // by input key: what the manifest records of each input
}

/** What decoding learned of one input: the hours its rows fall in, its rows, its absent dimension columns. */
export interface DecodedInput {
  readonly hours: readonly number[]; // ascending
  readonly rows: InputRows;
  readonly missingDimensions: readonly string[];
}

/**
 * Decodes raw inputs on the pool and hands every piece of every file to `sink` (segment index, the file's index in
 * `inputs`, the piece), in input key order, while adding up the file-level counts once per file.
 */
export async function decodeIntoSegments(
  o: {
    readonly store: ObjectStore;
    readonly config: JobConfig;
    readonly inputs: readonly ManifestInput[];
    readonly specs: readonly RawFileSpec[];
    readonly pool: WorkerPool | undefined;
    readonly logger: Logger;
    readonly cache: { readonly partitionPrefix: string; readonly configHash: string; readonly write: boolean };
    readonly cut: SegmentCut;
    readonly memoryBytes: number; // the run's budget: a file's partial past a quarter of it is logged
  },
  sink: (segment: number, inputIndex: number, piece: FilePartial) => Promise<void>,
): Promise<DecodedAccounting> {
  let accounting = emptyMerge(o.config.raw.dimensions.length);
  const unknown = new Map<string, number>();
  const indexOf = new Map(o.inputs.map((i, n) => [i.key, n]));
  const lanes = { ...(o.pool ? { shared: o.pool } : {}), workers: 0 };
  const perInput = new Map<string, DecodedInput>();
  const decoded = await decodeInputs(o.store, o.inputs, o.specs, lanes, o.logger, o.cache, async (partial, spec) => {
    accounting = mergePartial(accounting, countsOfPartial(partial), spec);
    if (partial.rowsRead > 0 && partial.rejected.timestamp_outside_day === partial.rowsRead)
      // every row outside the day: a file in the wrong folder, or a clock of another unit (epoch seconds or
      // microseconds in an INT64 column read as milliseconds)
      o.logger.event('raw_file_outside_day', {
        level: 'warn',
        key: partial.key,
        rows: partial.rowsRead,
        hint:
          'every row is timestamped outside the day: check the file belongs here and that an INT64 timestamp ' +
          'column holds epoch milliseconds',
      });
    const bytes = partialBytesOf(partial);
    if (bytes > o.memoryBytes / 4)
      // a file is aggregated whole before it is cut into segments: its series-hours are held at once, whatever the
      // budget (docs/operations.md, Memory)
      o.logger.event('raw_file_over_budget', {
        level: 'warn',
        key: partial.key,
        seriesHours: partial.state.groups,
        bytes,
        budgetShare: Math.floor(o.memoryBytes / 4),
        hint: 'a file of this many series is held whole; have the producer roll its files smaller',
      });
    const fileUnknown = unknownMetrics(partial.state, partial.metrics, o.config);
    for (const [m, rows] of fileUnknown) unknown.set(m, (unknown.get(m) ?? 0) + rows);
    const hours = new Set<number>();
    for (const [segment, piece] of splitPartial(partial, o.cut)) {
      hours.add(hourOfSegment(segment, o.cut.shards));
      await sink(segment, indexOf.get(partial.key)!, piece);
    }
    perInput.set(partial.key, {
      hours: [...hours].sort((a, b) => a - b),
      rows: inputRowsOf(partial, fileUnknown),
      missingDimensions: partial.missingDimensions,
    });
  });
  return { accounting, unknown: new Map([...unknown].sort(([a], [b]) => (a < b ? -1 : 1))), decoded, perInput };
}

/** Halts a run whose raw rows name metrics missing from the catalog, when the job's policy is `fail`. */
export function checkUnknownMetrics(config: JobConfig, date: string, unknown: ReadonlyMap<string, number>): void {
  if (unknown.size === 0 || config.unknownMetricPolicy !== 'fail') return;
  const list = [...unknown].map(([m, rows]) => `'${m}' (${rows} rows)`).join(', ');
  throw new RawInputError(
    `catalog metrics not in the job's metric catalog in ${rawDayPrefix(config.raw.prefix, date)}: ${list}; add them ` +
      `to the catalog or set unknownMetricPolicy to "skip"`,
  );
}

/** A partition's file-level row counts, as decoding adds them up (over files, or over pods). */
export interface RowCounts {
  readonly rowsRead: number;
  readonly late: number;
  readonly routed: number;
  readonly rejected: Readonly<Record<RejectReason, number>>;
}

/**
 * The manifest's `rows`: the decoded counts, unknown-metric rows counted as rejected, and
 * accepted = in + late - routed - rejected.
 */
export function partitionRows(c: RowCounts, unknown: ReadonlyMap<string, number>, out: number): Manifest['rows'] {
  let unknownRows = 0;
  for (const n of unknown.values()) unknownRows += n;
  const rejected = { ...c.rejected, unknown_metric: unknownRows };
  let rejectedRows = 0;
  for (const n of Object.values(rejected)) rejectedRows += n;
  return {
    in: c.rowsRead,
    late: c.late,
    routed: c.routed,
    accepted: c.rowsRead + c.late - c.routed - rejectedRows,
    out,
    rejected,
  };
}

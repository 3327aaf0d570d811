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
import { decodeInputs, type ChunkAt, type DecodeCounts } from './decode-inputs.js';
import { unknownMetrics } from './kind-measures.js';
import type { WorkerPool } from './worker-pool.js';
import { addInputRows, inputRowsOf, type InputRows } from './input-accounting.js';

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
 * `inputs` and the chunk's, the piece): a file's pieces chunk by chunk in order, files in any order, while adding up
 * the file-level counts.
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
  },
  sink: (segment: number, at: ChunkAt, piece: FilePartial) => Promise<void>,
): Promise<DecodedAccounting> {
  let accounting = emptyMerge(o.config.raw.dimensions.length);
  const unknown = new Map<string, number>();
  const lanes = { ...(o.pool ? { shared: o.pool } : {}), workers: 0 };
  const perInput = new Map<string, DecodedInput>();
  const files = new Map<number, FileTally>(); // files whose last chunk has not come yet
  const decoded = await decodeInputs(o.store, o.inputs, o.specs, lanes, o.logger, o.cache, async (chunk, at) => {
    const spec = o.specs[at.input]!;
    const counts = countsOfPartial(chunk);
    // a file's absent columns once, with its first chunk
    accounting = mergePartial(accounting, at.chunk === 0 ? counts : { ...counts, missingDimensions: [] }, spec);
    const chunkUnknown = unknownMetrics(chunk.state, chunk.metrics, o.config);
    for (const [m, rows] of chunkUnknown) unknown.set(m, (unknown.get(m) ?? 0) + rows);
    let file = files.get(at.input);
    if (!file) files.set(at.input, (file = { hours: new Set(), rows: undefined }));
    file.rows = addInputRows(file.rows, inputRowsOf(chunk, chunkUnknown));
    for (const [segment, piece] of splitPartial(chunk, o.cut)) {
      file.hours.add(hourOfSegment(segment, o.cut.shards));
      await sink(segment, at, piece);
    }
    if (!at.last) return;
    files.delete(at.input);
    const rows = file.rows;
    if (rows.read > 0 && rows.rejected.timestamp_outside_day === rows.read)
      // every row outside the day: a file in the wrong folder, or a clock of another unit (epoch seconds or
      // microseconds in an INT64 column read as milliseconds)
      o.logger.event('raw_file_outside_day', {
        level: 'warn',
        key: chunk.key,
        rows: rows.read,
        hint:
          'every row is timestamped outside the day: check the file belongs here and that an INT64 timestamp ' +
          'column holds epoch milliseconds',
      });
    perInput.set(chunk.key, {
      hours: [...file.hours].sort((a, b) => a - b),
      rows,
      missingDimensions: chunk.missingDimensions,
    });
  });
  return { accounting, unknown: new Map([...unknown].sort(([a], [b]) => (a < b ? -1 : 1))), decoded, perInput };
}

/** What the chunks of one file taken so far add up to. */
interface FileTally {
  readonly hours: Set<number>;
  rows: InputRows | undefined;
}

/**
 * Halts a run whose raw rows name metrics missing from the catalog (`unknown`: rows by metric), when the job's policy
 * is `fail`: each metric with its rows and the files holding them (from the inputs' rows), so its producer can be found.
 */
export function checkUnknownMetrics(
  config: JobConfig,
  date: string,
  unknown: ReadonlyMap<string, number>,
  inputs: readonly { readonly key: string; readonly rows?: Pick<InputRows, 'unknownMetrics'> }[],
): void {
  if (unknown.size === 0 || config.unknownMetricPolicy !== 'fail') return;
  const keysOf = new Map<string, string[]>();
  for (const input of inputs)
    for (const metric of Object.keys(input.rows?.unknownMetrics ?? {}))
      keysOf.set(metric, [...(keysOf.get(metric) ?? []), input.key]);
  const files = (keys: readonly string[]): string =>
    keys.length === 1
      ? keys[0]!
      : `${keys.length} files: ${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', ...' : ''}`;
  const list = [...unknown]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([m, rows]) => {
      const keys = keysOf.get(m) ?? [];
      return `'${m}' (${rows} ${rows === 1 ? 'row' : 'rows'}${keys.length > 0 ? `, in ${files(keys)}` : ''})`;
    })
    .join('; ');
  throw new RawInputError(
    `metrics not in the job's metric catalog, in column '${config.raw.columns.metric}' of ` +
      `${rawDayPrefix(config.raw.prefix, date)}: ${list}; add them to the catalog or set unknownMetricPolicy to "skip"`,
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

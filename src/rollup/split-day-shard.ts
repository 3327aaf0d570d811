import { CubeRecords } from '../cube/cube-records.js';
import type { HourRecords } from '../cube/roll-up-day.js';
import { sampleMeasureNames } from '../measures/measure-state.js';
import type { ManifestOutput } from '../partition/manifest.js';
import { partsOfRecords, readHourRecords } from '../partition/read-hour-records.js';
import { cubeRecordsToArrow } from '../partition/records-to-arrow.js';
import { measureColumnsOf, writeParquet } from '../parquet/write-parquet.js';
import { dayStartMs } from '../storage/partition-path.js';

/**
 * A task for a build thread: a batch of hour base files of a day shard that the day tier builds as parts, cut into
 * one file per part, so that each part reads its own records, not every record of its shard, from a file per batch,
 * not one per hour file.
 */
export interface DaySplitTask {
  readonly kind: 'day-split';
  readonly date: string;
  readonly files: readonly ManifestOutput[];
  readonly bytes: readonly Uint8Array[]; // their bytes, fetched, in the same order
  readonly dimensions: readonly string[]; // the hour partition's dimension columns
  readonly partColumns: readonly string[]; // the rest of the day's key, which the part hash is over
  readonly parts: number;
  readonly wanted: readonly number[]; // the parts whose records are kept (the ones this run builds)
}

/** One part's records of a split hour file: an uncompressed Parquet file in the hour base files' columns. */
export interface DaySplitPiece {
  readonly part: number;
  readonly rows: number;
  readonly bytes: Uint8Array;
}

/**
 * Cuts a batch of hour base files into their records of each wanted part (`partsOfRecords`), in their order, each
 * part's written as a file that `readHourRecords` reads back to the same records; parts without records get none.
 */
export async function splitHourFiles(task: Omit<DaySplitTask, 'kind'>): Promise<DaySplitPiece[]> {
  const start = dayStartMs(task.date);
  const bytesOf = new Map(task.files.map((f, i) => [f.key, task.bytes[i]!]));
  const store = { get: async (key: string) => bytesOf.get(key)!, overlappedReads: 1 };
  const read = await readHourRecords(store, task.files, task.dimensions, start);
  const partOf = partsOfRecords(read, task.partColumns, task.parts);
  const rowsOf = rowsByPart(partOf, task.parts);
  const wanted = new Set(task.wanted);
  const pieces: DaySplitPiece[] = [];
  rowsOf.forEach((rows, part) => {
    if (rows.length === 0 || !wanted.has(part)) return;
    const table = cubeRecordsToArrow(recordsOf(read.records, rows), read.columns, read.dictionaries, start);
    const options = { compression: 'none', statistics: false, plainColumns: measureColumnsOf(table) } as const;
    pieces.push({ part, rows: rows.length, bytes: writeParquet(table, options) });
  });
  return pieces;
}

/** The buffers of a split file's pieces, moved (not copied) back to the main thread. */
export function splitTransferables(pieces: readonly DaySplitPiece[]): ArrayBuffer[] {
  return [...new Set(pieces.map((p) => p.bytes.buffer as ArrayBuffer))];
}

/**
 * The hour files of a day shard in batches of consecutive files (at least one each) holding at most `records` hour
 * records: what one split task reads.
 */
export function splitBatchesOf<F extends { readonly rows: number }>(files: readonly F[], records: number): F[][] {
  const batches: F[][] = [];
  let rows = 0;
  for (const f of files) {
    const last = batches.at(-1);
    if (last && rows + f.rows <= records) {
      last.push(f);
      rows += f.rows;
    } else {
      batches.push([f]);
      rows = f.rows;
    }
  }
  return batches;
}

/** The records of each part, in record order. */
function rowsByPart(partOf: Int32Array, parts: number): Int32Array[] {
  const counts = new Int32Array(parts);
  for (let r = 0; r < partOf.length; r++) counts[partOf[r]!]!++;
  const out = Array.from(counts, (n) => new Int32Array(n));
  const filled = new Int32Array(parts);
  for (let r = 0; r < partOf.length; r++) {
    const p = partOf[r]!;
    out[p]![filled[p]!++] = r;
  }
  return out;
}

/** Hour records `rows` as cube records keyed [hour, metric, ...dimensions], as the hour base files hold them. */
function recordsOf(hour: HourRecords, rows: Int32Array): CubeRecords {
  const width = 1 + hour.keys.length;
  const out = new CubeRecords(width, rows.length);
  const at = out.appendZeroed(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    const i = at + k;
    out.keys[i * width] = hour.hour[r]!;
    for (let c = 0; c < hour.keys.length; c++) out.keys[i * width + 1 + c] = hour.keys[c]![r]!;
    for (const name of sampleMeasureNames) out.m[name][i] = hour[name][r]!;
    out.m.increase[i] = hour.increase[r]!;
    out.sketches[i] = hour.sketches[r];
  }
  return out;
}

import { CubeRecords, STAR } from '../cube/cube-records.js';
import { fillRecordMeasures, type RecordColumns } from './record-measures.js';
import { mergeRanges } from '../cube/record-ranges.js';
import { sketchFromBytes } from '../measures/measure-sketch.js';
import type { StarTree } from '../cube/star-tree.js';
import { treeFromIndex, type StarTreeIndex } from '../cube/star-tree-index.js';
import { openStarTreeIndex, readStarTreeIndex } from '../cube/read-star-tree-index.js';
import * as zlib from 'node:zlib';
import { openRangedParquet, type DecodedColumn } from '../parquet/read-parquet-ranges.js';

export type { RecordColumns } from './record-measures.js';
import type { ManifestHead, ManifestSegment } from './manifest.js';
import { listedFileError, loadPartition, MissingPartitionError, type LoadedPartition } from './load-partition.js';
import type { ObjectStore } from '../storage/object-store.js';
import { NotFoundError, ObjectChangedError, StorageError } from '../storage/storage-error.js';
import { cubeRecordMeasureColumns } from '../measures/measure-state.js';
import { starTreeFooterBytesPerRowGroup, starTreeRowGroupRows } from './encoded-cube.js';

/** One segment's cube, ready to traverse. */
export interface LoadedCube {
  readonly date: string;
  readonly manifest: ManifestHead;
  readonly index: StarTreeIndex;
  readonly tree: StarTree;
}

/** What reading a segment cost: bytes fetched, row groups decoded, out of how much the manifest lists. */
export interface SegmentReadCost {
  bytesRead: number; // index plus record file bytes fetched (footers and column chunks)
  rowGroupsRead: number; // row groups of the record files fetched (only the pages asked for decoded)
  recordsLoaded: number; // records filled: those asked for (only the pages holding them are decoded)
  readonly segmentBytes: number; // the index and every record file, as the manifest lists them
}

/** A segment's cube whose index is read and whose records are read on demand (`readRecords`), page by page. */
export interface OpenedSegmentCube extends LoadedCube {
  readonly cost: SegmentReadCost;
  /** Reads the index's node blocks holding `nodes` (an index read in part: see `planStarTreeReads`). */
  readNodes(nodes: ReadonlySet<number>): Promise<void>;
  /**
   * Reads the records of `ranges` ([start, end) in tree order) not read yet: only the pages holding them, and only
   * the hour, the keys of split-dimension `levels` (1 = the first split dimension; default all) and the `columns` the
   * cube was opened with. A measure not read stays 0 in every record, a level not read holds `UNREAD_KEY`. The first
   * call fixes the levels: a later one may ask for those or fewer.
   */
  readRecords(ranges: readonly (readonly [number, number])[], levels?: readonly number[]): Promise<void>;
}

/** The key of a split-dimension level a partial read left unread (a dictionary id is >= 0, STAR is -1). */
export const UNREAD_KEY = -2;

/** Reads one segment's star-tree (its index and record files, only what the manifest lists). */
export async function loadSegmentCube(
  store: ObjectStore,
  partition: LoadedPartition,
  segment: ManifestSegment,
  sketches = true, // false: leave the sketch column unread (queries of sums, counts, min, max, last, increase)
): Promise<LoadedCube & { readonly cost: SegmentReadCost }> {
  const cube = await openSegmentCube(
    store,
    partition,
    segment,
    { measures: cubeRecordMeasureColumns, sketch: sketches },
    'whole',
  );
  await cube.readRecords([[0, cube.tree.records.length]]);
  return cube;
}

/**
 * Reads one segment's star-tree index; its records stay unread until `readRecords` asks for ranges of them (then only
 * the footers, row groups and columns they need are fetched, by ranged reads of the files the manifest lists).
 */
export async function openSegmentCube(
  store: ObjectStore,
  partition: LoadedPartition,
  segment: ManifestSegment,
  columns: RecordColumns,
  indexReads: 'whole' | 'partial' = 'partial', // partial: only the node blocks a traversal visits (format 3)
): Promise<OpenedSegmentCube> {
  const { date, manifest, manifestKey: mKey } = partition;
  const cube = segment.cube;
  if (!cube)
    throw new MissingPartitionError(
      `query segment (hour ${segment.hour}, shard ${segment.shard}) of ${mKey} has no star-tree: \`telemetry-rollup ` +
        `run --date ${date} --force\` rebuilds it`,
    );
  const damaged = (key: string, e: unknown): Promise<Error> =>
    listedFileError(store, partition, key, e, `telemetry-rollup run --date ${date}`);
  // every record file's footer is fetched while the index is: a traversal that reaches any record needs it
  const files = cube.records.map((file) => {
    const { key, bytes } = file;
    const opened = openRangedParquet(
      {
        byteLength: bytes,
        read: (start, end) =>
          store.getRange(key, start, end, { expect: { size: bytes } }).catch(async (e: unknown) => {
            throw e instanceof NotFoundError || e instanceof ObjectChangedError ? await damaged(key, e) : e;
          }),
      },
      key,
      // the footer in one read: its size grows with the row groups
      starTreeFooterBytesPerRowGroup * (1 + Math.ceil(file.rows / starTreeRowGroupRows)),
    );
    opened.catch(() => {}); // a damaged file fails the query where its records are read
    return { opened, counted: { bytes: 0, rowGroups: 0 } }; // counted: its fetches already added to `cost`
  });
  const loaded = files.map(() => new Set<number>()); // row groups read, per file
  const indexKey = cube.tree.key;
  const indexFetched = { bytes: 0 };
  // a store's failure stays what it is (a transient one is retried), but a missing or changed file; any other error is
  // the index's bytes refused
  const refused = async (e: unknown): Promise<Error> => {
    if (e instanceof NotFoundError || e instanceof ObjectChangedError) return damaged(indexKey, e);
    if (e instanceof StorageError) return e;
    return new MissingPartitionError(
      `query ${(e as Error).message}, listed by ${mKey}: \`telemetry-rollup run --date ${date} --force\` rebuilds it`,
      { cause: e },
    );
  };
  let index: StarTreeIndex;
  try {
    if (indexReads === 'whole') {
      const bytes = await store.get(indexKey);
      indexFetched.bytes = bytes.byteLength;
      index = readStarTreeIndex(bytes, indexKey, zlib.crc32); // native CRC-32 (Node >= 20.15)
    } else {
      const expect = { expect: { size: cube.tree.bytes } };
      const source = {
        byteLength: cube.tree.bytes,
        // the first read takes what the file holds (a truncated index is named as such), later ones expect its size
        read: (start: number, end: number) => store.getRange(indexKey, start, end, start === 0 ? {} : expect),
      };
      index = await openStarTreeIndex(source, indexKey, zlib.crc32, indexFetched);
    }
  } catch (e) {
    throw await refused(e);
  }
  const fileStarts = [0];
  for (const f of cube.records) fileStarts.push(fileStarts.at(-1)! + f.rows);
  if (fileStarts.at(-1) !== index.records.count)
    throw new MissingPartitionError(
      `query star-tree records of ${cube.tree.key} hold ${fileStarts.at(-1)} rows in the files ${mKey} lists, ` +
        `the index expects ${index.records.count}: \`telemetry-rollup run --date ${date} --force\` rebuilds it`,
    );
  const records = CubeRecords.blank(1 + index.splitOrder.length, index.records.count);
  const cost: SegmentReadCost = {
    bytesRead: indexFetched.bytes,
    rowGroupsRead: 0,
    recordsLoaded: 0,
    segmentBytes: cube.tree.bytes + cube.records.reduce((n, f) => n + f.bytes, 0),
  };
  let read: { readonly levels: readonly number[]; readonly names: readonly string[] } | undefined; // fixed at first
  const everyLevel = index.splitOrder.map((_, d) => d + 1);
  let idMaps: ReadonlyMap<string | null, number>[] | undefined; // dictionary value -> id, per split dimension
  const readRecords = async (
    ranges: readonly (readonly [number, number])[],
    levels: readonly number[] = everyLevel,
  ): Promise<void> => {
    if (read === undefined) {
      const sorted = everyLevel.filter((l) => levels.includes(l));
      read = {
        levels: sorted,
        names: [
          'hour',
          ...sorted.map((l) => index.splitOrder[l - 1]!),
          ...(sorted.length > 0 ? ['grouping_id'] : []), // tells STAR from a value on the levels read
          ...columns.measures,
          ...(columns.sketch ? ['sketch'] : []),
        ],
      };
    } else if (levels.some((l) => !read!.levels.includes(l)))
      throw new Error(
        `query segment (hour ${segment.hour}, shard ${segment.shard}) of ${mKey}: levels ${levels.join(', ')} asked ` +
          `for after the records were read with levels ${read.levels.join(', ') || '(none)'}`,
      );
    const { names } = read;
    const levelsRead = read.levels;
    idMaps ??= index.dictionaries.map((values, d) =>
      levelsRead.includes(d + 1) ? new Map(values.map((v, i) => [v, i])) : new Map(),
    );
    records.cover(
      ranges.reduce((lo, [a]) => Math.min(lo, a), records.length),
      ranges.reduce((hi, [, b]) => Math.max(hi, b), 0),
    );
    for (let i = 0; i < files.length; i++) {
      const [fileStart, fileEnd] = [fileStarts[i]!, fileStarts[i + 1]!];
      const local = ranges
        .map(([a, b]) => [Math.max(a, fileStart) - fileStart, Math.min(b, fileEnd) - fileStart] as const)
        .filter(([a, b]) => a < b);
      if (local.length === 0) continue;
      const source = await files[i]!.opened;
      const asked = mergeRanges(local);
      for (const [spanFrom, spanTo] of spansToRead(asked, source.rowGroupStarts, loaded[i]!)) {
        const decoded = await source.readRows(names, spanFrom, spanTo);
        // only the records asked for are filled (a span may hold rows between them: read once, not filled)
        for (const [a, b] of asked) {
          const [from, to] = [Math.max(a, spanFrom), Math.min(b, spanTo)];
          if (from >= to) continue;
          const rows = { fileStart, spanFrom, rowFrom: from, rowTo: to, decoded };
          fillRecords(records, rows, index, idMaps, source.key, columns, levelsRead);
          cost.recordsLoaded += to - from;
        }
      }
      for (const [a, b] of asked)
        for (let g = groupOf(source.rowGroupStarts, a); g <= groupOf(source.rowGroupStarts, b - 1); g++) {
          const [gFrom, gTo] = [source.rowGroupStarts[g]!, source.rowGroupStarts[g + 1]!];
          if (a <= gFrom && gTo <= b) loaded[i]!.add(g); // filled whole: never read again
        }
    }
    // what was fetched counts, the footers fetched with the index included (a file not read here: once it is fetched)
    for (const entry of files) {
      const source = await entry.opened.catch(() => undefined);
      if (source === undefined) continue;
      cost.bytesRead += source.cost.bytesRead - entry.counted.bytes;
      cost.rowGroupsRead += source.cost.rowGroupsRead - entry.counted.rowGroups;
      entry.counted = { bytes: source.cost.bytesRead, rowGroups: source.cost.rowGroupsRead };
    }
  };
  const readNodes = async (nodes: ReadonlySet<number>): Promise<void> => {
    const before = indexFetched.bytes;
    try {
      await index.nodeBlocks?.read(nodes);
    } catch (e) {
      throw await refused(e);
    }
    cost.bytesRead += indexFetched.bytes - before;
  };
  return { date, manifest, index, tree: treeFromIndex(index, records), cost, readNodes, readRecords };
}

/** Reads every segment's cube of a committed day (undefined if the day is not committed): tools and tests. */
export async function loadCubes(
  store: ObjectStore,
  rollupPrefix: string,
  date: string,
  grain: 'hour' | 'day',
): Promise<LoadedCube[] | undefined> {
  const partition = await loadPartition(store, rollupPrefix, date, grain);
  if (!partition) return undefined;
  const out: LoadedCube[] = [];
  for (const s of partition.segments.all()) out.push(await loadSegmentCube(store, partition, s));
  return out;
}

/**
 * Fills records fileStart + [rowFrom, rowTo) (rows of a star-tree record file) from their decoded columns, mapping
 * dimension values to the index's dictionary ids (STAR where grouping_id says the level is aggregated away).
 */
function fillRecords(
  records: CubeRecords,
  rows: {
    readonly fileStart: number;
    readonly spanFrom: number; // the file row of the decoded values' first
    readonly rowFrom: number;
    readonly rowTo: number;
    readonly decoded: ReadonlyMap<string, DecodedColumn>; // values of rows [spanFrom, ...), by column
  },
  s: StarTreeIndex,
  idMaps: readonly ReadonlyMap<string | null, number>[],
  key: string,
  columns: RecordColumns,
  levels: readonly number[], // split-dimension levels read; the others get UNREAD_KEY
): void {
  const { fileStart, spanFrom, rowFrom, rowTo, decoded } = rows;
  const w = records.width;
  const dayStartNs = BigInt(s.dayStartMs) * 1_000_000n;
  const column = (name: string): ArrayLike<unknown> => decoded.get(name)!;
  const hour = column('hour') as ArrayLike<bigint>;
  const gid = levels.length > 0 ? (column('grouping_id') as ArrayLike<number>) : undefined;
  const isRead = s.splitOrder.map((_, d) => levels.includes(d + 1));
  const dims = s.splitOrder.map((d, i) => (isRead[i] ? (column(d) as ArrayLike<string | null>) : undefined));
  const sketch = columns.sketch ? (column('sketch') as ArrayLike<Uint8Array | null>) : undefined;
  const first = fileStart + rowFrom - records.first; // the position of row rowFrom's record in the columns
  const r0 = rowFrom - spanFrom; // row rowFrom's position in the decoded values
  const count = rowTo - rowFrom;
  fillRecordMeasures(records, first, decoded, r0, count, columns.measures, dayStartNs);
  for (let r = 0; r < count; r++) {
    const i = first + r;
    records.keys[i * w] = Math.round((Number(hour[r0 + r]!) - s.dayStartMs) / 3_600_000);
    const g = gid === undefined ? 0 : Number(gid[r0 + r]!);
    for (let d = 0; d < dims.length; d++) {
      const values = dims[d];
      if (values === undefined) {
        records.keys[i * w + 1 + d] = UNREAD_KEY;
        continue;
      }
      const id = (g >> d) & 1 ? STAR : idMaps[d]!.get(values[r0 + r] ?? null);
      if (id === undefined)
        throw new Error(
          `query record ${rowFrom + r} of ${key} has ${s.splitOrder[d]} '${String(values[r0 + r])}', missing ` +
            'from the star-tree dictionary',
        );
      records.keys[i * w + 1 + d] = id;
    }
    const bytes = sketch?.[r0 + r];
    if (bytes) records.sketches[i] = sketchFromBytes(bytes); // else left a hole (undefined): a blank list is sparse
  }
}

/** The row group holding row `row`, given each group's first row then the total rows. */
function groupOf(starts: readonly number[], row: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (starts[mid]! <= row) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The spans of rows to decode for sorted, disjoint `ranges`: per row group not `loaded` (read whole before), from the
 * first to the last row asked for in it, so each row group's column chunks are fetched once; spans that meet at a row
 * group boundary are joined (one decode call per run of rows).
 */
function spansToRead(
  ranges: readonly (readonly [number, number])[],
  starts: readonly number[],
  loaded: ReadonlySet<number>,
): [number, number][] {
  const out: [number, number][] = [];
  let lastGroup = -1;
  for (const [a, b] of ranges)
    for (let g = groupOf(starts, a); g <= groupOf(starts, b - 1); g++) {
      if (loaded.has(g)) continue;
      const [from, to] = [Math.max(a, starts[g]!), Math.min(b, starts[g + 1]!)];
      const last = out.at(-1);
      if (last && (g === lastGroup || from === last[1])) last[1] = to;
      else out.push([from, to]);
      lastGroup = g;
    }
  return out;
}

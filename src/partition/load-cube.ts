import type { Vector } from 'apache-arrow';
import { CubeRecords, STAR } from '../cube/cube-records.js';
import { isValidAt } from '../parquet/arrow-validity.js';
import { sketchFromBytes } from '../measures/measure-sketch.js';
import type { StarTree } from '../cube/star-tree.js';
import { treeFromIndex, type StarTreeIndex } from '../cube/star-tree-index.js';
import { readStarTreeIndex } from '../cube/read-star-tree-index.js';
import * as zlib from 'node:zlib';
import { openParquet } from '../parquet/read-parquet.js';
import type { Manifest, ManifestSegment, ManifestSegments } from './manifest.js';
import { segmentsOf } from './manifest-segments.js';
import { readCommittedManifest } from './commit.js';
import type { ObjectStore } from '../storage/object-store.js';
import { NotFoundError } from '../storage/storage-error.js';
import { manifestKey } from '../storage/partition-path.js';
import { cubeRecordMeasureColumns } from '../measures/measure-state.js';

/** One segment's cube, ready to traverse. */
export interface LoadedCube {
  readonly date: string;
  readonly manifest: Manifest;
  readonly index: StarTreeIndex;
  readonly tree: StarTree;
}

/** A committed partition's manifest and its segments, before any segment is read. */
export interface LoadedPartition {
  readonly date: string;
  readonly manifestKey: string;
  readonly manifest: Manifest;
  readonly segments: ManifestSegments;
}

/** Raised when a query needs a partition or cube that is not committed. */
export class MissingPartitionError extends Error {
  override readonly name = 'MissingPartitionError';
}

/**
 * Reads one committed partition's manifest (undefined if the day is not committed); refuses a partition without a
 * cube. No segment is read: `loadSegmentCube` reads the ones a query needs.
 */
export async function loadPartition(
  store: ObjectStore,
  rollupPrefix: string,
  date: string,
  grain: 'hour' | 'day',
): Promise<LoadedPartition | undefined> {
  const mKey = manifestKey(rollupPrefix, grain, date);
  const manifest = await readCommittedManifest(store, mKey);
  if (!manifest) return undefined;
  if (!manifest.cube)
    throw new MissingPartitionError(
      `query partition ${mKey} has no cube (committed by a job without a cube spec): run it again with --force`,
    );
  return { date, manifestKey: mKey, manifest, segments: segmentsOf(manifest) };
}

/** Reads one segment's star-tree (its index and record files, only what the manifest lists). */
export async function loadSegmentCube(
  store: ObjectStore,
  partition: LoadedPartition,
  segment: ManifestSegment,
  sketches = true, // false: leave the sketch column unread (queries of sums, counts, min, max, last, increase)
): Promise<LoadedCube> {
  const { date, manifest, manifestKey: mKey } = partition;
  const cube = segment.cube;
  if (!cube)
    throw new MissingPartitionError(
      `query segment (hour ${segment.hour}, shard ${segment.shard}) of ${mKey} has no star-tree: \`telemetry-rollup ` +
        `run --date ${date} --force\` rebuilds it`,
    );
  const listed = async (key: string): Promise<Uint8Array> => {
    try {
      return await store.get(key);
    } catch (e) {
      if (e instanceof NotFoundError)
        throw new MissingPartitionError(
          `query file ${key} listed by the committed manifest ${mKey} is missing: \`telemetry-rollup verify ` +
            `--date ${date}\` lists the damage, \`telemetry-rollup run --date ${date}\` rebuilds it`,
          { cause: e },
        );
      throw e;
    }
  };
  const indexBytes = await listed(cube.tree.key);
  let index: StarTreeIndex;
  try {
    index = readStarTreeIndex(indexBytes, cube.tree.key, zlib.crc32); // native CRC-32 (Node >= 20.15)
  } catch (e) {
    throw new MissingPartitionError(
      `query ${(e as Error).message}, listed by ${mKey}: \`telemetry-rollup run --date ${date} --force\` rebuilds it`,
      { cause: e },
    );
  }
  const records = new CubeRecords(1 + index.splitOrder.length, cube.tree.records);
  for (const file of cube.records) await appendRecordFile(records, await listed(file.key), file.key, index, sketches);
  return { date, manifest, index, tree: treeFromIndex(index, records) };
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
  for (const s of partition.segments.list) out.push(await loadSegmentCube(store, partition, s));
  return out;
}

/** Appends the rows of one star-tree record file, mapping dimension values back to the sidecar's ids. */
async function appendRecordFile(
  records: CubeRecords,
  bytes: Uint8Array,
  key: string,
  s: StarTreeIndex,
  sketches: boolean,
): Promise<void> {
  // dimension columns as the file's dictionary codes: each distinct value is looked up once per batch, not per row
  const source = await openParquet(bytes, key, { dictionaryColumns: new Set(s.splitOrder) });
  const idMaps = s.dictionaries.map((values) => new Map(values.map((v, i) => [v, i])));
  const w = records.width;
  const dayStartNs = BigInt(s.dayStartMs) * 1_000_000n;
  try {
    for (let rg = 0; rg < source.rowGroups; rg++) {
      await source.withRowGroup(
        rg,
        ['hour', ...s.splitOrder, 'grouping_id', ...cubeRecordMeasureColumns, ...(sketches ? ['sketch'] : [])],
        (table) => {
          for (const batch of table.batches) {
            const values = (name: string): ArrayLike<number | bigint> => {
              const data = batch.getChild(name)!.data[0]!;
              return (
                data.values as unknown as { subarray(a: number, b: number): ArrayLike<number | bigint> }
              ).subarray(data.offset, data.offset + data.length);
            };
            const hour = values('hour');
            const gid = values('grouping_id');
            const m = Object.fromEntries(cubeRecordMeasureColumns.map((c) => [c, values(c)])) as Record<
              (typeof cubeRecordMeasureColumns)[number],
              ArrayLike<number | bigint>
            >;
            const dims = s.splitOrder.map((d, j) => dimensionIds(batch.getChild(d)!, idMaps[j]!));
            const increaseData = batch.getChild('increase')!.data[0]!;
            const sketchColumn = batch.getChild('sketch');
            const increaseValid = (r: number): boolean => isValidAt(increaseData, r);
            for (let r = 0; r < batch.numRows; r++) {
              const i = records.appendBlank();
              records.keys[i * w] = Math.round((Number(hour[r]!) - s.dayStartMs) / 3_600_000);
              const g = Number(gid[r]!);
              for (let d = 0; d < dims.length; d++) {
                const id = (g >> d) & 1 ? STAR : dims[d]!(r);
                if (id === undefined)
                  throw new Error(
                    `query record ${r} of ${key} has ${s.splitOrder[d]} ` +
                      `'${String(batch.getChild(s.splitOrder[d]!)!.get(r))}', missing from the star-tree dictionary`,
                  );
                records.keys[i * w + 1 + d] = id;
              }
              records.m.count[i] = Number(m.count[r]!);
              records.m.sum[i] = Number(m.sum[r]!);
              records.m.min[i] = Number(m.min[r]!);
              records.m.max[i] = Number(m.max[r]!);
              records.m.last[i] = Number(m.last[r]!);
              records.m.lastTime[i] = Number(BigInt(m.last_time[r]!) - dayStartNs);
              records.m.lastSum[i] = Number(m.last_sum[r]!);
              records.m.first[i] = Number(m.first[r]!);
              records.m.firstTime[i] = Number(BigInt(m.first_time[r]!) - dayStartNs);
              records.m.increase[i] = increaseValid(r) ? Number(m.increase[r]!) : Number.NaN;
              const sketch = sketchColumn?.get(r) as Uint8Array | null | undefined;
              records.sketches[i] = sketch ? sketchFromBytes(sketch) : undefined;
            }
          }
        },
      );
    }
  } finally {
    source.close();
  }
}

/**
 * The star-tree id of row r of a dimension column: through its dictionary codes when the column is
 * dictionary-encoded (each distinct value mapped once), else value by value; undefined for a value the index lacks.
 */
function dimensionIds(column: Vector, ids: ReadonlyMap<string | null, number>): (r: number) => number | undefined {
  const data = column.data[0];
  const dictionary = data?.dictionary;
  if (!data || !dictionary || column.data.length !== 1) return (r) => ids.get(column.get(r) as string | null);
  const byCode = Int32Array.from({ length: dictionary.length }, (_, c) => ids.get(dictionary.get(c) as string) ?? -2);
  const codes = data.values as Int32Array | Uint32Array | Int16Array | Int8Array;
  const nullId = ids.get(null);
  return (r) => {
    if (!isValidAt(data, r)) return nullId;
    const id = byCode[codes[data.offset + r]!]!;
    return id === -2 ? undefined : id;
  };
}

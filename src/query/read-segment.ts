import { planStarTreeReads, type TreeQuery } from '../cube/traverse.js';
import { openSegmentCube, type LoadedCube, type LoadedPartition, type RecordColumns } from '../partition/load-cube.js';
import type { ManifestSegment } from '../partition/manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { CubeCache } from './cube-cache.js';
import type { QueryAggregate } from './query-choices.js';

/** What reading one segment cost a query. */
export interface SegmentExplain {
  readonly hour: number | null; // null in the day tier
  readonly shard: number;
  readonly reads: 'partial' | 'whole' | 'cached'; // only what the traversal needs; every record; already in memory
  readonly bytesRead: number; // index + record file bytes fetched (footers and column chunks); 0 when cached
  readonly segmentBytes: number; // the segment's index and record files, as the manifest lists them
  readonly rowGroupsRead: number; // record row groups decoded
  readonly recordsLoaded: number; // records decoded (whole row groups)
}

/**
 * One segment for a query, read as the cache's mode says: 'partial' reads its index, plans the traversal on the nodes
 * and reads only those records' row groups and the measure columns `agg` needs; 'cached' takes the whole segment from
 * (or into) the LRU.
 */
export async function readSegment(
  cubes: CubeCache,
  store: ObjectStore,
  partition: LoadedPartition,
  segment: ManifestSegment,
  agg: QueryAggregate,
  sketches: boolean,
  treeQuery: (cube: LoadedCube) => TreeQuery & { groupBy: number[] },
): Promise<{ cube: LoadedCube; tq: TreeQuery & { groupBy: number[] }; explain: SegmentExplain }> {
  const where = { hour: segment.hour, shard: segment.shard };
  if (cubes.segmentReads === 'partial') {
    const cube = await openSegmentCube(store, partition, segment, {
      measures: measureColumnsOf(agg),
      sketch: sketches,
    });
    const tq = treeQuery(cube);
    await cube.readRecords(planStarTreeReads(cube.tree, tq));
    return { cube, tq, explain: { ...where, reads: 'partial', ...cube.cost } };
  }
  const cube = await cubes.segment(store, partition, segment, sketches);
  const { segmentBytes } = cube.cost;
  const explain: SegmentExplain = cube.cached
    ? { ...where, reads: 'cached', bytesRead: 0, segmentBytes, rowGroupsRead: 0, recordsLoaded: 0 }
    : { ...where, reads: 'whole', ...cube.cost };
  return { cube, tq: treeQuery(cube), explain };
}

/** The measure columns whose values `valueOfBucket` reads for `agg` (a one-shot query reads no other). */
function measureColumnsOf(agg: QueryAggregate): RecordColumns['measures'] {
  switch (agg) {
    case 'sum':
    case 'count':
    case 'min':
    case 'max':
    case 'increase':
      return [agg];
    case 'avg':
      return ['sum', 'count'];
    case 'last':
      return ['last_sum'];
    default: // p50, p90, p95, p99, distinct: the sketch alone
      return [];
  }
}

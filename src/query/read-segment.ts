import { planStarTreeReads, type TreeQuery } from '../cube/traverse.js';
import { openSegmentCube, type LoadedCube } from '../partition/load-cube.js';
import type { LoadedPartition } from '../partition/load-partition.js';
import type { ManifestSegment } from '../partition/manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { CubeCache } from './cube-cache.js';
import type { QueryAggregate } from './query-choices.js';
import { measureColumnsOf } from './aggregate-columns.js';

/** What reading one segment cost a query. */
export interface SegmentExplain {
  readonly hour: number | null; // null in the day tier
  readonly shard: number;
  // only what the traversal needs; every record; already in memory; nothing (the manifest's metric totals answer); one
  // metric's run of a day-tier segment's hour cuboids (read-hour-cuboids.ts)
  readonly reads: 'partial' | 'whole' | 'cached' | 'totals' | 'hour-cuboids';
  readonly bytesRead: number; // index + record file bytes fetched (footers and column chunks); 0 when cached
  readonly segmentBytes: number; // the segment's index and record files, as the manifest lists them
  readonly rowGroupsRead: number; // record row groups decoded
  readonly recordsLoaded: number; // records filled: those the traversal reads (only the pages holding them decoded)
}

/**
 * One segment for a query, read as the cache's mode says: 'partial' reads its index (only the node blocks the traversal
 * visits, format 3) and reads only those records' row groups and the measure columns `agg` needs; 'cached' takes the whole segment from
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
  const { hour, shard } = segment;
  if (cubes.segmentReads === 'partial') {
    const cube = await openSegmentCube(store, partition, segment, {
      measures: measureColumnsOf(agg),
      sketch: sketches,
    });
    const tq = treeQuery(cube);
    const { ranges, checkedLevels } = await planStarTreeReads(cube.tree, tq, cube.readNodes);
    // the keys the answer groups by, and those a scanned leaf's records are checked on (time is always read)
    await cube.readRecords(ranges, [...new Set([...checkedLevels, ...tq.groupBy])]);
    const { bytesRead, segmentBytes, rowGroupsRead, recordsLoaded } = cube.cost;
    return {
      cube,
      tq,
      explain: { hour, shard, reads: 'partial', bytesRead, segmentBytes, rowGroupsRead, recordsLoaded },
    };
  }
  const { cube, cached } = await cubes.segment(store, partition, segment, sketches);
  // fields written out: spreading a small object here cost ~9 us per segment (measured), 1.5 ms on a 7-day query
  const { bytesRead, segmentBytes, rowGroupsRead, recordsLoaded } = cube.cost;
  const explain: SegmentExplain = cached
    ? { hour, shard, reads: 'cached', bytesRead: 0, segmentBytes, rowGroupsRead: 0, recordsLoaded: 0 }
    : { hour, shard, reads: 'whole', bytesRead, segmentBytes, rowGroupsRead, recordsLoaded };
  return { cube, tq: treeQuery(cube), explain };
}

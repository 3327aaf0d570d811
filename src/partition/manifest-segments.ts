import { shardHashName } from '../ingest/series-shard.js';
import type { Manifest, ManifestSegments } from './manifest.js';

/**
 * The segments of a committed partition. A partition committed before segments existed reads as one segment covering
 * every hour (hour null) and every series (shard 0 of 1), holding the whole day's files and star-tree.
 */
export function segmentsOf(manifest: Pick<Manifest, 'segments' | 'cube' | 'rows' | 'outputs'>): ManifestSegments {
  if (manifest.segments) return manifest.segments;
  const cube = manifest.cube;
  return {
    partitionDimension: '', // one shard: no dimension decides anything
    shards: 1,
    hash: shardHashName,
    list: [
      {
        hour: null,
        shard: 0,
        rows: manifest.rows.out,
        accepted: manifest.rows.accepted,
        stats: Object.create(null) as ManifestSegments['list'][number]['stats'],
        outputs: manifest.outputs,
        ...(cube?.tree
          ? {
              cube: {
                tree: cube.tree,
                records: cube.records,
                cuboidFiles: cube.cuboidFiles,
                recordsByGroupingId: cube.recordsByGroupingId,
              },
            }
          : {}),
      },
    ],
  };
}

import { segmentsOf } from '../src/partition/manifest-segments.js';
import type { Manifest, ManifestTree } from '../src/partition/manifest.js';

/** Every star-tree index a manifest lists (one per segment). */
export function treesOf(m: Manifest): ManifestTree[] {
  return segmentsOf(m).list.flatMap((s) => (s.cube ? [s.cube.tree] : []));
}

/** Nodes, records, base records and index bytes summed over a manifest's star-trees. */
export function treeTotals(m: Manifest): {
  trees: number;
  nodes: number;
  records: number;
  baseRecords: number;
  bytes: number;
} {
  const trees = treesOf(m);
  const sum = (f: (t: ManifestTree) => number): number => trees.reduce((a, t) => a + f(t), 0);
  return {
    trees: trees.length,
    nodes: sum((t) => t.nodes),
    records: sum((t) => t.records),
    baseRecords: sum((t) => t.baseRecords),
    bytes: sum((t) => t.bytes),
  };
}

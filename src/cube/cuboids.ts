import type { CubeRecords } from './cube-records.js';
import { ancestorsOf, groupingIdOf, type CubeSpec } from './cube-spec.js';
import { groupRecords } from './group-records.js';
import type { StarTree } from './star-tree.js';
import { traverseStarTree } from './traverse.js';

/** One complete grouping set, materialized for SQL engines. */
export interface Cuboid {
  readonly name: string;
  readonly dimensions: readonly string[];
  readonly groupingId: number; // bit i set = split dimension i aggregated away
  readonly records: CubeRecords; // one record per (hour, kept dimension values), sorted
  readonly recordsRead: number; // tree records the traversal read to compute it
}

/** Computes the declared cuboids from the tree by traversal (never from raw rows), ordered by grouping_id. */
export function computeCuboids(tree: StarTree, spec: CubeSpec, hours: number): Cuboid[] {
  const order = spec.dimensionsSplitOrder;
  const levelOf = (d: string): number => order.indexOf(d) + 1;
  return spec.cuboids
    .map((c) => {
      const groupBy = c.dimensions.map(levelOf);
      const expand = [...new Set(c.dimensions.flatMap((d) => ancestorsOf(d, spec.hierarchy)))]
        .filter((d) => !c.dimensions.includes(d))
        .map(levelOf);
      const t = traverseStarTree(tree, { timeFrom: 0, timeTo: hours, filters: new Map(), groupBy, expand });
      return {
        name: c.name,
        dimensions: c.dimensions,
        groupingId: groupingIdOf(c.dimensions, order),
        records: groupRecords(tree.records, t.records, groupBy),
        recordsRead: t.recordsRead,
      };
    })
    .sort((a, b) => a.groupingId - b.groupingId);
}

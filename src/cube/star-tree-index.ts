import type { CubeRecords } from './cube-records.js';
import { StarTreeNodes, type StarTree, type StarTreeLayout } from './star-tree.js';

/** The node columns of a star-tree index, in the order format v2 stores them. */
export const nodeColumnNames = [
  'level',
  'value',
  'start',
  'end',
  'aggregate',
  'childLevel',
  'firstChild',
  'childCount',
  'star',
] as const;

/** The node blocks of an index read in part (format 3): which nodes are in memory, and reading more of them. */
export interface NodeBlocks {
  has(node: number): boolean; // node's block is read (its fields are the file's, not zeros)
  read(nodes: Iterable<number>): Promise<void>; // reads the blocks holding these nodes
}

/**
 * A star-tree index as read from a file of any format (1: JSON sidecar, 2 and 3: binary). Levels: 0 = hour of the day,
 * i + 1 = splitOrder[i]; node 0 is the root; dictionary ids index `dictionaries[i]` (sorted, nulls last), -1 is STAR.
 */
export interface StarTreeIndex {
  readonly formatVersion: 1 | 2 | 3; // of the file it was read from
  readonly timeGrain: 'hour';
  readonly dayStartMs: number; // epoch ms of the partition day's 00:00 UTC; hour h = dayStartMs + h * 3,600,000
  readonly splitOrder: readonly string[];
  readonly skipStar: readonly boolean[]; // per level
  readonly starAlso: readonly (readonly number[])[]; // per level: levels aggregated away with it (hierarchy)
  readonly maxLeafRecords: number | null; // T; null = unbounded
  readonly dictionaries: readonly (readonly (string | null)[])[]; // per split dimension: id -> value
  readonly records: { readonly count: number; readonly baseRecords: number }; // rows of the record files
  readonly nodes: Readonly<Record<(typeof nodeColumnNames)[number], Int32Array>>; // parallel, one row per node
  readonly nodeBlocks?: NodeBlocks; // read in part: only these nodes hold their values (absent: every node does)
}

/** Rebuilds a queryable tree from an index and its records (re-keyed with the index's dictionaries). */
export function treeFromIndex(index: StarTreeIndex, records: CubeRecords): StarTree {
  if (records.length !== index.records.count)
    throw new Error(`star-tree records hold ${records.length} rows, the index expects ${index.records.count}`);
  const layout: StarTreeLayout = {
    dimensions: index.splitOrder,
    skipStar: index.skipStar,
    starAlso: index.starAlso,
    maxLeafRecords: index.maxLeafRecords ?? Infinity,
  };
  const nodes = StarTreeNodes.fromColumns(index.nodes);
  const tree = { layout, records, nodes, baseRecords: index.records.baseRecords, dictionaries: index.dictionaries };
  const blocks = index.nodeBlocks;
  return blocks ? { ...tree, nodesRead: (node) => blocks.has(node) } : tree;
}

import type { StarTree } from './star-tree.js';

/** A filter on one level: keep records whose id is (or, for not-in, is not) in `ids`. */
export interface LevelFilter {
  readonly kind: 'in' | 'not-in';
  readonly ids: ReadonlySet<number>;
}

/** A query in tree terms: levels are 0 = time bucket, 1.. = split dimensions. */
export interface TreeQuery {
  readonly timeFrom: number; // first time bucket, inclusive
  readonly timeTo: number; // last time bucket, exclusive
  readonly filters: ReadonlyMap<number, LevelFilter>;
  readonly groupBy: readonly number[]; // split-dimension levels to group by (time is always grouped)
  readonly expand?: readonly number[]; // levels to walk value by value without grouping (hierarchy parents)
}

/** What a traversal found: records to merge, and what it cost. */
export interface Traversal {
  readonly records: number[]; // record indexes whose measures answer the query (group them by time + groupBy)
  readonly recordsRead: number; // records touched: aggregate records plus every record of every leaf scanned
  readonly nodesVisited: number;
  readonly leavesReached: number; // nodes where the walk stopped (aggregate read or leaf scanned)
}

/**
 * Walks the tree as Pinot does: a filtered level takes the matching children, a grouped (or expanded) level takes
 * every non-star child, any other level takes the star child if there is one, else every child. Once every level
 * the query refers to is fixed on the path, the node's aggregate record answers; at a leaf its records are scanned.
 */
export function traverseStarTree(tree: StarTree, q: TreeQuery): Traversal {
  const { records } = tree;
  const width = records.width;
  const keys = records.keys;
  const out: number[] = [];
  let recordsRead = 0;
  const matches = levelMatcher(q);
  const deepest = deepestLevel(q);
  const { nodesVisited, leavesReached } = walkStarTree(
    tree,
    q,
    (r) => {
      recordsRead++;
      out.push(r);
    },
    (start, end) => {
      for (let r = start; r < end; r++) {
        recordsRead++;
        let ok = true;
        for (let j = 0; j <= deepest && ok; j++)
          ok = (j !== 0 && !q.filters.has(j)) || matches(j, keys[r * width + j]!);
        if (ok) out.push(r);
      }
    },
  );
  return { records: out, recordsRead, nodesVisited, leavesReached };
}

/**
 * The record ranges [start, end) a traversal for `q` reads (aggregate records and the records of scanned leaves), in
 * order and merged: what to load before `traverseStarTree` runs on a tree whose records are read on demand. Uses the
 * nodes alone.
 */
export function planStarTreeReads(tree: Pick<StarTree, 'nodes'>, q: TreeQuery): [number, number][] {
  const ranges: [number, number][] = [];
  walkStarTree(
    tree,
    q,
    (r) => ranges.push([r, r + 1]),
    (start, end) => ranges.push([start, end]),
  );
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of ranges) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else if (end > start) merged.push([start, end]);
  }
  return merged;
}

/** Whether dictionary id `id` at `level` passes the query's time range or filter. */
function levelMatcher(q: TreeQuery): (level: number, id: number) => boolean {
  return (level, id) => {
    if (level === 0) return id >= q.timeFrom && id < q.timeTo;
    const f = q.filters.get(level);
    if (!f) return true;
    return f.kind === 'in' ? f.ids.has(id) : !f.ids.has(id);
  };
}

/** The walk both share: `aggregate(r)` for a node answered by its aggregate record, `leaf` for a leaf to scan. */
function walkStarTree(
  tree: Pick<StarTree, 'nodes'>,
  q: TreeQuery,
  aggregate: (record: number) => void,
  leaf: (start: number, end: number) => void,
): { nodesVisited: number; leavesReached: number } {
  const { nodes } = tree;
  const walked = new Set<number>([0, ...q.groupBy, ...(q.expand ?? [])]);
  const deepest = deepestLevel(q);
  const matches = levelMatcher(q);
  let nodesVisited = 0;
  let leavesReached = 0;
  const stack = nodes.length > 0 ? [0] : [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    nodesVisited++;
    if (node !== 0 && nodes.level[node]! >= deepest && nodes.aggregate[node]! >= 0) {
      leavesReached++;
      aggregate(nodes.aggregate[node]!);
      continue;
    }
    const L = nodes.childLevel[node]!;
    if (L < 0) {
      leavesReached++;
      leaf(nodes.start[node]!, nodes.end[node]!);
      continue;
    }
    const first = nodes.firstChild[node]!;
    const count = nodes.childCount[node]!;
    const star = nodes.star[node]!;
    if (L === 0 || q.filters.has(L)) {
      for (let c = first; c < first + count; c++) if (matches(L, nodes.value[c]!)) stack.push(c);
    } else if (walked.has(L) || star < 0) {
      for (let c = first; c < first + count; c++) stack.push(c);
    } else {
      stack.push(star);
    }
  }
  return { nodesVisited, leavesReached };
}

/** The deepest level the query walks, groups or filters: below it a node's aggregate record answers. */
function deepestLevel(q: TreeQuery): number {
  return Math.max(0, ...q.groupBy, ...(q.expand ?? []), ...q.filters.keys());
}

import type { StarTree } from './star-tree.js';
import { mergeRanges } from './record-ranges.js';

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
  const { keys, first } = records; // record r at position r - first (a list read in part holds a window)
  const out: number[] = [];
  let recordsRead = 0;
  const plan = walkPlanOf(q);
  const { nodesVisited, leavesReached } = walkStarTree(
    tree,
    plan,
    (node) => {
      throw new Error(`star-tree node ${node} is not read: plan the traversal's reads (planStarTreeReads) first`);
    },
    (r) => {
      recordsRead++;
      out.push(r);
    },
    (start, end, checked) => {
      // a scanned leaf's records are checked on the levels its path did not match: time, and filters to the deepest
      recordsRead += end - start;
      const todo = uncheckedLevels(plan, checked);
      if (todo.length === 0) {
        for (let r = start; r < end; r++) out.push(r); // every record passes (a cuboid's walk: most leaves)
        return;
      }
      for (let r = start; r < end; r++) {
        const base = (r - first) * width;
        let ok = true;
        for (let i = 0; i < todo.length && ok; i++) ok = passes(plan, todo[i]!, keys[base + todo[i]!]!);
        if (ok) out.push(r);
      }
    },
  );
  return { records: out, recordsRead, nodesVisited, leavesReached };
}

/** What a traversal will read: its record ranges, and which keys of them it checks. */
export interface StarTreeReads {
  readonly ranges: [number, number][]; // [start, end), in order and merged
  // false: every record read is a node's aggregate, whose path matched the filters
  readonly scansLeaves: boolean;
  // the filtered levels (1..) a scanned leaf's records are checked on: those its path did not match already. A
  // record's keys need reading only for these, the levels the answer groups by, and time
  readonly checkedLevels: readonly number[];
}

/**
 * The records a traversal for `q` reads (aggregate records and the records of scanned leaves): what to load before
 * `traverseStarTree` runs on a tree whose records are read on demand. Uses the nodes alone; on a tree read in part
 * (`nodesRead`), `readNodes` is asked for the nodes the walk reaches unread.
 */
export async function planStarTreeReads(
  tree: Pick<StarTree, 'nodes' | 'nodesRead'>,
  q: TreeQuery,
  readNodes: (nodes: ReadonlySet<number>) => Promise<void> = () => Promise.resolve(),
): Promise<StarTreeReads> {
  const plan = walkPlanOf(q);
  for (;;) {
    // a walk stops at nodes not read yet: read them, walk again (each walk reaches at least one level deeper)
    const ranges: [number, number][] = [];
    const unread = new Set<number>();
    const checkedLevels = new Set<number>();
    let scansLeaves = false;
    walkStarTree(
      tree,
      plan,
      (node) => unread.add(node),
      (r) => ranges.push([r, r + 1]),
      (start, end, checked) => {
        scansLeaves = true;
        ranges.push([start, end]);
        for (const level of uncheckedLevels(plan, checked)) if (level > 0) checkedLevels.add(level);
      },
    );
    if (unread.size === 0)
      return { ranges: mergeRanges(ranges), scansLeaves, checkedLevels: [...checkedLevels].sort((a, b) => a - b) };
    await readNodes(unread);
    const still = [...unread].find((node) => !tree.nodesRead!(node));
    if (still !== undefined) throw new Error(`star-tree node ${still} is still not read after reading its block`);
  }
}

/** How a walk treats one level: take its star child (or every child without one), matching children, or all. */
enum LevelMode {
  Star = 0,
  Match = 1,
  All = 2,
}

/** A tree query compiled for walking: how each level is walked, and which levels a scanned record is checked on. */
interface WalkPlan {
  readonly q: TreeQuery;
  readonly deepest: number; // below it a node's aggregate record answers
  readonly modes: readonly LevelMode[]; // per level 0..deepest (deeper levels: Star)
  readonly checked: readonly number[]; // the levels a record can fail: time and the filters down to the deepest
}

function walkPlanOf(q: TreeQuery): WalkPlan {
  const deepest = deepestLevel(q);
  const modes = new Array<LevelMode>(deepest + 1).fill(LevelMode.Star);
  for (const level of [...q.groupBy, ...(q.expand ?? [])]) modes[level] = LevelMode.All;
  modes[0] = LevelMode.Match;
  const checked = [0];
  for (const level of q.filters.keys()) {
    modes[level] = LevelMode.Match;
    checked.push(level);
  }
  return { q, deepest, modes, checked };
}

/** The levels a scanned leaf's records are checked on: time, and the filtered levels its path did not match. */
function uncheckedLevels(plan: WalkPlan, checked: number): number[] {
  return plan.checked.filter((level) => level >= 31 || (checked & (1 << level)) === 0);
}

/** Whether dictionary id `id` at `level` passes the query's time range or filter. */
function passes(plan: WalkPlan, level: number, id: number): boolean {
  if (level === 0) return id >= plan.q.timeFrom && id < plan.q.timeTo;
  const f = plan.q.filters.get(level);
  return f === undefined || f.ids.has(id) === (f.kind === 'in');
}

/** The walk both share: `aggregate(r)` for a node answered by its aggregate record, `leaf` for a leaf to scan. */
function walkStarTree(
  tree: Pick<StarTree, 'nodes' | 'nodesRead'>,
  plan: WalkPlan,
  unread: (node: number) => void, // a node the walk reached that is not read: not walked below
  aggregate: (record: number) => void,
  leaf: (start: number, end: number, checked: number) => void, // checked: bit L set when the path matched level L
): { nodesVisited: number; leavesReached: number } {
  const { nodes, nodesRead } = tree;
  const { deepest, modes } = plan;
  let nodesVisited = 0;
  let leavesReached = 0;
  const stack = nodes.length > 0 ? [0] : [];
  const checkedOf = nodes.length > 0 ? [0] : []; // per stacked node: the levels its path matched, as bits
  while (stack.length > 0) {
    const node = stack.pop()!;
    const checked = checkedOf.pop()!;
    if (nodesRead && !nodesRead(node)) {
      unread(node);
      continue;
    }
    nodesVisited++;
    if (node !== 0 && nodes.level[node]! >= deepest && nodes.aggregate[node]! >= 0) {
      leavesReached++;
      aggregate(nodes.aggregate[node]!);
      continue;
    }
    const L = nodes.childLevel[node]!;
    if (L < 0) {
      leavesReached++;
      leaf(nodes.start[node]!, nodes.end[node]!, checked);
      continue;
    }
    const first = nodes.firstChild[node]!;
    const end = first + nodes.childCount[node]!;
    const star = nodes.star[node]!;
    const mode = L <= deepest ? modes[L]! : LevelMode.Star;
    if (mode === LevelMode.Match) {
      if (nodesRead && !childrenRead(nodesRead, first, end, unread)) continue; // their values decide the walk
      const matched = L < 31 ? checked | (1 << L) : checked; // every record under a matched child passes level L
      for (let c = first; c < end; c++)
        if (passes(plan, L, nodes.value[c]!)) {
          stack.push(c);
          checkedOf.push(matched);
        }
    } else if (mode === LevelMode.All || star < 0) {
      for (let c = first; c < end; c++) {
        stack.push(c);
        checkedOf.push(checked);
      }
    } else {
      stack.push(star);
      checkedOf.push(checked);
    }
  }
  return { nodesVisited, leavesReached };
}

/** Whether nodes [first, end) are all read; reports each one that is not. */
function childrenRead(
  nodesRead: (node: number) => boolean,
  first: number,
  end: number,
  unread: (node: number) => void,
): boolean {
  let all = true;
  for (let c = first; c < end; c++)
    if (!nodesRead(c)) {
      unread(c);
      all = false;
    }
  return all;
}

/** The deepest level the query walks, groups or filters: below it a node's aggregate record answers. */
function deepestLevel(q: TreeQuery): number {
  return Math.max(0, ...q.groupBy, ...(q.expand ?? []), ...q.filters.keys());
}

import { type CubeRecords, STAR } from './cube-records.js';
import { StarTreeNodes, type StarTree, type StarTreeLayout } from './star-tree.js';

/**
 * Builds a star-tree in the manner of Apache Pinot's star-tree index. `base` holds one record per (time bucket,
 * split-dimension ids) and is consumed: it is sorted, merged, and star records and node aggregates are appended.
 *
 * 1. sort the base records by (time, split dimensions) and merge equal keys;
 * 2. a node with more than T records splits on its next level into one child per value (contiguous ranges);
 * 3. unless that level skips stars, a node with more than one child also gets a star child: its records copied with
 *    the level (and the levels hierarchical under it) set to STAR, sorted, merged and appended;
 * 4. every node gets an aggregate record; a node with a star child reuses the star child's aggregate.
 */
export function buildStarTree(
  base: CubeRecords,
  layout: StarTreeLayout,
  dictionaries: readonly (readonly (string | null)[])[],
): StarTree {
  const records = base;
  const baseRecords = records.sortAndMergeTail(0, 0);
  const nodes = new StarTreeNodes();
  const root = nodes.add(-1, STAR, 0, baseRecords);
  const builder = {
    records,
    nodes,
    layout,
    width: records.width,
    scratch: { keys: new Int32Array(0), rows: new Int32Array(0) },
  };
  if (baseRecords > 0) split(builder, root, 0, new Uint8Array(records.width));
  return { layout, records, nodes, baseRecords, dictionaries };
}

/**
 * Room to give the records of a star-tree over `base` base records, so that building it rarely regrows the list: the
 * default cube's trees hold up to about 2.1 records per base record (bench-cube-scale; fewer on small inputs).
 */
export function starTreeCapacityOf(base: number): number {
  return Math.ceil(2.2 * base) + 64;
}

interface Builder {
  readonly records: CubeRecords;
  readonly nodes: StarTreeNodes;
  readonly layout: StarTreeLayout;
  readonly width: number;
  readonly scratch: { keys: Int32Array; rows: Int32Array }; // a star child's keys and rows, reused node after node
}

/** Splits `node` at the first level from `level` on that is not aggregated away in this subtree. */
function construct(b: Builder, node: number, level: number, forcedStar: Uint8Array): void {
  let L = level;
  while (L < b.width && forcedStar[L]) L++;
  const size = b.nodes.end[node]! - b.nodes.start[node]!;
  if (L >= b.width || size <= b.layout.maxLeafRecords) {
    b.nodes.aggregate[node] = appendAggregate(b, node);
    return;
  }
  split(b, node, L, forcedStar);
}

function split(b: Builder, node: number, L: number, forcedStar: Uint8Array): void {
  const { records, nodes, width } = b;
  const start = nodes.start[node]!;
  const end = nodes.end[node]!;
  const keys = records.keys;
  nodes.childLevel[node] = L;
  const first = nodes.length;
  for (let r = start; r < end; ) {
    const value = keys[r * width + L]!;
    let e = r + 1;
    while (e < end && keys[e * width + L] === value) e++;
    nodes.add(L, value, r, e);
    r = e;
  }
  const count = nodes.length - first;
  nodes.firstChild[node] = first;
  nodes.childCount[node] = count;
  for (let c = first; c < first + count; c++) construct(b, c, L + 1, forcedStar);
  if (!b.layout.skipStar[L] && count > 1) {
    const also = b.layout.starAlso[L]!;
    const n = end - start;
    const { keys: starKeys, rows } = scratchFor(b, n);
    starKeys.set(records.keys.subarray(start * width, end * width));
    starRows(starKeys, rows, width, L, also, start);
    const starStart = records.appendMergedInKeyOrder(records, rows, starKeys, L + 1);
    const star = nodes.add(L, STAR, starStart, records.length);
    nodes.star[node] = star;
    const forced = forcedStar.slice();
    forced[L] = 1;
    for (const h of also) forced[h] = 1;
    construct(b, star, L + 1, forced);
    nodes.aggregate[node] = nodes.aggregate[star]!;
  } else if (node !== 0) {
    nodes.aggregate[node] = appendAggregate(b, node);
  }
}

/**
 * Sets level L and the levels `also` of every key row in `keys` to STAR and rows[k] = start + k. (A loop of its own:
 * inside the recursive split it was compiled on-stack, and split again, per build thread.)
 */
function starRows(
  keys: Int32Array,
  rows: Int32Array,
  width: number,
  L: number,
  also: readonly number[],
  start: number,
): void {
  for (let k = 0; k < rows.length; k++) {
    keys[k * width + L] = STAR;
    for (let a = 0; a < also.length; a++) keys[k * width + also[a]!] = STAR;
    rows[k] = start + k;
  }
}

/** The builder's scratch keys and rows, grown to hold `n` records, as views of exactly `n`. */
function scratchFor(b: Builder, n: number): { keys: Int32Array; rows: Int32Array } {
  const s = b.scratch;
  if (s.rows.length < n) {
    const cap = Math.max(n, 2 * s.rows.length, 1024);
    s.rows = new Int32Array(cap);
    s.keys = new Int32Array(cap * b.width);
  }
  return { keys: s.keys.subarray(0, n * b.width), rows: s.rows.subarray(0, n) };
}

/** Appends the aggregate of a node's range: its path levels kept, every deeper level STAR. */
function appendAggregate(b: Builder, node: number): number {
  const { records, nodes, width } = b;
  const start = nodes.start[node]!;
  const end = nodes.end[node]!;
  const i = records.appendCopy(records, start);
  for (let j = nodes.level[node]! + 1; j < width; j++) records.keys[i * width + j] = STAR;
  for (let r = start + 1; r < end; r++) records.mergeInto(i, r);
  return i;
}

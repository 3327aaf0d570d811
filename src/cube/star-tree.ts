import type { CubeRecords } from './cube-records.js';

/** The resolved cube spec the builder works with: levels are 0 = time bucket, 1.. = split dimensions in order. */
export interface StarTreeLayout {
  readonly dimensions: readonly string[]; // split dimensions, in split order (level = index + 1)
  readonly skipStar: readonly boolean[]; // per level: never build a star child (level 0, time, always skips)
  readonly starAlso: readonly (readonly number[])[]; // per level: levels hierarchical under it, aggregated away with it
  readonly maxLeafRecords: number; // T: a node with more records splits further (Infinity: never)
}

/** The nodes of a star-tree, columnar. Node 0 is the root; children of a node are contiguous. */
export class StarTreeNodes {
  level: Int32Array; // level whose value this node fixes (-1 for the root)
  value: Int32Array; // dictionary id at `level`, or STAR
  start: Int32Array; // first record of the node's range
  end: Int32Array; // one past the last record
  aggregate: Int32Array; // record holding the node's aggregate (-1 for the root)
  childLevel: Int32Array; // level the children split on, -1 for a leaf
  firstChild: Int32Array; // first non-star child, -1 for a leaf
  childCount: Int32Array; // number of non-star children
  star: Int32Array; // star child, -1 if none
  private size = 0;

  constructor(capacity = 64) {
    this.level = new Int32Array(capacity);
    this.value = new Int32Array(capacity);
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
    this.aggregate = new Int32Array(capacity);
    this.childLevel = new Int32Array(capacity);
    this.firstChild = new Int32Array(capacity);
    this.childCount = new Int32Array(capacity);
    this.star = new Int32Array(capacity);
  }

  /** Number of nodes. */
  get length(): number {
    return this.size;
  }

  /** Adds a node with no children yet and returns its index. */
  add(level: number, value: number, start: number, end: number): number {
    if (this.size === this.level.length) this.grow();
    const i = this.size++;
    this.level[i] = level;
    this.value[i] = value;
    this.start[i] = start;
    this.end[i] = end;
    this.aggregate[i] = -1;
    this.childLevel[i] = -1;
    this.firstChild[i] = -1;
    this.childCount[i] = 0;
    this.star[i] = -1;
    return i;
  }

  /** The columns trimmed to the nodes in use, for serialization. */
  columns(): Record<
    'level' | 'value' | 'start' | 'end' | 'aggregate' | 'childLevel' | 'firstChild' | 'childCount' | 'star',
    Int32Array
  > {
    const n = this.size;
    return {
      level: this.level.slice(0, n),
      value: this.value.slice(0, n),
      start: this.start.slice(0, n),
      end: this.end.slice(0, n),
      aggregate: this.aggregate.slice(0, n),
      childLevel: this.childLevel.slice(0, n),
      firstChild: this.firstChild.slice(0, n),
      childCount: this.childCount.slice(0, n),
      star: this.star.slice(0, n),
    };
  }

  /** Rebuilds nodes from serialized columns. */
  static fromColumns(c: ReturnType<StarTreeNodes['columns']>): StarTreeNodes {
    const nodes = new StarTreeNodes(0);
    Object.assign(nodes, c, { size: c.level.length });
    return nodes;
  }

  private grow(): void {
    const cap = this.level.length * 2 || 64;
    for (const name of [
      'level',
      'value',
      'start',
      'end',
      'aggregate',
      'childLevel',
      'firstChild',
      'childCount',
      'star',
    ] as const) {
      const next = new Int32Array(cap);
      next.set(this[name]);
      this[name] = next;
    }
  }
}

/** A built star-tree: the records (base records first, in key order) and the nodes indexing them. */
export interface StarTree {
  readonly layout: StarTreeLayout;
  readonly records: CubeRecords;
  readonly nodes: StarTreeNodes;
  readonly baseRecords: number; // records [0, baseRecords) are the merged base records (no STAR)
  // per split dimension: id -> value, sorted (nulls last)
  readonly dictionaries: readonly (readonly (string | null)[])[];
  readonly nodesRead?: (node: number) => boolean; // a tree read in part: whether a node is read (absent: all are)
}

import {
  addSample,
  copySampleMeasures,
  emptySampleMeasures,
  mergeSampleMeasures,
  sampleMeasureNames,
  startWithSample,
  type SampleMeasures,
} from '../measures/measure-state.js';

/**
 * Hash aggregation of samples into base records, one per (hour, metric, dimension ids):
 * count, sum, min, max and the last value, on typed arrays (no JS object per row or group).
 */

/** A finished aggregate, columnar and transferable between threads. */
export interface AggregateState extends SampleMeasures {
  readonly groups: number; // number of groups (records)
  readonly width: number; // ints per key: [hour, metric, ...dimensions]
  readonly keys: Int32Array; // keys[g * width + j]
}

/**
 * An AggregateState built as one literal in one key order, whoever makes it (a table's snapshot, a split piece, a
 * state received from another thread or decoded from bytes): the per-group loops that read states then see one
 * object shape, and V8 does not throw their optimized code away on a second one.
 */
export function aggregateState(groups: number, width: number, keys: Int32Array, m: SampleMeasures): AggregateState {
  return {
    groups,
    width,
    keys,
    count: m.count,
    sum: m.sum,
    min: m.min,
    max: m.max,
    last: m.last,
    lastTime: m.lastTime,
    first: m.first,
    firstTime: m.firstTime,
  };
}

/** Open-addressing hash table from int tuples to groups, with measure states per group. */
export class SeriesAggregate {
  private keys: Int32Array;
  private cols: SampleMeasures;
  private hashes: Int32Array; // group -> hash of its key
  private rowHashes = new Int32Array(0); // scratch: hash of each row of the batch being added
  private allRows: Int32Array = new Int32Array(0); // scratch: 0, 1, 2, ... (every group of a merged state)
  private slots: Int32Array; // slot -> group, -1 empty
  private mask: number;
  private size = 0;
  private collisions = 0;

  constructor(
    readonly width: number,
    initialGroups = 1024,
  ) {
    const cap = Math.max(16, initialGroups);
    this.keys = new Int32Array(cap * width);
    this.cols = emptySampleMeasures(cap);
    this.hashes = new Int32Array(cap);
    this.slots = new Int32Array(nextPow2(cap * 2)).fill(-1);
    this.mask = this.slots.length - 1;
  }

  /** Rows of `addRows` whose first candidate group only shared their key's hash (for tests and diagnostics). */
  get hashCollisions(): number {
    return this.collisions;
  }

  /** Number of groups so far. */
  get groups(): number {
    return this.size;
  }

  /**
   * Adds the rows `rows[0..m)` of a batch given column-wise (`columns[j][row]` is key part j, `values[row]` and
   * `times[row]` the sample) and writes each one's group to `groups[k]`. Hashes and key checks run a column at a time.
   */
  addRows(
    columns: readonly Int32Array[],
    n: number,
    rows: Int32Array,
    m: number,
    values: Float64Array,
    times: Float64Array,
    groups: Int32Array,
  ): void {
    this.assignGroups(columns, n, rows, m, groups);
    for (let k = 0; k < m; k++) {
      const i = rows[k]!;
      this.addTo(groups[k]!, values[i]!, times[i]!);
    }
  }

  /**
   * Merges the groups of `other` (whose keys, translated, are given column-wise: `columns[j][g]` is part j of group
   * g's key) and writes each one's group here to `groups[g]`. Groups are merged in order, so sums are deterministic.
   */
  mergeState(columns: readonly Int32Array[], other: AggregateState, groups: Int32Array): void {
    const n = other.groups;
    if (this.allRows.length < n) this.allRows = countingUp(Math.max(n, this.allRows.length * 2));
    this.assignGroups(columns, n, this.allRows, n, groups);
    this.mergeGroups(other, n, groups);
  }

  private mergeGroups(other: AggregateState, n: number, groups: Int32Array): void {
    for (let g = 0; g < n; g++) this.mergeInto(groups[g]!, other, g);
  }

  /** Finds or inserts the group of each row `rows[k]` of column-wise keys (hashes and checks a column at a time). */
  private assignGroups(
    columns: readonly Int32Array[],
    n: number,
    rows: Int32Array,
    m: number,
    groups: Int32Array,
  ): void {
    if (columns.length !== this.width)
      throw new RangeError(`got ${columns.length} key columns, the aggregate has width ${this.width}`);
    const h = this.hashRows(columns, n);
    this.probeRows(columns, rows, m, h, groups);
    this.resolveCollisions(columns, rows, m, h, groups);
  }

  /**
   * Each row's first group of the same hash (a candidate, checked by resolveCollisions), or a new group. (Each loop of
   * the batch path is a function of its own: V8 optimizes a loop while it runs, and code after it in the same
   * function would have no type feedback yet and throw that code away.)
   */
  private probeRows(columns: readonly Int32Array[], rows: Int32Array, m: number, h: Int32Array, groups: Int32Array) {
    let slots = this.slots;
    let hashes = this.hashes;
    let mask = this.mask;
    for (let k = 0; k < m; k++) {
      const i = rows[k]!;
      const hi = h[i]!;
      let slot = hi & mask;
      for (;;) {
        const g = slots[slot]!;
        if (g < 0) {
          groups[k] = this.insertRow(columns, i, hi, slot);
          slots = this.slots;
          hashes = this.hashes;
          mask = this.mask;
          break;
        }
        if (hashes[g] === hi) {
          groups[k] = g; // a candidate: the key is checked below
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
  }

  private addTo(g: number, value: number, time: number): void {
    if (this.cols.count[g] === 0) startWithSample(this.cols, g, value, time);
    else addSample(this.cols, g, value, time);
  }

  /** The hash of every row's key, a column at a time. */
  private hashRows(columns: readonly Int32Array[], n: number): Int32Array {
    if (this.rowHashes.length < n) this.rowHashes = new Int32Array(Math.max(n, this.rowHashes.length * 2));
    const h = this.rowHashes;
    h.fill(hashSeed, 0, n);
    for (const col of columns) mixColumn(h, col, n);
    finishHashes(h, n);
    return h;
  }

  /** Rows whose candidate group only shares their hash get their true group (found or inserted) by a full-key probe. */
  private resolveCollisions(
    columns: readonly Int32Array[],
    rows: Int32Array,
    m: number,
    h: Int32Array,
    groups: Int32Array,
  ): void {
    const w = this.width;
    let wrong: number[] | undefined;
    for (let j = 0; j < w; j++) wrong = wrongRows(this.keys, w, j, columns[j]!, rows, m, groups, wrong);
    if (!wrong) return;
    const collided = new Set(wrong);
    this.collisions += collided.size;
    for (const k of collided) {
      const i = rows[k]!;
      groups[k] = this.groupOfRow(columns, i, h[i]!);
    }
  }

  private mergeInto(t: number, other: AggregateState, g: number): void {
    if (other.count[g] === 0) return;
    if (this.cols.count[t] === 0) copySampleMeasures(this.cols, t, other, g);
    else mergeSampleMeasures(this.cols, t, other, g);
  }

  /** Empties the table for reuse, keeping its memory. */
  clear(): void {
    this.slots.fill(-1);
    this.cols.count.fill(0, 0, this.size);
    this.size = 0;
  }

  /** The current state as views of the table's arrays (valid until the next add or clear). */
  view(): AggregateState {
    return this.snapshot(false);
  }

  /** The finished state, trimmed to the groups in use. */
  toState(): AggregateState {
    return this.snapshot(true);
  }

  private snapshot(copy: boolean): AggregateState {
    const n = this.size;
    const c = this.cols;
    const cut = <T extends Int32Array | Float64Array>(a: T, length = n): T =>
      (copy ? a.slice(0, length) : a.subarray(0, length)) as T;
    return aggregateState(n, this.width, cut(this.keys, n * this.width), {
      count: cut(c.count),
      sum: cut(c.sum),
      min: cut(c.min),
      max: cut(c.max),
      last: cut(c.last),
      lastTime: cut(c.lastTime),
      first: cut(c.first),
      firstTime: cut(c.firstTime),
    });
  }

  /** The group of row `row`'s key (found or inserted) by a probe that compares whole keys. */
  private groupOfRow(columns: readonly Int32Array[], row: number, hash: number): number {
    let slot = hash & this.mask;
    for (;;) {
      const g = this.slots[slot]!;
      if (g < 0) return this.insertRow(columns, row, hash, slot);
      if (this.hashes[g] === hash && this.sameKey(g, columns, row)) return g;
      slot = (slot + 1) & this.mask;
    }
  }

  private sameKey(g: number, columns: readonly Int32Array[], row: number): boolean {
    const w = this.width;
    for (let j = 0; j < w; j++) if (this.keys[g * w + j] !== columns[j]![row]) return false;
    return true;
  }

  private insertRow(columns: readonly Int32Array[], row: number, hash: number, slot: number): number {
    const g = this.size++;
    const w = this.width;
    if ((g + 1) * w > this.keys.length) this.grow();
    for (let j = 0; j < w; j++) this.keys[g * w + j] = columns[j]![row]!;
    this.hashes[g] = hash;
    this.slots[slot] = g;
    if (this.size * 2 > this.slots.length) this.rehash();
    return g;
  }

  private grow(): void {
    const cap = (this.keys.length / this.width) * 2;
    const keys = new Int32Array(cap * this.width);
    keys.set(this.keys);
    this.keys = keys;
    const hashes = new Int32Array(cap);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const next = emptySampleMeasures(cap);
    for (const name of sampleMeasureNames) next[name].set(this.cols[name]);
    this.cols = next;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    this.mask = this.slots.length - 1;
    for (let g = 0; g < this.size; g++) {
      let slot = this.hashes[g]! & this.mask;
      while (this.slots[slot]! >= 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = g;
    }
  }
}

/** The key hash (shared by the aggregation tables): seed, one mix per key word, then finish. */
export const hashSeed = 0x9e3779b9 | 0;

function mixColumn(h: Int32Array, col: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) h[i] = mixHash(h[i]!, col[i]!);
}

function finishHashes(h: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) h[i] = finishHash(h[i]!);
}

/** `wrong` plus the rows k whose key part j differs from their candidate group's. */
function wrongRows(
  keys: Int32Array,
  w: number,
  j: number,
  col: Int32Array,
  rows: Int32Array,
  m: number,
  groups: Int32Array,
  wrong: number[] | undefined,
): number[] | undefined {
  for (let k = 0; k < m; k++) if (keys[groups[k]! * w + j] !== col[rows[k]!]) (wrong ??= []).push(k);
  return wrong;
}

function countingUp(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

export function mixHash(h: number, v: number): number {
  const x = Math.imul(h ^ v, 0x85ebca6b);
  return x ^ (x >>> 13);
}

export function finishHash(h: number): number {
  const x = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return x ^ (x >>> 16);
}

/** The smallest power of two >= n (at least 16): a table size. */
export function nextPow2(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}

import { cloneSketch, mergeSketches, type MeasureSketch } from '../measures/measure-sketch.js';
import {
  copySampleMeasures,
  mergeSampleMeasures,
  sampleMeasureNames,
  type SampleMeasures,
} from '../measures/measure-state.js';
import { sortKeyRange } from './sort-key-range.js';

/**
 * A growable columnar list of cube records: an int key per level (time bucket, then each split dimension, as
 * dictionary ids or STAR) and the mergeable measure states. Records are appended, sorted and merged in ranges.
 */

/** Key value of a dimension aggregated away in a record. */
export const STAR = -1;

/** The mergeable measure states of a record. */
export const measureNames = [...sampleMeasureNames, 'lastSum', 'increase'] as const;
export type MeasureName = (typeof measureNames)[number];

/** The measure columns of a list, by measure. */
type Measures = Record<MeasureName, Float64Array>;

/** The columns one record spans, in one place so that copies stay whole. */
interface Columns {
  readonly keys: Int32Array;
  readonly m: Measures;
  readonly sketches: (MeasureSketch | undefined)[];
  readonly owns: Uint8Array;
}

/**
 * Columnar records; `keys[r * width + level]`, level 0 = time bucket. Copies share sketch objects, copy-on-write: a
 * record updates its sketch in place only when it owns it (no other record refers to it); otherwise a merge into it
 * first clones the sketch. A sketch assigned to `sketches[i]` from outside is never updated in place.
 */
export class CubeRecords {
  keys: Int32Array;
  // quantile or distinct-count sketch per record, for distribution and distinct metrics; as long as the capacity:
  // an array grown element by element (or shrunk and regrown) costs several times more per record
  sketches: (MeasureSketch | undefined)[];
  // count; sum/min/max of samples; last/lastTime (latest value, ns in day); lastSum: sum over series of each series'
  // last; first/firstTime (earliest); increase: counters' summed increase (NaN: not a counter)
  m: Record<MeasureName, Float64Array>;
  private owns: Uint8Array; // per record: 1 when the record is the only holder of its sketch object
  private size = 0;
  // the record at position 0 of the columns: a blank list read in part holds only a window of its records
  first = 0;

  constructor(
    readonly width: number,
    capacity = 1024,
  ) {
    const cap = Math.max(1, capacity);
    this.keys = new Int32Array(cap * width);
    this.sketches = new Array<MeasureSketch | undefined>(cap);
    this.m = measureColumns(cap);
    this.owns = new Uint8Array(cap);
  }

  /**
   * `count` records to be filled in place by index, none held yet: `cover` makes room for those a reader fills (a
   * query that needs a few records of a segment allocates a window around them, not the whole list).
   */
  static blank(width: number, count: number): CubeRecords {
    const records = new CubeRecords(width, 1);
    records.size = count;
    records.first = count; // an empty window
    return records;
  }

  /**
   * Makes the columns of a blank list hold records [lo, hi) too (zero keys and measures where new), keeping the
   * records they hold; read record r at position r - first.
   */
  cover(lo: number, hi: number): void {
    const held = this.first < this.size ? this.owns.length : 0;
    if (lo >= hi || (lo >= this.first && hi <= this.first + held)) return;
    const from = held > 0 ? Math.min(lo, this.first) : lo;
    const to = Math.min(this.size, held > 0 ? Math.max(hi, this.first + held) : hi);
    const w = this.width;
    const at = this.first - from; // where the held records go in the new columns
    const keys = new Int32Array((to - from) * w);
    const m = measureColumns(to - from);
    const owns = new Uint8Array(to - from);
    const sketches: (MeasureSketch | undefined)[] = [];
    if (held > 0) {
      keys.set(this.keys, at * w);
      for (const name of measureNames) m[name].set(this.m[name], at);
      owns.set(this.owns, at);
      this.sketches.forEach((sketch, i) => (sketches[at + i] = sketch)); // holes stay holes
    }
    this.keys = keys;
    this.m = m;
    this.owns = owns;
    this.sketches = sketches;
    this.first = from;
  }

  /** Number of records. */
  get length(): number {
    return this.size;
  }

  /** Appends a copy of record `r` of `from` (which may be this list; same width) and returns its index. */
  appendCopy(from: CubeRecords, r: number): number {
    const i = this.reserve();
    copyMeasures(this.m, i, from.m, r);
    this.shareSketch(i, from, r);
    const w = this.width;
    const to = this.keys;
    const keys = from.keys;
    for (let j = 0; j < w; j++) to[i * w + j] = keys[r * w + j]!;
    return i;
  }

  /** Appends a record with the measures and sketch of record `r` of `from` and zero keys for the caller to fill. */
  appendMeasuresOf(from: CubeRecords, r: number): number {
    const i = this.reserve();
    this.keys.fill(0, i * this.width, (i + 1) * this.width);
    copyMeasures(this.m, i, from.m, r);
    this.shareSketch(i, from, r);
    return i;
  }

  /**
   * Appends copies of records `rows` of `from` (may be this list) with the keys `keys` (`keys[k * width + level]` for
   * rows[k]) instead of their own, in stable key order from `fromLevel` on; returns the first index. A merge of the
   * appended tail (sortAndMergeTail) then finds it sorted and only merges.
   */
  appendInKeyOrder(from: CubeRecords, rows: ArrayLike<number>, keys: Int32Array, fromLevel: number): number {
    return this.appendSorted(from, rows, keys, fromLevel, false);
  }

  /**
   * What appendInKeyOrder then sortAndMergeTail(first, fromLevel) give (records with equal keys from `fromLevel` on
   * merged in key order, the first one's copy holding the rest), without writing the records that merge away;
   * returns the first index (the merged records end at `length`).
   */
  appendMergedInKeyOrder(from: CubeRecords, rows: ArrayLike<number>, keys: Int32Array, fromLevel: number): number {
    return this.appendSorted(from, rows, keys, fromLevel, true);
  }

  /** Appends `count` records with zero keys and measures and no sketch, to be filled by index; returns the first. */
  appendZeroed(count: number): number {
    const at = this.size;
    this.ensureCapacity(at + count);
    this.keys.fill(0, at * this.width, (at + count) * this.width);
    for (const name of measureNames) this.m[name].fill(0, at, at + count);
    this.owns.fill(0, at, at + count);
    this.sketches.fill(undefined, at, at + count);
    this.size = at + count;
    return at;
  }

  /** Appends a record with zero keys and measures for the caller to fill; returns its index. */
  appendBlank(): number {
    const i = this.reserve();
    this.keys.fill(0, i * this.width, (i + 1) * this.width);
    for (const name of measureNames) this.m[name][i] = 0;
    return i;
  }

  /** Appends state `g` of one series' sample measures (keys left to the caller); one series, so lastSum = last. */
  appendCopyFromState(state: SampleMeasures, g: number, increase = Number.NaN): number {
    const i = this.reserve();
    copySampleMeasures(this.m, i, state, g);
    this.m.lastSum[i] = state.last[g]!;
    this.m.increase[i] = increase;
    return i;
  }

  /**
   * Folds record `r` into record `into` (same list): the sample measures merge, lastSum and increase add, sketches
   * merge.
   */
  mergeInto(into: number, r: number): void {
    mergeMeasures(this.m, into, this.m, r);
    this.mergeSketch(into, this.sketches[r]);
  }

  /**
   * Sorts records [start, end) by their keys from `fromLevel` on (earlier levels are equal inside the range; ties keep
   * their order), then merges records with equal keys; returns the new end of the range. Only valid for the last range
   * of the list.
   */
  sortAndMergeTail(start: number, fromLevel: number): number {
    const end = this.size;
    const w = this.width;
    const order = sortKeyRange(this.keys, w, start, end, fromLevel, true);
    const src = order ? this.gather(order) : this.columns();
    const at = order ? 0 : start; // index in `src` of the range's first record, in order
    const { keys, m, sketches, owns } = this;
    let out = start - 1;
    for (let k = 0; k < end - start; k++) {
      const s = at + k;
      if (out >= start && sameKeys(keys, out, src.keys, s, w, fromLevel)) {
        mergeMeasures(m, out, src.m, s);
        this.mergeSketch(out, src.sketches[s]);
        continue;
      }
      out++;
      if (src.keys !== keys || s !== out) {
        for (let j = 0; j < w; j++) keys[out * w + j] = src.keys[s * w + j]!;
        copyMeasures(m, out, src.m, s);
        sketches[out] = src.sketches[s];
        owns[out] = src.owns[s]!;
      }
    }
    for (let k = out + 1; k < end; k++) sketches[k] = undefined; // the records merged away hold no sketch
    this.size = out + 1;
    return this.size;
  }

  /** Hands record `i` a sketch no other record or caller holds (so merges may update it in place). */
  adoptSketch(i: number, sketch: MeasureSketch | undefined): void {
    this.sketches[i] = sketch;
    this.owns[i] = 1;
  }

  /** Gives record `i` the sketch of record `r` of `from`, shared: neither may update it in place any more. */
  private shareSketch(i: number, from: CubeRecords, r: number): void {
    this.sketches[i] = from.sketches[r];
    this.owns[i] = 0;
    from.owns[r] = 0;
  }

  /** Merges sketch `b` into record `into`'s, cloning it first unless the record owns it (mergeSketches' rules). */
  private mergeSketch(into: number, b: MeasureSketch | undefined): void {
    if (b === undefined) return;
    const a = this.sketches[into];
    this.sketches[into] = mergeSketches(a === undefined || this.owns[into] ? a : cloneSketch(a), b);
    this.owns[into] = 1;
  }

  /** This list's columns, for reading records in place. */
  private columns(): Columns {
    return { keys: this.keys, m: this.m, sketches: this.sketches, owns: this.owns };
  }

  /** Copies of the records `order` names, in that order (keys, measures, sketch references and ownership). */
  private gather(order: Int32Array): Columns {
    const n = order.length;
    const w = this.width;
    const keys = new Int32Array(n * w);
    const m = measureColumns(n);
    const sketches: (MeasureSketch | undefined)[] = new Array(n);
    const owns = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const r = order[k]!;
      for (let j = 0; j < w; j++) keys[k * w + j] = this.keys[r * w + j]!;
      sketches[k] = this.sketches[r];
      owns[k] = this.owns[r]!;
    }
    for (const name of measureNames) {
      const from = this.m[name];
      const to = m[name];
      for (let k = 0; k < n; k++) to[k] = from[order[k]!]!;
    }
    return { keys, m, sketches, owns };
  }

  /** appendInKeyOrder, merging equal keys as it goes when `merge` is set; column by column, one capacity check. */
  private appendSorted(
    from: CubeRecords,
    rows: ArrayLike<number>,
    keys: Int32Array,
    fromLevel: number,
    merge: boolean,
  ): number {
    const w = this.width;
    const n = rows.length;
    const order = sortKeyRange(keys, w, 0, n, fromLevel, true);
    const first = this.size;
    if (!merge) this.ensureCapacity(first + n); // merging grows the list only as far as the merged records need
    let to = this.keys;
    let out = first - 1;
    for (let k = 0; k < n; k++) {
      const c = order ? order[k]! : k;
      const r = rows[c]!;
      from.owns[r] = 0; // its sketch is now shared (or merged from, which only reads it)
      if (merge && out >= first && sameKeys(to, out, keys, c, w, fromLevel)) {
        mergeMeasures(this.m, out, from.m, r);
        this.mergeSketch(out, from.sketches[r]);
        continue;
      }
      out++;
      if ((out + 1) * w > to.length) {
        this.size = out; // the records so far, kept by the copy
        this.ensureCapacity(out + 1);
        to = this.keys;
      }
      copyMeasures(this.m, out, from.m, r);
      this.sketches[out] = from.sketches[r];
      this.owns[out] = 0;
      for (let j = 0; j < w; j++) to[out * w + j] = keys[c * w + j]!;
    }
    this.size = out + 1;
    return first;
  }

  private reserve(): number {
    this.ensureCapacity(this.size + 1);
    const i = this.size++;
    this.sketches[i] = undefined;
    this.owns[i] = 0;
    return i;
  }

  private ensureCapacity(records: number): void {
    if (records * this.width <= this.keys.length) return;
    // 1.5x: a star-tree ends near 2x its base records, where doubling would allocate 4x
    const cap = Math.max(16, Math.ceil((this.keys.length / this.width) * 1.5), records);
    const n = this.size;
    const keys = new Int32Array(cap * this.width);
    keys.set(this.keys.subarray(0, n * this.width));
    this.keys = keys;
    const m = measureColumns(cap);
    for (const name of measureNames) m[name].set(this.m[name].subarray(0, n));
    this.m = m;
    const owns = new Uint8Array(cap);
    owns.set(this.owns.subarray(0, n));
    this.owns = owns;
    const sketches = new Array<MeasureSketch | undefined>(cap);
    for (let i = 0; i < n; i++) sketches[i] = this.sketches[i];
    this.sketches = sketches;
  }
}

/** Zeroed measure columns; a literal, so every list's `m` has one shape and the per-record loops stay monomorphic. */
function measureColumns(capacity: number): Measures {
  const column = (): Float64Array => new Float64Array(capacity);
  return {
    count: column(),
    sum: column(),
    min: column(),
    max: column(),
    last: column(),
    lastTime: column(),
    first: column(),
    firstTime: column(),
    lastSum: column(),
    increase: column(),
  };
}

function copyMeasures(to: Measures, i: number, from: Measures, r: number): void {
  copySampleMeasures(to, i, from, r);
  to.lastSum[i] = from.lastSum[r]!;
  to.increase[i] = from.increase[r]!;
}

/** The sample measures merge, lastSum and increase add. */
function mergeMeasures(to: Measures, i: number, from: Measures, r: number): void {
  mergeSampleMeasures(to, i, from, r);
  to.lastSum[i]! += from.lastSum[r]!;
  to.increase[i]! += from.increase[r]!;
}

function sameKeys(a: Int32Array, i: number, b: Int32Array, j: number, width: number, fromLevel: number): boolean {
  for (let l = fromLevel; l < width; l++) if (a[i * width + l] !== b[j * width + l]) return false;
  return true;
}

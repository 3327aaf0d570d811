import { cloneSketch, mergeSketches, type MeasureSketch } from '../measures/measure-sketch.js';
import {
  copySampleMeasures,
  mergeSampleMeasures,
  sampleMeasureNames,
  type SampleMeasures,
} from '../measures/measure-state.js';

/**
 * A growable columnar list of cube records: an int key per level (time bucket, then each split dimension, as
 * dictionary ids or STAR) and the mergeable measure states. Records are appended, sorted and merged in ranges.
 */

/** Key value of a dimension aggregated away in a record. */
export const STAR = -1;

/** The mergeable measure states of a record. */
export const measureNames = [...sampleMeasureNames, 'lastSum', 'increase'] as const;
export type MeasureName = (typeof measureNames)[number];

/** Columnar records; `keys[r * width + level]`, level 0 = time bucket. */
export class CubeRecords {
  keys: Int32Array;
  // quantile or distinct-count sketch per record, for distribution and distinct metrics
  sketches: (MeasureSketch | undefined)[] = [];
  // count; sum/min/max of samples; last/lastTime (latest value, ns in day); lastSum: sum over series of each series'
  // last; first/firstTime (earliest); increase: counters' summed increase (NaN: not a counter)
  m: Record<MeasureName, Float64Array>;
  private size = 0;

  constructor(
    readonly width: number,
    capacity = 1024,
  ) {
    this.keys = new Int32Array(Math.max(1, capacity) * width);
    this.m = Object.fromEntries(measureNames.map((n) => [n, new Float64Array(Math.max(1, capacity))])) as Record<
      MeasureName,
      Float64Array
    >;
  }

  /** Number of records. */
  get length(): number {
    return this.size;
  }

  /**
   * Appends a copy of record `r` of `from` (which may be this list; same width) and returns its index. With
   * `cloneSketches` false the new record takes `from`'s sketch object itself (for a list about to be discarded).
   */
  appendCopy(from: CubeRecords, r: number, cloneSketches = true): number {
    const i = this.appendMeasuresOf(from, r, cloneSketches);
    const w = this.width;
    for (let j = 0; j < w; j++) this.keys[i * w + j] = from.keys[r * w + j]!;
    return i;
  }

  /**
   * Appends a record with the measures (and a copy of the sketch) of record `r` of `from` and zero keys for the caller
   * to fill.
   */
  appendMeasuresOf(from: CubeRecords, r: number, cloneSketches = true): number {
    const i = this.appendBlank();
    for (const n of measureNames) this.m[n][i] = from.m[n][r]!;
    const sketch = from.sketches[r];
    this.sketches[i] = sketch && cloneSketches ? cloneSketch(sketch) : sketch;
    return i;
  }

  /** Appends a record with zero keys and measures for the caller to fill; returns its index. */
  appendBlank(): number {
    const i = this.reserve();
    this.sketches[i] = undefined;
    for (let j = 0; j < this.width; j++) this.keys[i * this.width + j] = 0;
    return i;
  }

  /** Appends state `g` of one series' sample measures (keys left to the caller); one series, so lastSum = last. */
  appendCopyFromState(state: SampleMeasures, g: number, increase = Number.NaN): number {
    const i = this.reserve();
    copySampleMeasures(this.m, i, state, g);
    this.m.lastSum[i] = state.last[g]!;
    this.m.increase[i] = increase;
    this.sketches[i] = undefined;
    return i;
  }

  /**
   * Folds record `r` into record `into` (same list): the sample measures merge, lastSum and increase add, sketches
   * merge.
   */
  mergeInto(into: number, r: number): void {
    const m = this.m;
    mergeSampleMeasures(m, into, m, r);
    m.lastSum[into]! += m.lastSum[r]!;
    m.increase[into]! += m.increase[r]!;
    this.sketches[into] = mergeSketches(this.sketches[into], this.sketches[r]);
  }

  /**
   * Sorts records [start, end) by their keys from `fromLevel` on (earlier levels are equal inside the range),
   * then merges records with equal keys; returns the new end of the range. Only valid for the last range of the list.
   */
  sortAndMergeTail(start: number, fromLevel: number): number {
    const end = this.size;
    const w = this.width;
    const keys = this.keys;
    const order = Int32Array.from({ length: end - start }, (_, i) => start + i);
    order.sort((a, b) => {
      for (let j = fromLevel; j < w; j++) {
        const d = keys[a * w + j]! - keys[b * w + j]!;
        if (d !== 0) return d;
      }
      return a - b;
    });
    const copy = new CubeRecords(w, end - start);
    for (const r of order) {
      const last = copy.size - 1;
      if (last >= 0 && copy.sameKeyFrom(last, this, r, fromLevel)) copy.mergeFrom(last, this, r);
      else copy.appendCopy(this, r);
    }
    this.size = start;
    for (let r = 0; r < copy.size; r++) this.appendCopy(copy, r, false); // the copy is discarded: take its sketches
    this.sketches.length = this.size;
    return this.size;
  }

  /** True when record `a` here and record `b` of `other` have equal keys from `fromLevel` on. */
  sameKeyFrom(a: number, other: CubeRecords, b: number, fromLevel: number): boolean {
    const w = this.width;
    for (let j = fromLevel; j < w; j++) if (this.keys[a * w + j] !== other.keys[b * w + j]) return false;
    return true;
  }

  private mergeFrom(into: number, other: CubeRecords, r: number): void {
    const i = this.reserve();
    for (const n of measureNames) this.m[n][i] = other.m[n][r]!;
    this.sketches[i] = other.sketches[r]; // read, not kept: mergeInto copies what it needs
    this.mergeInto(into, i);
    this.sketches[i] = undefined;
    this.size--;
  }

  private reserve(): number {
    if ((this.size + 1) * this.width > this.keys.length) {
      const cap = Math.max(16, (this.keys.length / this.width) * 2);
      const keys = new Int32Array(cap * this.width);
      keys.set(this.keys);
      this.keys = keys;
      for (const n of measureNames) {
        const next = new Float64Array(cap);
        next.set(this.m[n]);
        this.m[n] = next;
      }
    }
    return this.size++;
  }
}

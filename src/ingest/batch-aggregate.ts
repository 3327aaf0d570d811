import {
  addSampleAt,
  deinterleave,
  emptySampleMeasures,
  interleavedStride,
  startWithSampleAt,
  type SampleMeasures,
} from '../measures/measure-state.js';
import { aggregateState, finishHash, hashSeed, mixHash, nextPow2, type AggregateState } from './series-aggregate.js';

/**
 * The hash aggregation of one record batch's rows on their packed keys (a few words), reused batch after batch. Each
 * row is hashed, probed and added in one pass, and a group's key, hash and measures each sit together (interleaved),
 * so the per-row work touches a few cache lines, not one per measure column; `view` gives the groups column-wise.
 */
export class BatchAggregate {
  private entries: Int32Array; // per group: [hash, key word 0, ..., key word width - 1]
  private measures: Float64Array; // per group: interleavedStride states (measure-state's interleaved layout)
  private slots: Int32Array; // slot -> group, -1 empty
  private next: Int32Array; // group -> the group of the row that last followed one of its rows, -1 none yet
  private mask: number;
  private size = 0;
  private collisions = 0;
  private keys = new Int32Array(0); // view's keys
  private columns: SampleMeasures = emptySampleMeasures(0); // view's measures

  constructor(
    readonly width: number,
    initialGroups = 4096,
  ) {
    const cap = Math.max(16, initialGroups);
    this.entries = new Int32Array(cap * (width + 1));
    this.measures = new Float64Array(cap * interleavedStride);
    this.next = new Int32Array(cap);
    this.slots = new Int32Array(nextPow2(cap * 2)).fill(-1);
    this.mask = this.slots.length - 1;
  }

  /** Number of groups so far. */
  get groups(): number {
    return this.size;
  }

  /** Probes that met a group of the same hash but another key (for tests and diagnostics). */
  get hashCollisions(): number {
    return this.collisions;
  }

  /** Empties the table for the next batch, keeping its memory. */
  clear(): void {
    this.slots.fill(-1);
    this.size = 0;
  }

  /**
   * Adds the rows `rows[0..m)` (key word j of row i is `columns[j][i]`, its sample `values[i]` at `times[i]`) and
   * writes each one's group to `groups[k]`. Groups are numbered in order of first appearance.
   */
  addRows(
    columns: readonly Int32Array[],
    rows: Int32Array,
    m: number,
    values: Float64Array,
    times: Float64Array,
    groups: Int32Array,
  ): void {
    if (columns.length !== this.width)
      throw new RangeError(`got ${columns.length} key columns, the aggregate has width ${this.width}`);
    if (this.width <= 2) this.addNarrow(columns[0]!, columns[this.width - 1]!, rows, m, values, times, groups);
    else this.addWide(columns, rows, m, values, times, groups);
  }

  /**
   * Keys of one or two words: the words as locals, no loop over the key. Each row first tries the group that followed
   * the previous row's group last time (telemetry batches repeat their series in the same order every interval, so
   * ~90% of rows hit), checked by its key words, and hashes and probes only when that guess is wrong.
   */
  private addNarrow(
    c0: Int32Array,
    c1: Int32Array, // the second word (width 2); ignored for width 1
    rows: Int32Array,
    m: number,
    values: Float64Array,
    times: Float64Array,
    groups: Int32Array,
  ): void {
    const two = this.width === 2;
    const stride = this.width + 1;
    let { slots, entries, measures, mask, next } = this;
    let prev = -1; // the previous row's group
    for (let k = 0; k < m; k++) {
      const i = rows[k]!;
      const a = c0[i]!;
      const b = two ? c1[i]! : 0;
      if (prev >= 0) {
        const guess = next[prev]!;
        const e = guess * stride;
        if (guess >= 0 && entries[e + 1] === a && (!two || entries[e + 2] === b)) {
          addSampleAt(measures, guess * interleavedStride, values[i]!, times[i]!);
          groups[k] = prev = guess;
          continue;
        }
      }
      const h = finishHash(two ? mixHash(mixHash(hashSeed, a), b) : mixHash(hashSeed, a));
      let slot = h & mask;
      let g: number;
      for (;;) {
        g = slots[slot]!;
        if (g < 0) {
          g = this.insert(h, slot);
          ({ slots, entries, measures, mask, next } = this);
          entries[g * stride + 1] = a;
          if (two) entries[g * stride + 2] = b;
          startWithSampleAt(measures, g * interleavedStride, values[i]!, times[i]!);
          break;
        }
        const e = g * stride;
        if (entries[e] === h && entries[e + 1] === a && (!two || entries[e + 2] === b)) {
          addSampleAt(measures, g * interleavedStride, values[i]!, times[i]!);
          break;
        }
        if (entries[e] === h) this.collisions++;
        slot = (slot + 1) & mask;
      }
      if (prev >= 0) next[prev] = g;
      groups[k] = prev = g;
    }
  }

  /** Keys of three or more words. */
  private addWide(
    columns: readonly Int32Array[],
    rows: Int32Array,
    m: number,
    values: Float64Array,
    times: Float64Array,
    groups: Int32Array,
  ): void {
    const w = this.width;
    const stride = w + 1;
    for (let k = 0; k < m; k++) {
      const i = rows[k]!;
      let h = hashSeed;
      for (let j = 0; j < w; j++) h = mixHash(h, columns[j]![i]!);
      h = finishHash(h);
      let slot = h & this.mask;
      let g: number;
      for (;;) {
        g = this.slots[slot]!;
        if (g < 0) {
          g = this.insert(h, slot);
          for (let j = 0; j < w; j++) this.entries[g * stride + 1 + j] = columns[j]![i]!;
          startWithSampleAt(this.measures, g * interleavedStride, values[i]!, times[i]!);
          break;
        }
        if (this.entries[g * stride] === h) {
          let same = true;
          for (let j = 0; j < w && same; j++) same = this.entries[g * stride + 1 + j] === columns[j]![i];
          if (same) {
            addSampleAt(this.measures, g * interleavedStride, values[i]!, times[i]!);
            break;
          }
          this.collisions++;
        }
        slot = (slot + 1) & this.mask;
      }
      groups[k] = g;
    }
  }

  /** Takes the next group number for a row of hash `hash` found missing at `slot`; grows what must grow. */
  private insert(hash: number, slot: number): number {
    const g = this.size++;
    const stride = this.width + 1;
    if ((g + 1) * stride > this.entries.length) this.grow();
    this.entries[g * stride] = hash;
    this.next[g] = -1; // entries past the groups in use hold an earlier batch's
    this.slots[slot] = g;
    if (this.size * 2 > this.slots.length) this.rehash();
    return g;
  }

  private grow(): void {
    const entries = new Int32Array(this.entries.length * 2);
    entries.set(this.entries);
    this.entries = entries;
    const measures = new Float64Array(this.measures.length * 2);
    measures.set(this.measures);
    this.measures = measures;
    const next = new Int32Array(this.next.length * 2);
    next.set(this.next);
    this.next = next;
  }

  private rehash(): void {
    const stride = this.width + 1;
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    this.mask = this.slots.length - 1;
    for (let g = 0; g < this.size; g++) {
      let slot = this.entries[g * stride]! & this.mask;
      while (this.slots[slot]! >= 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = g;
    }
  }

  /** The groups column-wise, in views of arrays this table reuses (valid until the next add or clear). */
  view(): AggregateState {
    const n = this.size;
    const w = this.width;
    if (this.keys.length < n * w) {
      const cap = this.entries.length / (w + 1);
      this.keys = new Int32Array(cap * w);
      this.columns = emptySampleMeasures(cap);
    }
    copyKeys(this.entries, w, n, this.keys);
    deinterleave(this.measures, n, this.columns);
    const c = this.columns;
    return aggregateState(n, w, this.keys.subarray(0, n * w), {
      count: c.count.subarray(0, n),
      sum: c.sum.subarray(0, n),
      min: c.min.subarray(0, n),
      max: c.max.subarray(0, n),
      last: c.last.subarray(0, n),
      lastTime: c.lastTime.subarray(0, n),
      first: c.first.subarray(0, n),
      firstTime: c.firstTime.subarray(0, n),
    });
  }
}

function copyKeys(entries: Int32Array, w: number, n: number, keys: Int32Array): void {
  const stride = w + 1;
  for (let g = 0; g < n; g++) for (let j = 0; j < w; j++) keys[g * w + j] = entries[g * stride + 1 + j]!;
}

/**
 * Hash aggregation of samples into base records, one per (hour, metric, dimension ids):
 * count, sum, min, max and the last value, on typed arrays (no JS object per row or group).
 */

/** Mergeable measure states of every group, columnar; index = group number. */
export interface MeasureColumns {
  readonly count: Float64Array; // samples aggregated (exact up to 2^53)
  readonly sum: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly last: Float64Array; // value at the latest timestamp; ties: the larger value
  readonly lastTime: Float64Array; // timestamp of `last`, nanoseconds after the day's start (exact below 2^53)
  readonly first: Float64Array; // value at the earliest timestamp; ties: the smaller value
  readonly firstTime: Float64Array; // timestamp of `first`, nanoseconds after the day's start
}

/** A finished aggregate, columnar and transferable between threads. */
export interface AggregateState extends MeasureColumns {
  readonly groups: number; // number of groups (records)
  readonly width: number; // ints per key: [hour, metric, ...dimensions]
  readonly keys: Int32Array; // keys[g * width + j]
}

/** Open-addressing hash table from int tuples to groups, with measure states per group. */
export class SeriesAggregate {
  private keys: Int32Array;
  private cols: Record<(typeof measureNames)[number], Float64Array>;
  private slots: Int32Array; // slot -> group, -1 empty
  private mask: number;
  private size = 0;
  private readonly key: Int32Array; // scratch key of the row being added

  constructor(readonly width: number, initialGroups = 1024) {
    const cap = Math.max(16, initialGroups);
    this.keys = new Int32Array(cap * width);
    this.cols = emptyColumns(cap);
    this.slots = new Int32Array(nextPow2(cap * 2)).fill(-1);
    this.mask = this.slots.length - 1;
    this.key = new Int32Array(width);
  }

  /** Number of groups so far. */
  get groups(): number {
    return this.size;
  }

  /** The scratch key to fill before calling `addSample` (avoids allocating a key per row). */
  get scratchKey(): Int32Array {
    return this.key;
  }

  /** Adds one sample to the group of `scratchKey`; returns the group number. */
  addSample(value: number, time: number): number {
    const g = this.groupOf(this.key, 0);
    const c = this.cols;
    if (c.count[g] === 0) {
      c.count[g] = 1;
      c.sum[g] = value;
      c.min[g] = value;
      c.max[g] = value;
      c.last[g] = value;
      c.lastTime[g] = time;
      c.first[g] = value;
      c.firstTime[g] = time;
      return g;
    }
    c.count[g]! += 1;
    c.sum[g]! += value;
    if (value < c.min[g]!) c.min[g] = value;
    if (value > c.max[g]!) c.max[g] = value;
    if (time > c.lastTime[g]! || (time === c.lastTime[g] && value > c.last[g]!)) {
      c.last[g] = value;
      c.lastTime[g] = time;
    }
    if (time < c.firstTime[g]! || (time === c.firstTime[g] && value < c.first[g]!)) {
      c.first[g] = value;
      c.firstTime[g] = time;
    }
    return g;
  }

  /** Merges group `g` of `other` under `mappedKey` (its key with ids translated, e.g. local to global); returns the target group. */
  mergeGroup(other: AggregateState, g: number, mappedKey: Int32Array): number {
    const t = this.groupOf(mappedKey, 0);
    const c = this.cols;
    const n = other.count[g]!;
    if (n === 0) return t;
    if (c.count[t] === 0) {
      c.count[t] = n;
      c.sum[t] = other.sum[g]!;
      c.min[t] = other.min[g]!;
      c.max[t] = other.max[g]!;
      c.last[t] = other.last[g]!;
      c.lastTime[t] = other.lastTime[g]!;
      c.first[t] = other.first[g]!;
      c.firstTime[t] = other.firstTime[g]!;
      return t;
    }
    c.count[t]! += n;
    c.sum[t]! += other.sum[g]!;
    if (other.min[g]! < c.min[t]!) c.min[t] = other.min[g]!;
    if (other.max[g]! > c.max[t]!) c.max[t] = other.max[g]!;
    const time = other.lastTime[g]!;
    if (time > c.lastTime[t]! || (time === c.lastTime[t] && other.last[g]! > c.last[t]!)) {
      c.last[t] = other.last[g]!;
      c.lastTime[t] = time;
    }
    const ft = other.firstTime[g]!;
    if (ft < c.firstTime[t]! || (ft === c.firstTime[t] && other.first[g]! < c.first[t]!)) {
      c.first[t] = other.first[g]!;
      c.firstTime[t] = ft;
    }
    return t;
  }

  /** The finished state, trimmed to the groups in use. */
  toState(): AggregateState {
    const n = this.size;
    const c = this.cols;
    return {
      groups: n,
      width: this.width,
      keys: this.keys.slice(0, n * this.width),
      count: c.count.slice(0, n),
      sum: c.sum.slice(0, n),
      min: c.min.slice(0, n),
      max: c.max.slice(0, n),
      last: c.last.slice(0, n),
      lastTime: c.lastTime.slice(0, n),
      first: c.first.slice(0, n),
      firstTime: c.firstTime.slice(0, n),
    };
  }

  private groupOf(key: Int32Array, offset: number): number {
    let slot = hashKey(key, offset, this.width) & this.mask;
    for (;;) {
      const g = this.slots[slot]!;
      if (g < 0) return this.insert(key, offset, slot);
      if (this.sameKey(g, key, offset)) return g;
      slot = (slot + 1) & this.mask;
    }
  }

  private sameKey(g: number, key: Int32Array, offset: number): boolean {
    const w = this.width;
    const base = g * w;
    for (let j = 0; j < w; j++) if (this.keys[base + j] !== key[offset + j]) return false;
    return true;
  }

  private insert(key: Int32Array, offset: number, slot: number): number {
    const g = this.size++;
    const w = this.width;
    if ((g + 1) * w > this.keys.length) this.grow();
    for (let j = 0; j < w; j++) this.keys[g * w + j] = key[offset + j]!;
    this.slots[slot] = g;
    if (this.size * 2 > this.slots.length) this.rehash();
    return g;
  }

  private grow(): void {
    const cap = (this.keys.length / this.width) * 2;
    const keys = new Int32Array(cap * this.width);
    keys.set(this.keys);
    this.keys = keys;
    const next = emptyColumns(cap);
    for (const name of measureNames) next[name].set(this.cols[name]);
    this.cols = next;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    this.mask = this.slots.length - 1;
    for (let g = 0; g < this.size; g++) {
      let slot = hashKey(this.keys, g * this.width, this.width) & this.mask;
      while (this.slots[slot]! >= 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = g;
    }
  }
}

function hashKey(key: Int32Array, offset: number, width: number): number {
  let h = 0x9e3779b9 | 0;
  for (let j = 0; j < width; j++) h = Math.imul(h ^ key[offset + j]!, 0x85ebca6b) ^ (h >>> 13);
  return h ^ (h >>> 16);
}

const measureNames = ['count', 'sum', 'min', 'max', 'last', 'lastTime', 'first', 'firstTime'] as const;

function emptyColumns(cap: number): Record<(typeof measureNames)[number], Float64Array> {
  return Object.fromEntries(measureNames.map((n) => [n, new Float64Array(cap)])) as Record<(typeof measureNames)[number], Float64Array>;
}

function nextPow2(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}

/**
 * Samples of cumulative counters, kept per group until every file of a partition is read, because a counter's
 * increase needs its samples in time order and one series' samples may be spread over several files.
 */
export interface CounterSamples {
  readonly group: Int32Array; // group (base record) of each sample
  readonly time: Float64Array; // nanoseconds after the day's start
  readonly value: Float64Array;
}

/** A growable log of counter samples. */
export class CounterSampleLog {
  private group = new Int32Array(256);
  private time = new Float64Array(256);
  private value = new Float64Array(256);
  private size = 0;

  /** Number of samples logged. */
  get length(): number {
    return this.size;
  }

  /** Logs one sample. */
  push(group: number, time: number, value: number): void {
    if (this.size === this.group.length) this.reserve(1);
    this.group[this.size] = group;
    this.time[this.size] = time;
    this.value[this.size++] = value;
  }

  /** Logs the samples [0, count) of the three arrays, in order. */
  append(group: Int32Array, time: Float64Array, value: Float64Array, count: number): void {
    this.reserve(count);
    this.group.set(group.subarray(0, count), this.size);
    this.time.set(time.subarray(0, count), this.size);
    this.value.set(value.subarray(0, count), this.size);
    this.size += count;
  }

  /** Makes room for `extra` more samples (doubling, so pushes stay amortized O(1)). */
  private reserve(extra: number): void {
    if (this.size + extra <= this.group.length) return;
    let length = this.group.length * 2;
    while (length < this.size + extra) length *= 2;
    const group = new Int32Array(length);
    group.set(this.group.subarray(0, this.size));
    this.group = group;
    const time = new Float64Array(length);
    time.set(this.time.subarray(0, this.size));
    this.time = time;
    const value = new Float64Array(length);
    value.set(this.value.subarray(0, this.size));
    this.value = value;
  }

  /** Logs every sample of `other`, with its groups translated by `groupMap`. */
  pushAll(other: CounterSamples, groupMap: Int32Array): void {
    const n = other.group.length;
    this.reserve(n);
    const at = this.size;
    mapGroups(this.group, at, other.group, groupMap);
    this.time.set(other.time, at);
    this.value.set(other.value, at);
    this.size += n;
  }

  /** The samples, trimmed (transferable between threads). */
  toSamples(): CounterSamples {
    return {
      group: this.group.slice(0, this.size),
      time: this.time.slice(0, this.size),
      value: this.value.slice(0, this.size),
    };
  }
}

function mapGroups(into: Int32Array, at: number, from: Int32Array, groupMap: Int32Array): void {
  for (let i = 0; i < from.length; i++) into[at + i] = groupMap[from[i]!]!;
}

/**
 * The increase of each group's counter over its samples in time order (ties: smaller value first), with reset
 * correction as Prometheus does: a drop means the counter restarted, so the new value itself is the increase.
 * Only groups with `want[g] === 1` are computed (other samples, e.g. distributions', are skipped); others get NaN.
 */
export function counterIncreases(groups: number, s: CounterSamples, want: Uint8Array): Float64Array {
  const out = new Float64Array(groups).fill(Number.NaN);
  const order = samplesByGroup(groups, s, want);
  let prevGroup = -1;
  let prev = 0;
  for (const i of order) {
    const g = s.group[i]!;
    const v = s.value[i]!;
    if (g !== prevGroup) out[g] = 0;
    else out[g]! += increaseBetween(prev, v);
    prevGroup = g;
    prev = v;
  }
  return out;
}

/**
 * Indices of the wanted samples, grouped by group (counting sort) and in (time, value) order within a group. Samples
 * mostly arrive in time order already, so each group's run is insertion-sorted; long unsorted runs use a full sort.
 */
function samplesByGroup(groups: number, s: CounterSamples, want: Uint8Array): Int32Array {
  // one loop per function: see SeriesAggregate.probeRows
  const starts = groupStarts(groups, s.group, want);
  const order = new Int32Array(starts[groups]!);
  placeSamples(s.group, want, starts.slice(0, groups), order);
  sortRuns(groups, starts, order, s);
  return order;
}

/** starts[g] = where group g's wanted samples begin in the order (starts[groups] = how many there are). */
function groupStarts(groups: number, group: Int32Array, want: Uint8Array): Int32Array {
  const starts = new Int32Array(groups + 1);
  for (let i = 0; i < group.length; i++) if (want[group[i]!] === 1) starts[group[i]! + 1]!++;
  for (let g = 0; g < groups; g++) starts[g + 1]! += starts[g]!;
  return starts;
}

function placeSamples(group: Int32Array, want: Uint8Array, next: Int32Array, order: Int32Array): void {
  for (let i = 0; i < group.length; i++) if (want[group[i]!] === 1) order[next[group[i]!]!++] = i;
}

function sortRuns(groups: number, starts: Int32Array, order: Int32Array, s: CounterSamples): void {
  const before = (a: number, b: number): number => s.time[a]! - s.time[b]! || s.value[a]! - s.value[b]!;
  for (let g = 0; g < groups; g++) {
    const from = starts[g]!;
    const to = starts[g + 1]!;
    if (to - from > 64 && !isSorted(order, from, to, before)) order.subarray(from, to).sort(before);
    else insertionSort(order, from, to, before);
  }
}

function isSorted(a: Int32Array, from: number, to: number, before: (x: number, y: number) => number): boolean {
  for (let i = from + 1; i < to; i++) if (before(a[i - 1]!, a[i]!) > 0) return false;
  return true;
}

function insertionSort(a: Int32Array, from: number, to: number, before: (x: number, y: number) => number): void {
  for (let i = from + 1; i < to; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= from && before(a[j]!, x) > 0) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}

/** A counter's increase from `before` to `after`, the next sample: a drop is a restart from zero. */
export function increaseBetween(before: number, after: number): number {
  return after >= before ? after - before : after;
}

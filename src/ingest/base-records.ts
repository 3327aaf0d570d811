import type { GlobalDictionary } from './global-dictionary.js';
import type { MeasureSketch } from '../measures/measure-sketch.js';
import type { AggregateState } from './series-aggregate.js';

/** Base rollup records of one partition: the aggregate state plus the dictionaries its ids refer to. */
export interface BaseRecords {
  readonly state: AggregateState; // keys: [hour index, metric id, ...dimension ids]
  readonly metrics: readonly (string | null)[]; // metric id -> name
  readonly dimensionNames: readonly string[];
  readonly dimensionValues: readonly (readonly (string | null)[])[]; // [dimension][id] -> value (id 0 = null)
  readonly order: Int32Array; // group numbers in output order: hour, metric, then each dimension by value
  readonly increase: Float64Array; // per group: a cumulative counter's increase in the hour (NaN for other kinds)
  // per group: quantile (distribution) or distinct-count (distinct) sketch
  readonly sketches: readonly (MeasureSketch | undefined)[];
}

/** Orders the groups of `state` by (hour, metric name, dimension values), nulls last: the output sort order. */
export function sortBaseRecords(
  state: AggregateState,
  metrics: GlobalDictionary,
  dimensionNames: readonly string[],
  dimensions: readonly GlobalDictionary[],
  increase: Float64Array,
  sketches: readonly (MeasureSketch | undefined)[],
): BaseRecords {
  const ranks = [metrics.ranks(), ...dimensions.map((d) => d.ranks())];
  const order = radixOrder(state, ranks);
  return {
    state,
    metrics: metrics.values,
    dimensionNames,
    dimensionValues: dimensions.map((d) => d.values),
    order,
    increase,
    sketches,
  };
}

/**
 * Group numbers sorted by (hour, then each id's rank), by a stable counting sort per key part from the last part to
 * the first (LSD radix): linear in the groups, where a comparison sort spends most of a large day's encode time.
 */
function radixOrder(state: AggregateState, ranks: readonly Int32Array[]): Int32Array {
  const { groups, width: w, keys } = state;
  let order = new Int32Array(groups);
  for (let g = 0; g < groups; g++) order[g] = g;
  let next = new Int32Array(groups);
  const part = new Int32Array(groups); // sort key of each group for the part being sorted on
  // each pass's loops are functions of their own: small, and each compiled once (not the whole sort once per loop)
  for (let j = w - 1; j >= 0; j--) {
    const min = sortKeys(keys, w, j, j === 0 ? null : ranks[j - 1]!, part);
    countingPass(order, next, part, min, bucketStarts(part, min));
    [order, next] = [next, order];
  }
  return order;
}

/** Writes each group's sort key for part j (the hour, or the id's rank) to `part`; returns the smallest key. */
function sortKeys(keys: Int32Array, w: number, j: number, rank: Int32Array | null, part: Int32Array): number {
  let min = 0;
  for (let g = 0; g < part.length; g++) {
    const id = keys[g * w + j]!;
    const v = rank === null ? id : rank[id]!;
    part[g] = v;
    if (v < min) min = v;
  }
  return min;
}

/** Where each key's run starts in the sorted order (index key - min). */
function bucketStarts(part: Int32Array, min: number): Int32Array {
  let max = 0;
  for (let g = 0; g < part.length; g++) if (part[g]! > max) max = part[g]!;
  const starts = new Int32Array(max - min + 2);
  for (let g = 0; g < part.length; g++) starts[part[g]! - min + 1]!++;
  for (let k = 1; k < starts.length; k++) starts[k]! += starts[k - 1]!;
  return starts;
}

/** One stable counting-sort pass: `order` by `part` into `next`. */
function countingPass(order: Int32Array, next: Int32Array, part: Int32Array, min: number, starts: Int32Array): void {
  for (let r = 0; r < order.length; r++) {
    const g = order[r]!;
    next[starts[part[g]! - min]!++] = g;
  }
}

import type { GlobalDictionary } from './global-dictionary.js';
import type { MeasureSketch } from './measure-sketch.js';
import type { AggregateState } from './series-aggregate.js';

/** Base rollup records of one partition: the aggregate state plus the dictionaries its ids refer to. */
export interface BaseRecords {
  readonly state: AggregateState; // keys: [hour index, metric id, ...dimension ids]
  readonly metrics: readonly (string | null)[]; // metric id -> name
  readonly dimensionNames: readonly string[];
  readonly dimensionValues: readonly (readonly (string | null)[])[]; // [dimension][id] -> value (id 0 = null)
  readonly order: Int32Array; // group numbers in output order: hour, metric, then each dimension by value
  readonly increase: Float64Array; // per group: a cumulative counter's increase in the hour (NaN for other kinds)
  readonly sketches: readonly (MeasureSketch | undefined)[]; // per group: quantile (distribution) or distinct-count (distinct) sketch
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
  const w = state.width;
  const ranks = [metrics.ranks(), ...dimensions.map((d) => d.ranks())];
  const order = Int32Array.from({ length: state.groups }, (_, g) => g);
  const keys = state.keys;
  order.sort((a, b) => {
    const ka = a * w;
    const kb = b * w;
    if (keys[ka] !== keys[kb]) return keys[ka]! - keys[kb]!;
    for (let j = 1; j < w; j++) {
      const rank = ranks[j - 1]!;
      const d = rank[keys[ka + j]!]! - rank[keys[kb + j]!]!;
      if (d !== 0) return d;
    }
    return 0;
  });
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

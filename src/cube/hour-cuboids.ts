import { CubeRecords } from './cube-records.js';
import type { CubeSpec } from './cube-spec.js';
import { groupRecords } from './group-records.js';
import { sortKeyRange } from './sort-key-range.js';

/** Where each metric's records lie in one cuboid's list: metric -> rows [first, end). */
export type HourCuboidRuns = Readonly<Record<string, readonly [number, number]>>;

/** One declared cuboid of a day's hours at hour grain: what a query over many days reads instead of every hour. */
export interface HourCuboid {
  readonly records: CubeRecords; // keyed like the input, sorted by metric, the cuboid's other dimensions, then hour
  readonly runs: HourCuboidRuns;
}

/**
 * Groups a day's hour records (level 0 = hour of the day, level i + 1 = split dimension i as a sorted-dictionary id)
 * into the declared cuboid `dimensions`, one record per (hour, the cuboid's dimension values), sorted by metric, then
 * the cuboid's other dimensions in split order, then hour: one metric's records are one run of rows, and one
 * dimension value's hours lie together.
 */
export function hourCuboidOf(
  input: CubeRecords,
  dictionaries: readonly (readonly (string | null)[])[],
  spec: CubeSpec,
  dimensions: readonly string[],
): HourCuboid {
  const order = spec.dimensionsSplitOrder;
  const metricLevel = order.indexOf('metric') + 1;
  if (metricLevel === 0) throw new Error(`cube split order ${order.join(', ')} has no 'metric'`);
  const w = input.width;
  const all = Array.from({ length: input.length }, (_, r) => r);
  const grouped = groupRecords(
    input,
    all,
    dimensions.map((d) => order.indexOf(d) + 1),
  );
  // sort keys: the metric, every dimension level in split order, then the hour
  const levels = [metricLevel, ...order.map((_, d) => d + 1).filter((l) => l !== metricLevel), 0];
  const n = grouped.length;
  const sortKeys = new Int32Array(n * w);
  for (let r = 0; r < n; r++) for (let j = 0; j < w; j++) sortKeys[r * w + j] = grouped.keys[r * w + levels[j]!]!;
  const sorted = sortKeyRange(sortKeys, w, 0, n, 0) ?? all; // undefined: in order already
  const records = new CubeRecords(w, Math.max(16, n));
  const runs: Record<string, readonly [number, number]> = Object.create(null);
  for (let k = 0; k < n; k++) {
    const at = records.appendCopy(grouped, sorted[k]!);
    const metric = dictionaries[metricLevel - 1]![records.keys[at * w + metricLevel]!];
    if (typeof metric !== 'string')
      throw new Error(`hour cuboid (${dimensions.join(', ')}) has a record without a metric`);
    const run = runs[metric];
    runs[metric] = run ? [run[0], at + 1] : [at, at + 1];
  }
  return { records, runs };
}

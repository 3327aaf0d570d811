import { CubeRecords } from './cube-records.js';
import { groupingIdOf, type CubeSpec } from './cube-spec.js';
import { groupRecords } from './group-records.js';
import { sortKeyRange } from './sort-key-range.js';

/** Where each declared cuboid's records of one metric lie: cuboid name -> metric -> rows [first, end). */
export type HourCuboidRuns = Readonly<Record<string, Readonly<Record<string, readonly [number, number]>>>>;

/** A day's declared cuboids at hour grain, in one list: what a query over many days reads instead of every hour. */
export interface HourCuboids {
  readonly records: CubeRecords; // keyed like the input; the cuboids by grouping_id, each by (metric, its dims, hour)
  readonly runs: HourCuboidRuns;
}

/**
 * Groups a day's hour records (level 0 = hour of the day, level i + 1 = split dimension i as a sorted-dictionary id)
 * into each declared cuboid, one record per (hour, the cuboid's dimension values). Inside a cuboid the records are
 * sorted by metric, then the cuboid's other dimensions in split order, then hour: one metric's records are one run of
 * rows, and one dimension value's hours lie together.
 */
export function hourCuboidsOf(
  input: CubeRecords,
  dictionaries: readonly (readonly (string | null)[])[],
  spec: CubeSpec,
): HourCuboids {
  const order = spec.dimensionsSplitOrder;
  const metricLevel = order.indexOf('metric') + 1;
  if (metricLevel === 0) throw new Error(`cube split order ${order.join(', ')} has no 'metric'`);
  const w = input.width;
  const all = Array.from({ length: input.length }, (_, r) => r);
  const out = new CubeRecords(w, Math.max(16, input.length >> 2));
  const runs: Record<string, Record<string, readonly [number, number]>> = Object.create(null);
  const cuboids = [...spec.cuboids].sort(
    (a, b) => groupingIdOf(a.dimensions, order) - groupingIdOf(b.dimensions, order),
  );
  for (const cuboid of cuboids) {
    const kept = cuboid.dimensions.map((d) => order.indexOf(d) + 1);
    const grouped = groupRecords(input, all, kept);
    // sort keys: the metric, every dimension level in split order, then the hour
    const levels = [metricLevel, ...order.map((_, d) => d + 1).filter((l) => l !== metricLevel), 0];
    const n = grouped.length;
    const sortKeys = new Int32Array(n * w);
    for (let r = 0; r < n; r++) for (let j = 0; j < w; j++) sortKeys[r * w + j] = grouped.keys[r * w + levels[j]!]!;
    const sorted = sortKeyRange(sortKeys, w, 0, n, 0) ?? all; // undefined: in order already
    const byMetric: Record<string, readonly [number, number]> = Object.create(null);
    for (let k = 0; k < n; k++) {
      const at = out.appendCopy(grouped, sorted[k]!);
      const metric = dictionaries[metricLevel - 1]![out.keys[at * w + metricLevel]!];
      if (typeof metric !== 'string') throw new Error(`hour cuboid ${cuboid.name} has a record without a metric`);
      const run = byMetric[metric];
      byMetric[metric] = run ? [run[0], at + 1] : [at, at + 1];
    }
    runs[cuboid.name] = byMetric;
  }
  return { records: out, runs };
}

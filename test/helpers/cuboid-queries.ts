import fc from 'fast-check';
import type { JobConfig } from '../../src/config/job-config.js';
import { aggregatesByKind, type Query, type QueryAggregate } from '../../src/query/run-query.js';

const hourMs = 3_600_000;

/** The dimensions the default job's cuboids hold besides `metric`. */
export const cuboidDimensions = ['tenant', 'cluster', 'broker', 'topic'] as const;

/**
 * Random usage-pattern queries that a declared cuboid of `config` holds, over the `hours` hours from `firstMs`: each
 * metric with an aggregate of its kind (not `last` or `increase` at day grain, which need the day tier whole), hour or
 * day grain, a filter or an exclusion of one of `values` (some values of each dimension) and a group-by, all within
 * one cuboid's dimensions, and a window of one to `hours` hours.
 */
export function cuboidQueries(
  config: JobConfig,
  firstMs: number,
  hours: number,
  values: ReadonlyMap<string, readonly string[]>,
): fc.Arbitrary<Query> {
  return fc
    .record({
      metric: fc.constantFrom(...Object.entries(config.metrics)),
      cuboid: fc.constantFrom(...config.cube!.cuboids),
      groupBy: fc.subarray([...cuboidDimensions]),
      filter: fc.option(fc.tuple(fc.constantFrom(...cuboidDimensions), fc.boolean(), fc.nat())),
      window: fc.tuple(fc.integer({ min: 0, max: hours - 1 }), fc.integer({ min: 1, max: hours })),
      grain: fc.constantFrom('hour' as const, 'day' as const),
      aggPick: fc.nat(),
    })
    .map(({ metric: [metric, def], cuboid, groupBy, filter, window, grain, aggPick }): Query => {
      const dims = cuboid.dimensions.filter((d) => d !== 'metric');
      const [d, keep, pick] = filter ?? [];
      const filtered = d !== undefined && dims.includes(d) ? d : undefined;
      const allowed = aggregatesByKind[def.kind].filter((a) => grain === 'hour' || (a !== 'last' && a !== 'increase'));
      const from = Math.min(...window);
      const to = Math.min(hours, Math.max(from + 1, ...window));
      const some = filtered ? values.get(filtered)! : [];
      const chosen = filtered ? [some[pick! % some.length]!] : [];
      return {
        metric,
        kind: def.kind,
        fromMs: firstMs + from * hourMs,
        toMs: firstMs + to * hourMs,
        grain,
        groupBy: groupBy.filter((g) => dims.includes(g)),
        where: filtered && keep ? { [filtered]: chosen } : {},
        whereNot: filtered && !keep ? { [filtered]: chosen } : {},
        agg: allowed[aggPick % allowed.length]!,
      };
    });
}

/**
 * Whether two answers of `agg` computed along different paths agree to the bit: counts, extremes and what sketches
 * give (distinct counts, percentiles). Sums and averages add in another order, so they agree within 1e-9 relative.
 */
export function answersExactly(agg: QueryAggregate): boolean {
  return agg === 'count' || agg === 'min' || agg === 'max' || agg === 'distinct' || /^p\d+$/.test(agg);
}

/** Whether `value` and `want` agree as answers of `agg` must (see answersExactly); NaN equals NaN. */
export function sameAnswer(agg: QueryAggregate, value: number, want: number): boolean {
  if (Number.isNaN(want) || Number.isNaN(value)) return Number.isNaN(want) && Number.isNaN(value);
  return answersExactly(agg) ? value === want : Math.abs(value - want) <= 1e-9 * Math.max(1, Math.abs(want));
}

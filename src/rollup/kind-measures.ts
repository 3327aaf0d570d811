/**
 * The hour tier's measures that depend on a metric's kind (counter increases, sketches) and the unknown-metric counts.
 */

import { counterIncreases } from '../measures/counter-increase.js';
import { distinctSketchOf, quantileSketchesOf, type MeasureSketch } from '../measures/measure-sketch.js';
import type { AggregateState } from '../ingest/series-aggregate.js';
import type { JobConfig } from '../config/job-config.js';
import { metricCatalog } from '../config/metric-catalog.js';
import type { MergedPartials } from '../ingest/merge-partials.js';

/** The measures that depend on a metric's kind: counters' increases, distributions' and distinct metrics' sketches. */
export function kindMeasures(
  state: AggregateState,
  merged: MergedPartials,
  config: JobConfig,
): { increase: Float64Array; sketches: (MeasureSketch | undefined)[] } {
  // by metric id
  const catalog = merged.metrics.values.map((name) => (name === null ? undefined : metricCatalog(config).get(name)));
  const kindOfMetric = Uint8Array.from(catalog, (metric) => {
    const kind = metric?.kind;
    return kind === 'cumulative' || kind === 'distribution' || kind === 'distinct' ? kindCodes[kind] : 0;
  });
  const samples = merged.counterLog.toSamples();
  const isCumulative = groupsOfKind(state, kindOfMetric, kindCodes.cumulative);
  const isDistribution = groupsOfKind(state, kindOfMetric, kindCodes.distribution);
  const increase = counterIncreases(state.groups, samples, isCumulative);
  const sketches = quantileSketchesOf(state.groups, samples, isDistribution, state); // state: each group's min, max
  const w = state.width;
  const dimensionIndex = new Map(config.raw.dimensions.map((d, i) => [d, i]));
  // the distinct groups listed first, so that every pass of the loop below runs all of its body (see groupsOfKind)
  for (const g of indicesOf(groupsOfKind(state, kindOfMetric, kindCodes.distinct))) {
    const metric = catalog[state.keys[g * w + 1]!]!;
    const values = metric.distinctOf!.map((d) => {
      const i = dimensionIndex.get(d)!;
      return merged.dimensions[i]!.values[state.keys[g * w + 2 + i]!]!;
    });
    sketches[g] = distinctSketchOf(values);
  }
  return { increase, sketches };
}

/** The indices i with flags[i] === 1, ascending. */
function indicesOf(flags: Uint8Array): Int32Array {
  let n = 0;
  for (let i = 0; i < flags.length; i++) n += flags[i]!;
  const out = new Int32Array(n);
  for (let i = 0, k = 0; i < flags.length; i++) if (flags[i] === 1) out[k++] = i;
  return out;
}

/** Metric kinds as small codes, so per-group loops read a byte instead of a catalog entry (entries differ in shape). */
const kindCodes = { cumulative: 1, distribution: 2, distinct: 3 } as const;

/**
 * 1 for each group whose metric has the kind `code`, else 0. (Per-group loops are functions of their own, with no
 * rarely taken branch: V8 optimizes a loop while it runs, and code it has not run yet would be thrown away later.)
 */
function groupsOfKind(state: AggregateState, kindOfMetric: Uint8Array, code: number): Uint8Array {
  const w = state.width;
  const keys = state.keys;
  const out = new Uint8Array(state.groups);
  for (let g = 0; g < state.groups; g++) if (kindOfMetric[keys[g * w + 1]!] === code) out[g] = 1;
  return out;
}

/** Rows per metric name that the catalog does not define, sorted by name. */
export function unknownMetrics(
  state: AggregateState,
  names: readonly (string | null)[],
  config: JobConfig,
): ReadonlyMap<string, number> {
  const catalog = metricCatalog(config);
  const out = new Map<string, number>();
  for (let g = 0; g < state.groups; g++) {
    const name = names[state.keys[g * state.width + 1]!]!;
    if (name !== null && !catalog.has(name)) out.set(name, (out.get(name) ?? 0) + state.count[g]!);
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

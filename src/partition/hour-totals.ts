import { addTotals, totalsAreFinite, type MeasureTotals } from '../measures/measure-totals.js';
import {
  measureTotalsOf,
  manifestTotalsOf,
  rangeHolds,
  type ManifestHourTotals,
  type ManifestMetricTotals,
  type ManifestSegment,
} from './manifest.js';

/**
 * Each hour's totals of each metric over all its segments (every shard and part; the day tier's units as the hour
 * null), folded in manifest order as a query of the metric alone adds the segments' totals into the hour's bucket:
 * the same numbers to the last bit, in a few KB a query reads instead of every segment entry of the hour. A metric is
 * left out of an hour when a segment that may hold it (its `metric` statistics span it) has no totals of it (not
 * finite, or none at all) or when the fold is not finite: a query then takes that hour's segments.
 */
export function hourTotalsOf(list: readonly ManifestSegment[]): ManifestHourTotals[] {
  const out: ManifestHourTotals[] = [];
  for (let first = 0; first < list.length; ) {
    const hour = list[first]!.hour;
    let end = first;
    while (end < list.length && list[end]!.hour === hour) end++;
    const group = list.slice(first, end);
    first = end;
    const metrics = [...new Set(group.flatMap((s) => Object.keys(s.cube?.metricTotals ?? {})))].sort();
    const folded: [string, ManifestMetricTotals][] = [];
    for (const metric of metrics) {
      let sum: MeasureTotals | undefined;
      let complete = true;
      for (const s of group) {
        const totals = s.cube?.metricTotals;
        if (totals && Object.hasOwn(totals, metric)) {
          const t = measureTotalsOf(totals[metric]!);
          if (sum) addTotals(sum, t);
          else sum = t;
        } else if (rangeHolds(s.stats.metric, metric)) complete = false;
      }
      if (complete && sum && totalsAreFinite(sum)) folded.push([metric, manifestTotalsOf(sum)]);
    }
    out.push({ hour, metrics: Object.fromEntries(folded) });
  }
  return out;
}

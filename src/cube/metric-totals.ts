import { addRecordTotals, totalsAreFinite, totalsOfRecord, type MeasureTotals } from '../measures/measure-totals.js';
import type { StarTree } from './star-tree.js';
import { traverseStarTree } from './traverse.js';

/**
 * Each metric's totals over a segment's star-tree (a query of the metric alone: no filter, no group-by), added up over
 * the records the traversal answers with, in its order: what a query of the metric adds up from this segment's
 * records, to the last bit. `metricLevel` is the tree level of the metric dimension; every record of a segment falls
 * in one time bucket (an hour segment's hour, or the day tier's day). A metric whose totals are not finite (an
 * infinite sample, or a sum past the double range) is left out: JSON has no such numbers, so a query reads its
 * records. Increase is NaN for metrics that are not counters.
 */
export function metricTotalsOf(tree: StarTree, metricLevel: number): Map<string, MeasureTotals> {
  const out = new Map<string, MeasureTotals>();
  const metrics = tree.dictionaries[metricLevel - 1] ?? [];
  const { m, first } = tree.records;
  metrics.forEach((metric, id) => {
    if (metric === null) return;
    const filters = new Map([[metricLevel, { kind: 'in' as const, ids: new Set([id]) }]]);
    const { records } = traverseStarTree(tree, { timeFrom: 0, timeTo: 24, filters, groupBy: [] });
    if (records.length === 0) return;
    const totals = totalsOfRecord(m, records[0]! - first);
    for (let k = 1; k < records.length; k++) addRecordTotals(totals, m, records[k]! - first);
    if (totalsAreFinite(totals)) out.set(metric, totals);
  });
  return out;
}

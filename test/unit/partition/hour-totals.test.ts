import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hourTotalsOf } from '../../../src/partition/hour-totals.js';
import type { ManifestMetricTotals, ManifestSegment } from '../../../src/partition/manifest.js';

const sha = 'ef'.repeat(32);
const file = { key: 'k', rows: 1, bytes: 1, sha256: sha };

/** A segment of `hour` and `shard` whose `metric` statistics span [lo, hi] and whose totals are `totals`. */
function segment(
  hour: number | null,
  shard: number,
  [lo, hi]: readonly [string, string],
  totals: Record<string, ManifestMetricTotals>,
): ManifestSegment {
  return {
    hour,
    shard,
    rows: 1,
    accepted: 1,
    stats: { metric: { min: lo, max: hi, nulls: false } },
    outputs: [file],
    cube: {
      tree: { ...file, nodes: 1, records: 1, baseRecords: 1 },
      records: [file],
      cuboidFiles: [],
      recordsByGroupingId: {},
      metricTotals: totals,
    },
  };
}

const t = (count: number, sum: number, min: number, max: number, increase: number | null = null) => ({
  count,
  sum,
  min,
  max,
  lastSum: sum / 2,
  increase,
});

describe('hourTotalsOf: each hour of the segment list, its metrics folded over its segments in order', () => {
  it('adds counts and sums in manifest order, min of mins, max of maxes; a not-counter stays null', () => {
    const list = [
      segment(0, 0, ['cpu', 'mem'], { cpu: t(2, 0.1, 1, 5), mem: t(1, 7, 7, 7, 3) }),
      segment(0, 1, ['cpu', 'cpu'], { cpu: t(3, 0.2, 0.5, 4) }), // no mem: outside its statistics
      segment(0, 2, ['cpu', 'mem'], { cpu: t(1, 0.3, 2, 9), mem: t(2, 1, 0, 1, 4) }),
      segment(5, 0, ['cpu', 'cpu'], { cpu: t(1, 2, 2, 2) }),
    ];
    const [h0, h5] = hourTotalsOf(list);
    assert.deepEqual(h0, {
      hour: 0,
      metrics: {
        cpu: { count: 6, sum: 0.1 + 0.2 + 0.3, min: 0.5, max: 9, lastSum: 0.05 + 0.1 + 0.15, increase: null },
        mem: { count: 3, sum: 8, min: 0, max: 7, lastSum: 3.5 + 0.5, increase: 7 },
      },
    });
    assert.equal(h0!.metrics.cpu!.sum, 0.1 + 0.2 + 0.3, 'in order: (0.1 + 0.2) + 0.3, not 0.1 + (0.2 + 0.3)');
    assert.deepEqual(h5, { hour: 5, metrics: { cpu: t(1, 2, 2, 2) } });
    assert.equal(hourTotalsOf(list).length, 2);
  });

  it('leaves a metric out of an hour where a segment that may hold it has no totals of it, or the fold overflows', () => {
    const list = [
      segment(3, 0, ['cpu', 'mem'], { cpu: t(1, 1, 1, 1), disk: t(1, 1, 1, 1), mem: t(1, 1e308, 1e308, 1e308) }),
      segment(3, 1, ['cpu', 'mem'], { cpu: t(1, 1, 1, 1), mem: t(1, 1e308, 1e308, 1e308) }), // spans disk, lacks it
      segment(null, 0, ['cpu', 'cpu'], { cpu: t(4, 4, 1, 1) }), // the day tier's unit
    ];
    assert.deepEqual(hourTotalsOf(list), [
      { hour: 3, metrics: { cpu: t(2, 2, 1, 1) } },
      { hour: null, metrics: { cpu: t(4, 4, 1, 1) } },
    ]);
    assert.deepEqual(hourTotalsOf([]), []);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeMissing,
  hasMissing,
  mergeMetricsMissing,
  mergeMissing,
  nothingMissing,
} from '../../../src/query/missing-data.js';

describe('missing data of a partial day', () => {
  const partial = {
    ...nothingMissing,
    notBuilt: ['2026-11-24T05:00:00.000Z', '2026-11-24T06:00:00.000Z', '2026-11-24T09:00:00.000Z'],
  };
  it('names the hours not built yet, as ranges, apart from hours with nothing matching', () => {
    assert.equal(hasMissing(partial), true);
    assert.deepEqual(describeMissing(partial), [
      'no data yet: hours not built yet or without their late rows (partial day, run --hour): ' +
        '2026-11-24T05:00:00Z/2026-11-24T07:00:00Z, 2026-11-24T09:00:00Z/2026-11-24T10:00:00Z (not zero: their hour ' +
        'folders, or the later folders their late rows land in, are not rolled up yet)',
    ]);
  });
  it('merges the hours not built yet of several answers, and leaves them out when none has any', () => {
    const other = { ...nothingMissing, notBuilt: ['2026-11-24T01:00:00.000Z', '2026-11-24T05:00:00.000Z'] };
    assert.deepEqual(mergeMissing([partial, other]).notBuilt, [
      '2026-11-24T01:00:00.000Z',
      '2026-11-24T05:00:00.000Z',
      '2026-11-24T06:00:00.000Z',
      '2026-11-24T09:00:00.000Z',
    ]);
    assert.equal('notBuilt' in mergeMissing([nothingMissing, nothingMissing]), false);
    assert.equal(hasMissing(nothingMissing), false);
  });
});

describe('missing data of an answer of several metrics (facts, attribute)', () => {
  const h07 = '2027-01-01T07:00:00.000Z';
  const h08 = '2027-01-01T08:00:00.000Z';
  const received = { ...nothingMissing, hours: [h08] };
  const sent = { ...nothingMissing, hours: [h07, h08] };
  it('tells an hour some metrics lacked (partial) from one all lacked (no data)', () => {
    const m = mergeMetricsMissing([received, sent]);
    assert.deepEqual(m.hours, [h07, h08]);
    assert.deepEqual(m.partialHours, [h07]);
    assert.deepEqual(describeMissing(m), [
      'no data: hours with nothing matching (1): 2027-01-01T08:00:00Z/2027-01-01T09:00:00Z',
      "partial data: hours where some of the answer's metrics had nothing matching (1): " +
        '2027-01-01T07:00:00Z/2027-01-01T08:00:00Z',
    ]);
  });
  it('has no partial hours when every metric lacked the same hours, and a report keeps the partial ones it merges', () => {
    const same = mergeMetricsMissing([received, received]);
    assert.equal('partialHours' in same, false);
    assert.deepEqual(describeMissing(same), [
      'no data: hours with nothing matching (1): 2027-01-01T08:00:00Z/2027-01-01T09:00:00Z',
    ]);
    assert.deepEqual(mergeMissing([mergeMetricsMissing([received, sent]), same]).partialHours, [h07]);
  });
});

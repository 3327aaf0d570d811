import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeMissing, hasMissing, mergeMissing, nothingMissing } from '../../../src/query/missing-data.js';

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

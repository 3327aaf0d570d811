import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hoursRead, readsAsAsked } from '../../../src/query/hours-read.js';

const at = (iso: string): number => Date.parse(iso);
const hour = 3_600_000;

describe('hoursRead: the whole hours a query range reads', () => {
  it('reads the hours that start in [from, to)', () => {
    const read = hoursRead({ fromMs: at('2026-11-24T10:30:00Z'), toMs: at('2026-11-24T12:15:00Z') });
    assert.deepEqual(read, { fromMs: at('2026-11-24T11:00:00Z'), toMs: at('2026-11-24T13:00:00Z') });
    const exact = { fromMs: at('2026-11-24T10:00:00Z'), toMs: at('2026-11-24T12:00:00Z') };
    assert.deepEqual(hoursRead(exact), exact);
    assert.equal(readsAsAsked(exact), true);
    assert.equal(readsAsAsked({ fromMs: exact.fromMs, toMs: exact.toMs + 1 }), false);
    // no hour starts in 10:15 to 10:45: an empty range
    const none = hoursRead({ fromMs: at('2026-11-24T10:15:00Z'), toMs: at('2026-11-24T10:45:00Z') });
    assert.equal(none.fromMs, none.toMs);
  });

  it('an hour start is read exactly when it lies in the range (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000 * hour }), fc.integer({ min: 1, max: 100 * hour }), (from, span) => {
        const read = hoursRead({ fromMs: from, toMs: from + span });
        assert.equal(read.fromMs % hour, 0);
        assert.equal(read.toMs % hour, 0);
        for (let h = Math.floor(from / hour) - 1; h <= Math.ceil((from + span) / hour) + 1; h++) {
          const start = h * hour;
          assert.equal(start >= read.fromMs && start < read.toMs, start >= from && start < from + span, `${start}`);
        }
      }),
    );
  });
});

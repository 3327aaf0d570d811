import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sortKeyRange } from '../../../src/cube/sort-key-range.js';

/** The order a comparison sort gives: keys from `fromLevel` on, level by level, ties by record index. */
function expectedOrder(keys: Int32Array, width: number, start: number, end: number, fromLevel: number): number[] {
  const rows = Array.from({ length: end - start }, (_, i) => start + i);
  return rows.sort((a, b) => {
    for (let j = fromLevel; j < width; j++) {
      const d = keys[a * width + j]! - keys[b * width + j]!;
      if (d !== 0) return d;
    }
    return a - b;
  });
}

function sorted(keys: Int32Array, width: number, start: number, end: number, fromLevel: number): number[] {
  const order = sortKeyRange(keys, width, start, end, fromLevel);
  return order ? [...order] : Array.from({ length: end - start }, (_, i) => start + i);
}

describe('sortKeyRange', () => {
  it('orders level by level from fromLevel on, STAR (-1) first, ties by record index', () => {
    // width 3; records 1..4 sorted from level 1 (level 0 ignored)
    const keys = Int32Array.from([9, 9, 9, 5, 2, 1, 0, -1, 7, 5, 2, 0, 0, 2, 3]);
    assert.deepEqual(sorted(keys, 3, 1, 5, 1), [2, 3, 1, 4]);
  });

  it('says "already in order" (undefined) for a sorted range, so callers skip the copy', () => {
    const keys = Int32Array.from([0, 1, 0, 1, 0, 2, 1, 0]);
    assert.equal(sortKeyRange(keys, 2, 0, 4, 0), undefined);
    assert.equal(sortKeyRange(keys, 2, 0, 0, 0), undefined);
  });

  it('gives the comparison sort order on ranges of any size, dense or sparse ids', () => {
    const range = fc.record({
      width: fc.integer({ min: 1, max: 4 }),
      rows: fc.integer({ min: 0, max: 300 }),
      maxId: fc.constantFrom(3, 40, 100_000),
      seed: fc.integer(),
      from: fc.nat(3),
      skip: fc.nat(5),
    });
    fc.assert(
      fc.property(range, ({ width, rows, maxId, seed, from, skip }) => {
        let x = seed | 1;
        const next = (): number => {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          return (x >>> 0) % (maxId + 2);
        };
        const total = rows + skip;
        const keys = Int32Array.from({ length: total * width }, () => next() - 1);
        const fromLevel = Math.min(from, width - 1);
        assert.deepEqual(
          sorted(keys, width, skip, total, fromLevel),
          expectedOrder(keys, width, skip, total, fromLevel),
        );
      }),
      { numRuns: 300 },
    );
  });
});

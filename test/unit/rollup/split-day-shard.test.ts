import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { splitBatchesOf } from '../../../src/rollup/split-day-shard.js';

describe('splitBatchesOf', () => {
  const files = (rows: readonly number[]) => rows.map((n, i) => ({ key: `f${i}`, rows: n }));
  const rowsOf = (batches: readonly (readonly { rows: number }[])[]) => batches.map((b) => b.map((f) => f.rows));

  it('batches consecutive files up to a record count, a bigger file alone', () => {
    assert.deepEqual(rowsOf(splitBatchesOf(files([10, 20, 30, 5, 100, 1, 1]), 60)), [[10, 20, 30], [5], [100], [1, 1]]);
    assert.deepEqual(rowsOf(splitBatchesOf(files([60, 0, 1]), 60)), [[60, 0], [1]]);
    assert.deepEqual(splitBatchesOf([], 60), []);
  });

  it('keeps every file once, in order, each batch within the count unless one file exceeds it', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { maxLength: 40 }), fc.integer({ min: 1, max: 3000 }), (rows, limit) => {
        const batches = splitBatchesOf(files(rows), limit);
        assert.deepEqual(
          batches.flat().map((f) => f.key),
          rows.map((_, i) => `f${i}`),
        );
        for (const [b, batch] of batches.entries()) {
          const sum = batch.reduce((n, f) => n + f.rows, 0);
          assert.ok(batch.length > 0);
          assert.ok(sum <= limit || batch.length === 1, `${sum} > ${limit}`);
          const next = batches[b + 1]?.[0];
          if (next) assert.ok(sum + next.rows > limit, 'a file that fits joins the batch before it');
        }
      }),
    );
  });
});

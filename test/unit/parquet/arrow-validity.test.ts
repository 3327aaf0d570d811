import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Float64, Int32, makeVector, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import { isValidAt, validityOf } from '../../../src/parquet/arrow-validity.js';

const only = (v: { data: readonly Data[] }): Data => v.data[0]!;

describe('arrow validity', () => {
  const cases: { name: string; data: () => Data; valid: number[] }[] = [
    { name: 'no nulls, no bitmap', data: () => only(makeVector(Int32Array.of(1, 2, 3))), valid: [1, 1, 1] },
    { name: 'nulls', data: () => only(vectorFromArray([1, null, 3, null], new Float64())), valid: [1, 0, 1, 0] },
    { name: 'every row null', data: () => only(vectorFromArray([null, null], new Int32())), valid: [0, 0] },
    {
      name: 'sliced: the bitmap is read from the offset',
      data: () =>
        only(vectorFromArray(['a', null, 'b', null, null, 'c', 'd', 'e', null, 'f'], new Utf8()).slice(3, 10)),
      valid: [0, 0, 1, 1, 1, 0, 1],
    },
    {
      name: 'sliced past a byte boundary',
      data: () =>
        only(
          vectorFromArray(
            [...Array(12).keys()].map((i) => (i % 3 === 0 ? null : i)),
            new Int32(),
          ).slice(9, 12),
        ),
      valid: [0, 1, 1],
    },
    {
      name: 'a slice without nulls of a column with nulls',
      data: () => only(vectorFromArray([null, 1, 2], new Int32()).slice(1, 3)),
      valid: [1, 1],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const data = c.data();
      assert.deepEqual(
        Array.from({ length: data.length }, (_, i) => (isValidAt(data, i) ? 1 : 0)),
        c.valid,
      );
      const out = new Uint8Array(data.length + 2).fill(7);
      assert.equal(validityOf(data, out), out);
      assert.deepEqual([...out], [...c.valid, 7, 7]); // only the first data.length entries are written
    });
  }
});

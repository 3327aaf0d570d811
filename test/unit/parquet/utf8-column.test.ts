import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { utf8ColumnFromIds } from '../../../src/parquet/utf8-column.js';

describe('utf8ColumnFromIds', () => {
  const cases: { name: string; ids: number[]; values: (string | null)[]; rows: (string | null)[]; nulls: number }[] = [
    { name: 'no rows', ids: [], values: ['a'], rows: [], nulls: 0 },
    {
      name: 'ids pick values, repeated',
      ids: [0, 1, 0, 0],
      values: ['a', 'bb'],
      rows: ['a', 'bb', 'a', 'a'],
      nulls: 0,
    },
    {
      name: 'a null value and STAR (-1) are null rows',
      ids: [2, -1, 0, 2],
      values: ['x', 'y', null],
      rows: [null, null, 'x', null],
      nulls: 3,
    },
    {
      name: 'multi-byte characters and the empty string',
      ids: [1, 0, 2],
      values: ['é', '日本', ''],
      rows: ['日本', 'é', ''],
      nulls: 0,
    },
    {
      name: 'more than eight rows (the bitmap spans bytes)',
      ids: [0, -1, 0, -1, 0, -1, 0, -1, 0, -1],
      values: ['v'],
      rows: ['v', null, 'v', null, 'v', null, 'v', null, 'v', null],
      nulls: 5,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = utf8ColumnFromIds(Int32Array.from(c.ids), c.values);
      assert.equal(v.length, c.ids.length);
      assert.equal(v.nullCount, c.nulls);
      assert.deepEqual(v.toArray(), c.rows);
      assert.equal(String(v.type), 'Utf8');
    });
  }

  it('writes exactly the value bytes of every row, whatever the lengths next to each other (copies by 4 bytes)', () => {
    // values of 0 to 20 bytes (1 to 4 bytes per character), nulls and STAR among them: a row's spilled bytes must never
    // survive in the next row, the last row's never in the column's data
    const value = fc.oneof(
      fc.constant(null),
      fc.array(fc.constantFrom('a', 'é', '日', '😀'), { maxLength: 5 }).map((cs) => cs.join('')),
    );
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (values, picks) => {
          const ids = Int32Array.from(picks, (p) => (p % (values.length + 1)) - 1); // -1: STAR
          const v = utf8ColumnFromIds(ids, values);
          const rows = [...ids].map((id) => (id < 0 ? null : values[id]!));
          assert.deepEqual(v.toArray(), rows);
          const data = v.data[0]!;
          const expected = new TextEncoder().encode(rows.map((r) => r ?? '').join(''));
          assert.deepEqual(data.values, expected, 'the data buffer holds the rows back to back, nothing more');
        },
      ),
      { seed: 7, numRuns: 100 },
    );
  });
});

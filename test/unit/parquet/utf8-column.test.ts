import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GlobalDictionary } from '../../../src/ingest/global-dictionary.js';

describe('GlobalDictionary', () => {
  it('null is id 0; values get ids in order of first sight across files', () => {
    const d = new GlobalDictionary();
    assert.deepEqual([...d.mapping([null, 'b', 'a'])], [0, 1, 2]);
    assert.deepEqual([...d.mapping([null, 'a', 'c', 'b'])], [0, 2, 3, 1]);
    assert.deepEqual(d.values, [null, 'b', 'a', 'c']);
    assert.equal(d.idOf('c'), 3);
    assert.equal(d.idOf(null), 0);
  });

  it('names that are properties of plain objects are values like any other', () => {
    const d = new GlobalDictionary();
    assert.deepEqual(
      [...d.mapping(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'constructor'])],
      [1, 2, 3, 4, 1],
    );
    assert.deepEqual(d.values, [null, 'constructor', '__proto__', 'toString', 'hasOwnProperty']);
  });

  it('the empty string is a value, not null', () => {
    const d = new GlobalDictionary();
    assert.equal(d.idOf(''), 1);
    assert.deepEqual(d.values, [null, '']);
  });

  const rankCases: { name: string; values: (string | null)[]; ranks: number[] }[] = [
    { name: 'only null', values: [], ranks: [0] },
    { name: 'strings sorted, null last', values: ['b', 'a', 'c'], ranks: [3, 1, 0, 2] },
    { name: 'by UTF-16 code unit: upper case before lower case', values: ['a', 'B', 'A'], ranks: [3, 2, 1, 0] },
    { name: 'a prefix first', values: ['ab', 'a', ''], ranks: [3, 2, 1, 0] },
    { name: 'digits as text, not numbers', values: ['10', '9', '2'], ranks: [3, 0, 2, 1] },
  ];
  for (const c of rankCases) {
    it(`ranks: ${c.name}`, () => {
      const d = new GlobalDictionary();
      d.mapping(c.values);
      assert.deepEqual([...d.ranks()], c.ranks);
    });
  }
});

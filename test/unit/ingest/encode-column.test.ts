import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Dictionary,
  Float64,
  Int32,
  Int64,
  makeData,
  makeVector,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint64,
  Utf8,
  Vector,
  vectorFromArray,
  type Data,
} from 'apache-arrow';
import { ByteDictionary } from '../../../src/ingest/byte-dictionary.js';
import {
  ColumnTypeError,
  decodeValues,
  encodeDimension,
  timestampUnitOf,
  timestampWords,
} from '../../../src/ingest/encode-column.js';

const only = (v: { data: readonly Data[] }): Data => {
  assert.equal(v.data.length, 1);
  return v.data[0]!;
};

/** Encodes one column into a fresh dictionary; returns the ids and the dictionary's values. */
function encode(data: Data): { ids: number[]; values: (string | null)[] } {
  const dict = new ByteDictionary();
  const out = new Int32Array(data.length);
  encodeDimension('zone', data, dict, out);
  return { ids: [...out], values: dict.values() };
}

function dictionaryData(codes: Int32Array, values: readonly string[] | Vector<Utf8>, nullBitmap?: Uint8Array): Data {
  const dictionary = values instanceof Vector ? values : vectorFromArray(values, new Utf8());
  const nulls = nullBitmap
    ? codes.length - [...codes.keys()].filter((i) => (nullBitmap[i >> 3]! >> (i & 7)) & 1).length
    : 0;
  return makeData({
    type: new Dictionary(new Utf8(), new Int32()),
    length: codes.length,
    nullCount: nulls,
    nullBitmap: nullBitmap ?? null,
    data: codes,
    dictionary,
  });
}

describe('encodeDimension', () => {
  const cases: { name: string; data: () => Data; ids: number[]; values: (string | null)[] }[] = [
    {
      name: 'utf8 with nulls: ids by first sight, null is 0',
      data: () => only(vectorFromArray(['b', 'a', null, 'b'], new Utf8())),
      ids: [1, 2, 0, 1],
      values: [null, 'b', 'a'],
    },
    {
      name: 'utf8 sliced (offset into the validity bitmap)',
      data: () => only(vectorFromArray(['x', null, 'y', 'x', null], new Utf8()).slice(1, 5)),
      ids: [0, 1, 2, 0],
      values: [null, 'y', 'x'],
    },
    {
      name: 'utf8 empty string is a value',
      data: () => only(vectorFromArray(['', null], new Utf8())),
      ids: [1, 0],
      values: [null, ''],
    },
    {
      name: 'int32 values as decimal text',
      data: () => only(makeVector(Int32Array.of(7, -3, 7))),
      ids: [1, 2, 1],
      values: [null, '7', '-3'],
    },
    {
      name: 'int32 with nulls',
      data: () => only(vectorFromArray([4, null, 4], new Int32())),
      ids: [1, 0, 1],
      values: [null, '4'],
    },
    {
      name: 'int64 beyond 2^53 keeps neighbours apart',
      data: () => only(vectorFromArray([2n ** 60n, 2n ** 60n + 1n, 5n, null], new Int64())),
      ids: [1, 2, 3, 0],
      values: [null, '1152921504606846976', '1152921504606846977', '5'],
    },
    {
      name: 'dictionary-encoded: ids follow first use in the rows, unused values get none',
      data: () => dictionaryData(Int32Array.of(2, 2, 0), ['u', 'v', 'w']),
      ids: [1, 1, 2],
      values: [null, 'w', 'u'],
    },
    {
      name: 'dictionary-encoded with a null row (its code is not looked up)',
      data: () => dictionaryData(Int32Array.of(1, 99, 1), ['u', 'v'], Uint8Array.of(0b101)),
      ids: [1, 0, 1],
      values: [null, 'v'],
    },
    {
      name: 'dictionary-encoded, its values sliced and holding a null (offsets and validity of the slice)',
      data: () =>
        dictionaryData(Int32Array.of(2, 1, 0, 2), vectorFromArray(['z', 'u', null, 'w'], new Utf8()).slice(1)),
      ids: [1, 0, 2, 1],
      values: [null, 'w', 'u'],
    },
    {
      name: 'dictionary-encoded, its values in two chunks',
      data: () =>
        dictionaryData(
          Int32Array.of(3, 0, 2, 3),
          vectorFromArray(['p', null], new Utf8()).concat(vectorFromArray(['q', 'r'], new Utf8())),
        ),
      ids: [1, 2, 3, 1],
      values: [null, 'r', 'p', 'q'],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(encode(c.data()), { ids: c.ids, values: c.values }));

  it('text and integer columns of one dimension share ids', () => {
    const dict = new ByteDictionary();
    const a = new Int32Array(2);
    const b = new Int32Array(2);
    encodeDimension('zone', only(vectorFromArray(['12', 'x'], new Utf8())), dict, a);
    encodeDimension('zone', only(makeVector(Int32Array.of(12, 13))), dict, b);
    assert.deepEqual(
      [[...a], [...b]],
      [
        [1, 2],
        [1, 3],
      ],
    );
  });

  it('a dictionary code outside the dictionary is a ColumnTypeError naming the column and the code', () => {
    assert.throws(
      () => encode(dictionaryData(Int32Array.of(0, 5), ['u', 'v'])),
      (e: unknown) => {
        assert.ok(e instanceof ColumnTypeError);
        assert.equal(e.message, "schema column 'zone' expects dictionary codes below 2, got code 5");
        return true;
      },
    );
  });

  it('a column of another type is a ColumnTypeError naming the column and the types', () => {
    assert.throws(
      () => encode(only(makeVector(Float64Array.of(1.5)))),
      (e: unknown) => {
        assert.ok(e instanceof ColumnTypeError);
        assert.deepEqual([e.column, e.expected, e.actual], ['zone', 'a string or integer', 'Float64']);
        assert.equal(e.message, "schema column 'zone' expects a string or integer, got Float64");
        return true;
      },
    );
  });
});

describe('decodeValues', () => {
  const cases: { name: string; data: () => Data; values: number[]; valid: number[] }[] = [
    {
      name: 'float64 with a null',
      data: () => only(vectorFromArray([1.5, null, -2], new Float64())),
      values: [1.5, 0, -2],
      valid: [1, 0, 1],
    },
    { name: 'float32', data: () => only(makeVector(Float32Array.of(0.5, 3))), values: [0.5, 3], valid: [1, 1] },
    { name: 'int32', data: () => only(makeVector(Int32Array.of(-7, 9))), values: [-7, 9], valid: [1, 1] },
    {
      name: 'int64',
      data: () => only(vectorFromArray([3n, null, -(2n ** 40n)], new Int64())),
      values: [3, 0, -(2 ** 40)],
      valid: [1, 0, 1],
    },
    {
      name: 'float64 sliced',
      data: () => only(vectorFromArray([1, null, 2, 3], new Float64()).slice(1, 3)),
      values: [0, 2],
      valid: [0, 1],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const data = c.data();
      const out = new Float64Array(data.length);
      const valid = new Uint8Array(data.length);
      decodeValues('value', data, out, valid);
      assert.deepEqual([...valid], c.valid);
      // a null row's value is whatever the buffer holds: compare valid rows only
      assert.deepEqual(
        [...out].map((v, i) => (c.valid[i] ? v : 0)),
        c.values,
      );
    });
  }

  it('refuses a string column', () => {
    assert.throws(
      () => decodeValues('value', only(vectorFromArray(['1'], new Utf8())), new Float64Array(1), new Uint8Array(1)),
      /schema column 'value' expects double, got Utf8/,
    );
  });
});

describe('timestamps', () => {
  const units: [string, () => Data, string][] = [
    ['timestamp[s]', () => makeData({ type: new TimestampSecond(), length: 1, data: BigInt64Array.of(1n) }), 's'],
    [
      'timestamp[ms]',
      () => makeData({ type: new TimestampMillisecond(), length: 1, data: BigInt64Array.of(1n) }),
      'ms',
    ],
    [
      'timestamp[us]',
      () => makeData({ type: new TimestampMicrosecond(), length: 1, data: BigInt64Array.of(1n) }),
      'us',
    ],
    ['timestamp[ns]', () => makeData({ type: new TimestampNanosecond(), length: 1, data: BigInt64Array.of(1n) }), 'ns'],
    ['plain int64: epoch milliseconds', () => only(vectorFromArray([1n], new Int64())), 'ms'],
  ];
  for (const [name, data, unit] of units)
    it(`unit of ${name}`, () => assert.equal(timestampUnitOf('ts', data()), unit));

  const refused: [string, () => Data][] = [
    ['int32', () => only(makeVector(Int32Array.of(1)))],
    ['uint64', () => only(vectorFromArray([1n], new Uint64()))],
    ['utf8', () => only(vectorFromArray(['2026-11-24'], new Utf8()))],
  ];
  for (const [name, data] of refused)
    it(`refuses ${name}`, () =>
      assert.throws(
        () => timestampUnitOf('ts', data()),
        /schema column 'ts' expects a timestamp or int64 epoch milliseconds, got /,
      ));

  it('timestampWords: [lo, hi] 32-bit words per row', () => {
    const { words, first } = timestampWords(only(vectorFromArray([1n, -1n, 2n ** 32n + 5n], new Int64())));
    assert.equal(first, 0);
    assert.deepEqual([...words.subarray(0, 6)], [1, 0, -1, -1, 5, 1]); // the buffer may hold padding past the rows
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataType, type Table } from 'apache-arrow';
import { CubeRecords, STAR } from '../../../src/cube/cube-records.js';
import type { BaseRecords } from '../../../src/ingest/base-records.js';
import { QuantileSketch } from '../../../src/measures/quantile-sketch.js';
import { baseRecordsToArrow, cubeRecordsToArrow } from '../../../src/partition/records-to-arrow.js';

const dayStartMs = Date.UTC(2026, 10, 24);
// about 1.8e18: beyond 2^53, so only exact int64 arithmetic keeps it
const dayStartNs = BigInt(dayStartMs) * 1_000_000n;

/**
 * Column name -> Arrow type name and nullability (the data contract's schema; Parquet REQUIRED = not nullable). Key
 * columns are held as Dictionary<Int32, Utf8> (each value once) and written as Utf8 columns, byte for byte
 * (write-parquet.test.ts): the contract's type is the dictionary's value type.
 */
const schemaOf = (t: Table): [string, string, 'nullable' | 'required'][] =>
  t.schema.fields.map((f) => [
    f.name,
    String(DataType.isDictionary(f.type) ? f.type.dictionary : f.type),
    f.nullable ? 'nullable' : 'required',
  ]);
/** Raw int64 values of a column (timestamps and counts), exactly. */
const int64s = (t: Table, name: string): bigint[] => [
  ...(t.getChild(name)!.data[0]!.values as BigInt64Array).subarray(0, t.numRows),
];
/** Row values of a column, null where the validity bitmap says so. */
const values = (t: Table, name: string): unknown[] => {
  const column = t.getChild(name)!;
  return Array.from({ length: t.numRows }, (_, i) => column.get(i) as unknown);
};

const sketch = new QuantileSketch();
sketch.add(2);

describe('baseRecordsToArrow', () => {
  // groups: g0 = hour 2, cpu, zone null; g1 = hour 0, bytes, zone z1; written in `order` [1, 0]
  const base: BaseRecords = {
    state: {
      groups: 2,
      width: 3,
      keys: Int32Array.of(2, 1, 0, 0, 2, 1),
      count: Float64Array.of(3, 1),
      sum: Float64Array.of(6, 5),
      min: Float64Array.of(1, 5),
      max: Float64Array.of(3, 5),
      last: Float64Array.of(3, 5),
      lastTime: Float64Array.of(7_200_000_000_123, 3_599_999_999_999),
      first: Float64Array.of(1, 5),
      firstTime: Float64Array.of(7_200_000_000_000, 3_599_999_999_999),
    },
    metrics: [null, 'cpu', 'bytes'],
    dimensionNames: ['zone'],
    dimensionValues: [[null, 'z1']],
    order: Int32Array.of(1, 0),
    increase: Float64Array.of(Number.NaN, 4),
    sketches: [undefined, sketch],
  };
  const t = baseRecordsToArrow(base, dayStartMs);

  it('has the contract schema: only dimensions, increase and sketch nullable', () => {
    assert.deepEqual(schemaOf(t), [
      ['hour', 'Timestamp<MILLISECOND, UTC>', 'required'],
      ['metric', 'Utf8', 'required'],
      ['zone', 'Utf8', 'nullable'],
      ['count', 'Int64', 'required'],
      ['sum', 'Float64', 'required'],
      ['min', 'Float64', 'required'],
      ['max', 'Float64', 'required'],
      ['last', 'Float64', 'required'],
      ['last_time', 'Timestamp<NANOSECOND, UTC>', 'required'],
      ['first', 'Float64', 'required'],
      ['first_time', 'Timestamp<NANOSECOND, UTC>', 'required'],
      ['increase', 'Float64', 'nullable'],
      ['sketch', 'Binary', 'nullable'],
    ]);
  });

  it('writes the rows in `order`, times exact to the nanosecond, NaN increase as null', () => {
    assert.equal(t.numRows, 2);
    assert.deepEqual(int64s(t, 'hour'), [BigInt(dayStartMs), BigInt(dayStartMs + 2 * 3_600_000)]);
    assert.deepEqual(values(t, 'metric'), ['bytes', 'cpu']);
    assert.deepEqual(values(t, 'zone'), ['z1', null]);
    assert.deepEqual(int64s(t, 'count'), [1n, 3n]);
    assert.deepEqual([...values(t, 'sum')], [5, 6]);
    assert.deepEqual([...values(t, 'min')], [5, 1]);
    assert.deepEqual([...values(t, 'max')], [5, 3]);
    assert.deepEqual([...values(t, 'last')], [5, 3]);
    assert.deepEqual(int64s(t, 'last_time'), [dayStartNs + 3_599_999_999_999n, dayStartNs + 7_200_000_000_123n]);
    assert.deepEqual(int64s(t, 'first_time'), [dayStartNs + 3_599_999_999_999n, dayStartNs + 7_200_000_000_000n]);
    assert.deepEqual([...values(t, 'increase')], [4, null]);
    const sketches = values(t, 'sketch') as (Uint8Array | null)[];
    assert.deepEqual(sketches[0], sketch.toBytes());
    assert.equal(sketches[1], null);
  });

  it('no records: an empty table with the same schema', () => {
    const empty = baseRecordsToArrow({ ...base, order: new Int32Array(0) }, dayStartMs);
    assert.equal(empty.numRows, 0);
    assert.deepEqual(schemaOf(empty), schemaOf(t));
  });
});

describe('cubeRecordsToArrow', () => {
  // levels (hour, metric, zone); the second record aggregates zone away, the third both
  const r = new CubeRecords(3);
  const rows: [number, number, number, number, number, number][] = [
    // hour metric zone  count sum increase
    [1, 0, 1, 2, 10, Number.NaN],
    [1, 0, STAR, 4, 30, 7],
    [3, STAR, STAR, 9, 90, 8],
  ];
  for (const [hour, metric, zone, count, sum, increase] of rows) {
    const i = r.appendBlank();
    r.keys.set([hour, metric, zone], i * 3);
    r.m.count[i] = count;
    r.m.sum[i] = sum;
    r.m.min[i] = -i;
    r.m.max[i] = 100 + i;
    r.m.last[i] = 50 + i;
    r.m.lastTime[i] = 3_600_000_000_000 + i;
    r.m.lastSum[i] = 60 + i;
    r.m.first[i] = 40 + i;
    r.m.firstTime[i] = i;
    r.m.increase[i] = increase;
  }
  const t = cubeRecordsToArrow(r, ['metric', 'zone'], [['cpu'], ['z0', 'z1']], dayStartMs);

  it('has the contract schema: dimensions, grouping_id, measures with last_sum', () => {
    assert.deepEqual(schemaOf(t), [
      ['hour', 'Timestamp<MILLISECOND, UTC>', 'required'],
      ['metric', 'Utf8', 'nullable'],
      ['zone', 'Utf8', 'nullable'],
      ['grouping_id', 'Int32', 'required'],
      ['count', 'Int64', 'required'],
      ['sum', 'Float64', 'required'],
      ['min', 'Float64', 'required'],
      ['max', 'Float64', 'required'],
      ['last', 'Float64', 'required'],
      ['last_time', 'Timestamp<NANOSECOND, UTC>', 'required'],
      ['last_sum', 'Float64', 'required'],
      ['first', 'Float64', 'required'],
      ['first_time', 'Timestamp<NANOSECOND, UTC>', 'required'],
      ['increase', 'Float64', 'nullable'],
      ['sketch', 'Binary', 'nullable'],
    ]);
  });

  it('STAR is null and sets its grouping_id bit; measures as stored', () => {
    assert.deepEqual(int64s(t, 'hour'), [
      BigInt(dayStartMs + 3_600_000),
      BigInt(dayStartMs + 3_600_000),
      BigInt(dayStartMs + 3 * 3_600_000),
    ]);
    assert.deepEqual(values(t, 'metric'), ['cpu', 'cpu', null]);
    assert.deepEqual(values(t, 'zone'), ['z1', null, null]);
    assert.deepEqual([...values(t, 'grouping_id')], [0, 0b10, 0b11]);
    assert.deepEqual(int64s(t, 'count'), [2n, 4n, 9n]);
    assert.deepEqual([...values(t, 'sum')], [10, 30, 90]);
    assert.deepEqual([...values(t, 'min')], [-0, -1, -2]);
    assert.deepEqual([...values(t, 'max')], [100, 101, 102]);
    assert.deepEqual([...values(t, 'last')], [50, 51, 52]);
    assert.deepEqual(int64s(t, 'last_time'), [
      dayStartNs + 3_600_000_000_000n,
      dayStartNs + 3_600_000_000_001n,
      dayStartNs + 3_600_000_000_002n,
    ]);
    assert.deepEqual([...values(t, 'last_sum')], [60, 61, 62]);
    assert.deepEqual([...values(t, 'first')], [40, 41, 42]);
    assert.deepEqual(int64s(t, 'first_time'), [dayStartNs, dayStartNs + 1n, dayStartNs + 2n]);
    assert.deepEqual([...values(t, 'increase')], [null, 7, 8]);
    assert.deepEqual(values(t, 'sketch'), [null, null, null]);
  });
  it("double columns view the records' own columns (no copy of a table's largest columns)", () => {
    for (const [column, m] of [
      ['sum', 'sum'],
      ['min', 'min'],
      ['max', 'max'],
      ['last', 'last'],
      ['last_sum', 'lastSum'],
      ['first', 'first'],
      ['increase', 'increase'],
    ] as const) {
      const data = t.getChild(column)!.data[0]!.values as Float64Array;
      assert.equal(data.buffer, r.m[m].buffer, column);
      assert.equal(data.length, 3, column);
    }
  });

  it('refuses a count or time that is not an integer below 2^53, naming the value', () => {
    const bad = new CubeRecords(2);
    bad.keys.set([0, 0], bad.appendBlank() * 2);
    bad.m.count[0] = 2.5;
    assert.throws(
      () => cubeRecordsToArrow(bad, ['metric'], [['cpu']], dayStartMs),
      /cube record value 2\.5 is not an integer/,
    );
    bad.m.count[0] = 1;
    bad.m.firstTime[0] = 2 ** 53;
    assert.throws(() => cubeRecordsToArrow(bad, ['metric'], [['cpu']], dayStartMs), /value 9007199254740992 is not/);
  });

  it('a sketch object shared by several records is written in each of them; times at the day end exact', () => {
    const shared = new CubeRecords(2);
    const q = new QuantileSketch();
    q.add(3);
    for (let i = 0; i < 3; i++) {
      const j = shared.appendBlank();
      shared.keys.set([23, i === 1 ? STAR : 0], j * 2);
      shared.m.count[j] = 2 ** 40 + i;
      shared.m.lastTime[j] = 86_399_999_999_999 - i;
      shared.sketches[j] = i === 2 ? undefined : q;
    }
    const st = cubeRecordsToArrow(shared, ['metric'], [['cpu']], dayStartMs);
    const bytes = values(st, 'sketch') as (Uint8Array | null)[];
    assert.deepEqual(bytes, [q.toBytes(), q.toBytes(), null]);
    assert.deepEqual(int64s(st, 'count'), [2n ** 40n, 2n ** 40n + 1n, 2n ** 40n + 2n]);
    assert.deepEqual(
      int64s(st, 'hour'),
      [0, 1, 2].map(() => BigInt(dayStartMs + 23 * 3_600_000)),
    );
    assert.deepEqual(
      int64s(st, 'last_time'),
      [0n, 1n, 2n].map((i) => dayStartNs + 86_399_999_999_999n - i),
    );
  });

  it("tables given one SketchBytes encode each sketch object once: the cube's records reuse the base records' bytes", () => {
    const q = new QuantileSketch();
    q.add(4);
    const base: BaseRecords = {
      state: {
        groups: 1,
        width: 3,
        keys: Int32Array.of(0, 0, 0),
        count: Float64Array.of(1),
        sum: Float64Array.of(4),
        min: Float64Array.of(4),
        max: Float64Array.of(4),
        last: Float64Array.of(4),
        lastTime: Float64Array.of(0),
        first: Float64Array.of(4),
        firstTime: Float64Array.of(0),
      },
      metrics: ['lat'],
      dimensionNames: ['zone'],
      dimensionValues: [['z0']],
      order: Int32Array.of(0),
      increase: Float64Array.of(Number.NaN),
      sketches: [q],
    };
    const encoded = new Map();
    const bt = baseRecordsToArrow(base, dayStartMs, encoded);
    assert.deepEqual(values(bt, 'sketch'), [q.toBytes()]);
    assert.deepEqual([...encoded.keys()], [q], 'the base table encoded the sketch');
    // what the cube writes for q is what the base table encoded (a stand-in here, to see it is not encoded again)
    encoded.set(q, Uint8Array.of(1, 2, 3));
    const cube = new CubeRecords(2);
    for (let i = 0; i < 2; i++) cube.sketches[cube.appendBlank()] = q;
    const ct = cubeRecordsToArrow(cube, ['metric'], [['lat']], dayStartMs, encoded);
    assert.deepEqual(values(ct, 'sketch'), [Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3)]);
    assert.equal(encoded.size, 1);
  });
});

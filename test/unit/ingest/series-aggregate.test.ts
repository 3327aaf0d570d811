import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { SeriesAggregate, type AggregateState } from '../../../src/ingest/series-aggregate.js';
import { Prng } from '../../../src/sample/prng.js';

interface Sample {
  readonly key: readonly [number, number, number];
  readonly value: number;
  readonly time: number;
}

const sample = fc.record({
  key: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 40 })),
  value: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
  time: fc.integer({ min: 0, max: 50 }),
});

function aggregate(samples: readonly Sample[]): SeriesAggregate {
  const agg = new SeriesAggregate(3, 4);
  const n = samples.length;
  const columns = [0, 1, 2].map((j) => Int32Array.from(samples, (s) => s.key[j]!));
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  agg.addRows(
    columns,
    n,
    rows,
    n,
    Float64Array.from(samples, (s) => s.value),
    Float64Array.from(samples, (s) => s.time),
    new Int32Array(n),
  );
  return agg;
}

function byKey(
  state: AggregateState,
): Map<string, { count: number; sum: number; min: number; max: number; last: number; lastTime: number }> {
  const out = new Map<
    string,
    { count: number; sum: number; min: number; max: number; last: number; lastTime: number }
  >();
  for (let g = 0; g < state.groups; g++) {
    out.set(String([...state.keys.subarray(g * 3, g * 3 + 3)]), {
      count: state.count[g]!,
      sum: state.sum[g]!,
      min: state.min[g]!,
      max: state.max[g]!,
      last: state.last[g]!,
      lastTime: state.lastTime[g]!,
    });
  }
  return out;
}

it('aggregates like a naive scan: count, min, max, last exactly, sum within 1e-9', () => {
  fc.assert(
    fc.property(fc.array(sample, { maxLength: 400 }), (samples) => {
      const got = byKey(aggregate(samples).toState());
      const want = new Map<string, Sample[]>();
      for (const s of samples) want.set(String(s.key), [...(want.get(String(s.key)) ?? []), s]);
      assert.equal(got.size, want.size);
      for (const [k, list] of want) {
        const g = got.get(k)!;
        const latest = Math.max(...list.map((s) => s.time));
        const lastValue = Math.max(...list.filter((s) => s.time === latest).map((s) => s.value));
        const sum = list.reduce((a, s) => a + s.value, 0);
        assert.deepEqual(
          { ...g, sum: 0 },
          {
            count: list.length,
            sum: 0,
            min: Math.min(...list.map((s) => s.value)),
            max: Math.max(...list.map((s) => s.value)),
            last: lastValue,
            lastTime: latest,
          },
        );
        assert.ok(
          Math.abs(g.sum - sum) <=
            1e-9 *
              Math.max(
                1,
                list.reduce((a, s) => a + Math.abs(s.value), 0),
              ),
        );
      }
    }),
    { numRuns: 200 },
  );
});

it('signed zeros: min -0, max +0, last +0 and first -0 at one time, whichever sample comes first', () => {
  const zero = { key: [1, 1, 0] as const, value: 0, time: 0 };
  const negativeZero = { ...zero, value: -0 };
  for (const samples of [
    [zero, negativeZero],
    [negativeZero, zero],
  ]) {
    const g = byKey(aggregate(samples).toState()).get('1,1,0')!;
    assert.deepEqual(g, { count: 2, sum: 0, min: -0, max: 0, last: 0, lastTime: 0 });
  }
});

it('merging partial aggregates of any split equals aggregating everything at once', () => {
  fc.assert(
    fc.property(
      fc.array(sample, { maxLength: 300 }),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 300, maxLength: 300 }),
      (samples, parts) => {
        const pieces = [0, 1, 2, 3].map((p) => aggregate(samples.filter((_, i) => parts[i] === p)).toState());
        const merged = new SeriesAggregate(3);
        for (const piece of pieces) {
          const columns = [0, 1, 2].map((j) =>
            Int32Array.from({ length: piece.groups }, (_, g) => piece.keys[g * 3 + j]!),
          );
          merged.mergeState(columns, piece, new Int32Array(piece.groups));
        }
        const whole = byKey(aggregate(samples).toState());
        const absSum = new Map<string, number>();
        for (const s of samples) absSum.set(String(s.key), (absSum.get(String(s.key)) ?? 0) + Math.abs(s.value));
        const got = byKey(merged.toState());
        assert.equal(got.size, whole.size);
        for (const [k, w] of whole) {
          const g = got.get(k)!;
          assert.deepEqual({ ...g, sum: 0 }, { ...w, sum: 0 });
          assert.ok(Math.abs(g.sum - w.sum) <= 1e-9 * Math.max(1, absSum.get(k)!), `${g.sum} vs ${w.sum}`);
        }
      },
    ),
    { numRuns: 150 },
  );
});

for (const width of [2, 3]) {
  it(`column-wise addRows groups like a key-by-key map, across hash collisions and skipped rows (${width}-word keys)`, () => {
    // 300,000 distinct keys: about ten pairs of them share a 32-bit hash, so rows meet colliding groups too
    const n = 600_000;
    const prng = new Prng(7);
    const columns = Array.from({ length: width }, () => new Int32Array(n));
    const values = new Float64Array(n);
    const times = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = i % 300_000;
      columns[0]![i] = Math.imul(k, 2654435761) | 0;
      columns[1]![i] = Math.floor(prng.uniform() * 4);
      if (width === 3) columns[2]![i] = k % 3;
      values[i] = prng.uniform() * 100;
      times[i] = i;
    }
    const rows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 97 !== 5); // rejected rows are skipped
    const groups = new Int32Array(n);
    const agg = new SeriesAggregate(width, 16);
    agg.addRows(columns, n, rows, rows.length, values, times, groups);
    // the map, keyed by number: a row's key is (k, its second word), the first word k's hash and the third k % 3
    const keyOfRow = (i: number): number => (i % 300_000) * 4 + columns[1]![i]!;
    const kOfWord = new Map<number, number>();
    for (let k = 0; k < 300_000; k++) kOfWord.set(Math.imul(k, 2654435761) | 0, k);
    const want = {
      count: new Float64Array(1_200_000),
      sum: new Float64Array(1_200_000),
      last: new Float64Array(1_200_000),
    };
    let distinct = 0;
    for (const i of rows) {
      const key = keyOfRow(i);
      if (want.count[key] === 0) distinct++;
      want.count[key] = want.count[key]! + 1;
      want.sum[key] = want.sum[key]! + values[i]!;
      want.last[key] = values[i]!;
    }
    const state = agg.toState();
    assert.ok(agg.hashCollisions > 0, 'no row met a hash collision: the test lost its point');
    assert.equal(state.groups, distinct);
    const keyOfGroup = Array.from({ length: state.groups }, (_, g) => {
      const k = kOfWord.get(state.keys[g * width]!) ?? -1;
      const third = width === 3 ? state.keys[g * width + 2] : k % 3;
      return k >= 0 && third === k % 3 ? k * 4 + state.keys[g * width + 1]! : -1;
    });
    const misplaced = rows.findIndex((i, r) => keyOfGroup[groups[r]!] !== keyOfRow(i));
    assert.equal(misplaced, -1, `row ${rows[misplaced]} put in group ${groups[misplaced]}`);
    for (let g = 0; g < state.groups; g++) {
      const key = keyOfGroup[g]!;
      assert.equal(state.count[g], want.count[key]);
      assert.equal(state.sum[g], want.sum[key]); // rows are added in row order, as the map did
      assert.equal(state.last[g], want.last[key]);
    }
  });
}

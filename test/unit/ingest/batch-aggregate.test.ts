import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BatchAggregate } from '../../../src/ingest/batch-aggregate.js';
import { hashSeed, mixHash } from '../../../src/ingest/series-aggregate.js';
import { Prng } from '../../../src/sample/prng.js';

for (const width of [1, 2, 3]) {
  it(`groups rows like a key-by-key map, across hash collisions, skipped rows and reuse (${width}-word keys)`, () => {
    // distinct keys, and for 2- and 3-word keys, 50 more built to share the hash of one of them (a 1-word key's hash
    // is a bijection): rows meet groups of their hash but another key
    const prng = new Prng(11);
    const keyList: number[][] = Array.from({ length: 20_000 }, (_, k) =>
      [Math.imul(k, 2654435761) | 0, Math.floor(prng.uniform() * 4), k % 3].slice(0, width),
    );
    if (width > 1) {
      const prefixHash = (key: readonly number[]): number => key.slice(0, -1).reduce(mixHash, hashSeed);
      for (let k = 0; k < 50; k++) {
        const key = keyList[k]!;
        const partner = [key[0]! ^ 0x5bd1e995, ...key.slice(1)];
        partner[width - 1] = prefixHash(key) ^ key[width - 1]! ^ prefixHash(partner); // the same hash, another key
        keyList.push(partner);
      }
    }
    const n = 3 * keyList.length;
    const columns = Array.from({ length: width }, () => new Int32Array(n));
    const values = new Float64Array(n);
    const times = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const key = keyList[(i * 7919) % keyList.length]!; // 7919 is prime: every key three times, mixed
      for (let j = 0; j < width; j++) columns[j]![i] = key[j]!;
      values[i] = Math.round(prng.uniform() * 100) - 50;
      times[i] = Math.floor(prng.uniform() * 1000); // out of order, with ties
    }
    const keyOf = (i: number): string => columns.map((c) => c[i]).join(',');
    const rows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 97 !== 5); // rejected rows are skipped
    const agg = new BatchAggregate(width, 16);
    // a first, different batch, then clear: the table is reused
    agg.addRows(columns, Int32Array.of(3, 1), 2, values, times, new Int32Array(2));
    agg.clear();
    const groups = new Int32Array(n);
    agg.addRows(columns, rows, rows.length, values, times, groups);
    type Want = { count: number; sum: number; min: number; max: number; last: number; lastTime: number };
    const want = new Map<string, Want & { first: number; firstTime: number }>();
    for (const i of rows) {
      const v = values[i]!;
      const t = times[i]!;
      const w = want.get(keyOf(i));
      if (!w) {
        want.set(keyOf(i), { count: 1, sum: v, min: v, max: v, last: v, lastTime: t, first: v, firstTime: t });
        continue;
      }
      w.count++;
      w.sum += v;
      w.min = Math.min(w.min, v);
      w.max = Math.max(w.max, v);
      if (t > w.lastTime || (t === w.lastTime && v > w.last)) [w.last, w.lastTime] = [v, t];
      if (t < w.firstTime || (t === w.firstTime && v < w.first)) [w.first, w.firstTime] = [v, t];
    }
    const state = agg.view();
    if (width > 1) assert.ok(agg.hashCollisions > 0, 'no row met a hash collision: the test lost its point');
    assert.equal(state.groups, want.size);
    assert.equal(state.width, width);
    const stateKey = (g: number): string => [...state.keys.subarray(g * width, g * width + width)].join(',');
    rows.forEach((i, k) => assert.equal(stateKey(groups[k]!), keyOf(i)));
    const firstSeen = [...new Set(Array.from(rows, keyOf))];
    for (let g = 0; g < state.groups; g++) {
      assert.equal(stateKey(g), firstSeen[g], 'groups are numbered in order of first appearance');
      const w = want.get(stateKey(g))!;
      const got = {
        count: state.count[g],
        sum: state.sum[g],
        min: state.min[g],
        max: state.max[g],
        last: state.last[g],
        lastTime: state.lastTime[g],
        first: state.first[g],
        firstTime: state.firstTime[g],
      };
      assert.deepEqual(got, w);
    }
  });
}

it('takes the group that followed last time only when its key matches, and never one of an earlier batch', () => {
  const agg = new BatchAggregate(2, 16);
  const add = (keys: readonly (readonly [number, number])[]): Int32Array => {
    const columns = [Int32Array.from(keys, (k) => k[0]), Int32Array.from(keys, (k) => k[1])];
    const values = Float64Array.from(keys, (_, i) => i + 1);
    const groups = new Int32Array(keys.length);
    agg.addRows(
      columns,
      Int32Array.from(keys, (_, i) => i),
      keys.length,
      values,
      values,
      groups,
    );
    return groups;
  };
  // a repeating order (guesses hit), then one row out of order (the guess is wrong and the row's own group is found)
  const a = [1, 0] as const;
  const b = [2, 0] as const;
  const c = [2, 1] as const;
  assert.deepEqual([...add([a, b, c, a, b, c, a, c, b, a])], [0, 1, 2, 0, 1, 2, 0, 2, 1, 0]);
  let state = agg.view();
  assert.deepEqual([...state.count.subarray(0, 3)], [4, 3, 3]);
  assert.deepEqual([...state.sum.subarray(0, 3)], [1 + 4 + 7 + 10, 2 + 5 + 9, 3 + 6 + 8]);
  // the next batch starts empty: group 1 of the last batch (key b, after a) is not a group of this one
  agg.clear();
  assert.deepEqual([...add([a, b])], [0, 1]);
  state = agg.view();
  assert.equal(state.groups, 2);
  assert.deepEqual([...state.keys], [1, 0, 2, 0]);
  assert.deepEqual([...state.count], [1, 1]);
});

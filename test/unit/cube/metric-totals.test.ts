import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { metricTotalsOf } from '../../../src/cube/metric-totals.js';
import { builtStarTree, dictionaryArb } from '../../helpers/built-star-tree.js';

describe('metricTotalsOf', () => {
  it("each metric's totals over the tree are those of its base records (integer values: exact in any order)", () => {
    fc.assert(
      fc.property(
        fc.tuple(dictionaryArb, dictionaryArb, dictionaryArb),
        fc.integer({ min: 0, max: 23 }),
        fc.uniqueArray(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.integer({ min: -1e6, max: 1e6 })), {
          minLength: 1,
          maxLength: 300,
          selector: ([a, b, c]) => `${a % 8},${b % 8},${c % 8}`,
        }),
        fc.integer({ min: 1, max: 12 }),
        (dictionaries, hour, draws, maxLeafRecords) => {
          // base records of one hour (a segment), one per key
          const seen = new Set<string>();
          const rows: [number[], number][] = [];
          for (const [a, b, c, v] of draws) {
            const key = [hour, a % dictionaries[0].length, b % dictionaries[1].length, c % dictionaries[2].length];
            if (seen.has(key.join())) continue;
            seen.add(key.join());
            rows.push([key, v]);
          }
          const tree = builtStarTree(rows, dictionaries, maxLeafRecords, [true, true, false, false]);
          const totals = metricTotalsOf(tree, 1);
          const want = new Map<string, { count: number; sum: number; min: number; max: number }>();
          for (const [key, v] of rows) {
            const metric = dictionaries[0][key[1]!]!;
            if (metric === null) continue;
            const w = want.get(metric) ?? { count: 0, sum: 0, min: Infinity, max: -Infinity };
            want.set(metric, { count: w.count + 1, sum: w.sum + v, min: Math.min(w.min, v), max: Math.max(w.max, v) });
          }
          assert.deepEqual([...totals.keys()].sort(), [...want.keys()].sort());
          for (const [metric, w] of want) {
            const t = totals.get(metric)!;
            const got = [t.count, t.sum, t.min, t.max, t.lastSum, t.increase];
            assert.deepEqual(got, [w.count, w.sum, w.min, w.max, w.sum, 0], metric); // base increase 0 here
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('leaves out a metric whose totals are not finite, and a tree without the metric level', () => {
    const tree = builtStarTree(
      [
        [[5, 0, 0, 0], Number.POSITIVE_INFINITY],
        [[5, 1, 0, 0], 2],
        [[5, 1, 1, 0], 3],
      ],
      [['inf', 'ok'], ['a', 'b'], ['x']],
      1,
    );
    const totals = metricTotalsOf(tree, 1);
    assert.deepEqual([...totals.keys()], ['ok']);
    assert.deepEqual(totals.get('ok'), { count: 2, sum: 5, min: 2, max: 3, lastSum: 5, increase: 0 });
    assert.equal(metricTotalsOf(tree, 0).size, 0);
  });
});

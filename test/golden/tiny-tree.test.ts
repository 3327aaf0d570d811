import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildStarTree } from '../../src/cube/build-star-tree.js';
import { CubeRecords } from '../../src/cube/cube-records.js';

// Base records (time, a, b) -> sum: (0,0,0) 1, (0,0,1) 2, (0,1,0) 4, with T = 1. By hand: the time node splits on a
// into
// a0 (2 records) and a1 (1: a leaf, aggregate (0,1,*)); a0 splits on b into two leaves and a b-star child (0,0,*);
// the time node's a-star child holds (0,*,0) 5 and (0,*,1) 2, splits on b, and its b-star child holds (0,*,*) 7,
// which is the aggregate of the a-star child and so of the time node.
it('builds the hand-derived tree for a tiny input (nodes, records, aggregates)', async () => {
  const expected = JSON.parse(
    await readFile(fileURLToPath(new URL('../../../test/golden/tiny-tree.expected.json', import.meta.url)), 'utf8'),
  ) as {
    records: { key: number[]; count: number; sum: number }[];
    nodes: Record<string, number>[];
  };
  const base = new CubeRecords(3, 4);
  for (const [key, sum] of [
    [[0, 1, 0], 4],
    [[0, 0, 1], 2],
    [[0, 0, 0], 1],
  ] as const) {
    const i = base.appendBlank();
    base.keys.set(key, i * 3);
    Object.assign(base.m.count, { [i]: 1 });
    for (const m of ['sum', 'min', 'max', 'last', 'lastSum', 'first', 'increase'] as const) base.m[m][i] = sum;
  }
  const tree = buildStarTree(
    base,
    { dimensions: ['a', 'b'], skipStar: [true, false, false], starAlso: [[], [], []], maxLeafRecords: 1 },
    [
      ['a0', 'a1'],
      ['b0', 'b1'],
    ],
  );
  const records = Array.from({ length: tree.records.length }, (_, r) => ({
    key: [...tree.records.keys.subarray(r * 3, r * 3 + 3)],
    count: tree.records.m.count[r],
    sum: tree.records.m.sum[r],
  }));
  assert.deepEqual(records, expected.records);
  const cols = tree.nodes.columns();
  const nodes = Array.from({ length: tree.nodes.length }, (_, n) =>
    Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v[n]])),
  );
  assert.deepEqual(nodes, expected.nodes);
});

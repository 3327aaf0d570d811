import assert from 'node:assert/strict';
import { it } from 'node:test';
import { buildStarTree } from '../../../src/cube/build-star-tree.js';
import { CubeRecords } from '../../../src/cube/cube-records.js';
import { resolveLayout, type CubeSpec } from '../../../src/cube/cube-spec.js';
import { computeCuboids } from '../../../src/cube/cuboids.js';
import { oneSampleRecords } from '../../helpers/sample-records.js';
import { startWithSample } from '../../../src/measures/measure-state.js';

/** Levels (time, metric, a); four base records, one sample each. */
function base(): CubeRecords {
  const rows: [number, number, number, number][] = [
    [0, 0, 0, 1],
    [0, 0, 1, 2],
    [0, 1, 0, 10],
    [1, 0, 0, 4],
  ];
  return oneSampleRecords(
    3,
    rows.map(([t, m, a, v]) => [[t, m, a], v, t] as const),
  );
}

const spec: CubeSpec = {
  dimensionsSplitOrder: ['metric', 'a'],
  skipStarNodeCreationFor: ['metric'],
  maxLeafRecords: 1,
  hierarchy: {},
  cuboids: [
    { name: 'by_metric', dimensions: ['metric'] },
    { name: 'by_metric_a', dimensions: ['metric', 'a'] },
  ],
};

/** Records as `keys: count sum`. */
function dump(r: CubeRecords): string[] {
  return Array.from(
    { length: r.length },
    (_, i) => `${[...r.keys.subarray(i * 3, i * 3 + 3)].join(',')}: ${r.m.count[i]} ${r.m.sum[i]}`,
  );
}

it('computes each declared cuboid by traversal, ordered by grouping_id, with the records it read', () => {
  const tree = buildStarTree(base(), resolveLayout(spec), [
    ['m0', 'm1'],
    ['a0', 'a1'],
  ]);
  const cuboids = computeCuboids(tree, spec, 24);
  assert.deepEqual(
    cuboids.map((c) => ({
      name: c.name,
      dimensions: c.dimensions,
      groupingId: c.groupingId,
      recordsRead: c.recordsRead,
      records: dump(c.records),
    })),
    [
      // every split level kept: the base records; the leaf of hour 1 and of (hour 0, m1) are scanned, (hour 0, m0)
      // splits on a
      {
        name: 'by_metric_a',
        dimensions: ['metric', 'a'],
        groupingId: 0,
        recordsRead: 4,
        records: ['0,0,0: 1 1', '0,0,1: 1 2', '0,1,0: 1 10', '1,0,0: 1 4'],
      },
      // a aggregated away (bit 1): (hour 0, m0) answers from its star child's aggregate, (hour 0, m1) from its own
      {
        name: 'by_metric',
        dimensions: ['metric'],
        groupingId: 2,
        recordsRead: 3,
        records: ['0,0,-1: 2 3', '0,1,-1: 1 10', '1,0,-1: 1 4'],
      },
    ],
  );
});

it('only the hours asked for', () => {
  const tree = buildStarTree(base(), resolveLayout(spec), [
    ['m0', 'm1'],
    ['a0', 'a1'],
  ]);
  const cuboids = computeCuboids(tree, spec, 1);
  assert.deepEqual(
    cuboids.map((c) => dump(c.records)),
    [
      ['0,0,0: 1 1', '0,0,1: 1 2', '0,1,0: 1 10'],
      ['0,0,-1: 2 3', '0,1,-1: 1 10'],
    ],
  );
});

it('a child in a hierarchy is walked under its parent (the parent is expanded, then starred)', () => {
  // levels (time, p, c) with c under p; the cuboid keeps c only
  const r = new CubeRecords(3);
  for (const [t, p, c, v] of [
    [0, 0, 0, 1],
    [0, 0, 1, 2],
    [0, 1, 0, 4],
  ] as const) {
    const i = r.appendBlank();
    r.keys.set([t, p, c], i * 3);
    startWithSample(r.m, i, v, 0);
    r.m.lastSum[i] = v;
  }
  const hspec: CubeSpec = {
    dimensionsSplitOrder: ['p', 'c'],
    skipStarNodeCreationFor: [],
    maxLeafRecords: 1,
    hierarchy: { c: 'p' },
    cuboids: [{ name: 'by_c', dimensions: ['c'] }],
  };
  const [cuboid] = computeCuboids(
    buildStarTree(r, resolveLayout(hspec), [
      ['p0', 'p1'],
      ['c0', 'c1'],
    ]),
    hspec,
    24,
  );
  // (p0, c0) and (p1, c0) share id 0 for c and merge: ids are per dimension, the hierarchy only says how to walk
  assert.deepEqual(
    { name: cuboid!.name, groupingId: cuboid!.groupingId, records: dump(cuboid!.records) },
    { name: 'by_c', groupingId: 1, records: ['0,-1,0: 2 5', '0,-1,1: 1 2'] },
  );
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildStarTree } from '../../../src/cube/build-star-tree.js';
import { CubeRecords } from '../../../src/cube/cube-records.js';
import type { StarTree, StarTreeLayout } from '../../../src/cube/star-tree.js';
import { traverseStarTree } from '../../../src/cube/traverse.js';
import { addSample, startWithSample } from '../../../src/measures/measure-state.js';
import { QuantileSketch } from '../../../src/measures/quantile-sketch.js';

/** Base records by hand: keys and the samples (value at time) of each. */
function baseOf(
  width: number,
  rows: readonly { keys: readonly number[]; samples: readonly (readonly [number, number])[] }[],
): CubeRecords {
  const r = new CubeRecords(width, 4);
  for (const row of rows) {
    const i = r.appendBlank();
    row.keys.forEach((k, j) => (r.keys[i * width + j] = k));
    row.samples.forEach(([v, t], s) => (s === 0 ? startWithSample(r.m, i, v, t) : addSample(r.m, i, v, t)));
    r.m.lastSum[i] = r.m.last[i]!;
    r.m.increase[i] = Number.NaN;
  }
  return r;
}

function dump(r: CubeRecords): string[] {
  return Array.from({ length: r.length }, (_, i) => {
    const m = r.m;
    return `${[...r.keys.subarray(i * r.width, (i + 1) * r.width)].join(',')} | ${m.count[i]} ${m.sum[i]} ${m.min[i]} ${m.max[i]} ${m.last[i]}@${m.lastTime[i]} ${m.first[i]}@${m.firstTime[i]} ${m.lastSum[i]}`;
  });
}

/** Node i as `level value [start,end) agg childLevel firstChild+childCount star`. */
function nodesOf(t: StarTree): string[] {
  const n = t.nodes;
  return Array.from(
    { length: n.length },
    (_, i) =>
      `${n.level[i]} ${n.value[i]} [${n.start[i]},${n.end[i]}) agg ${n.aggregate[i]} split ${n.childLevel[i]} children ${n.firstChild[i]}+${n.childCount[i]} star ${n.star[i]}`,
  );
}

/** Levels (time, a); four base records, two of them with the same key. */
const base = (): CubeRecords =>
  baseOf(2, [
    { keys: [0, 1], samples: [[2, 5]] },
    { keys: [0, 0], samples: [[1, 3]] },
    { keys: [1, 0], samples: [[4, 7]] },
    { keys: [0, 1], samples: [[3, 6]] },
  ]);

const layout = (maxLeafRecords: number, skipA = false): StarTreeLayout => ({
  dimensions: ['a'],
  skipStar: [true, skipA],
  starAlso: [[], []],
  maxLeafRecords,
});

describe('buildStarTree', () => {
  it('copies share sketches until a merge writes to one: base sketches stay as given, merged ones are new', () => {
    const records = base();
    const given = [1, 2, 4, 8].map((v) => {
      const q = new QuantileSketch();
      q.add(v);
      return q;
    });
    given.forEach((q, i) => (records.sketches[i] = q));
    const tree = buildStarTree(records, layout(1), [['x', 'y']]);
    const at = (i: number): QuantileSketch => tree.records.sketches[i] as QuantileSketch;
    // base records: (0,0) holds record 1's sketch itself, (0,1) a merge of records 0 and 3, (1,0) record 2's
    assert.deepEqual([at(0) === given[1], at(1) === given[0], at(2) === given[2]], [true, false, true]);
    assert.deepEqual(
      given.map((q) => q.count),
      [1, 1, 1, 1],
    );
    assert.deepEqual(
      Array.from({ length: tree.records.length }, (_, i) => at(i).count),
      dump(tree.records).map((line) => Number(line.split(' | ')[1]!.split(' ')[0])),
    );
  });

  it('T = 1: splits to single records, a star child under an hour with two values of a', () => {
    const tree = buildStarTree(base(), layout(1), [['x', 'y']]);
    assert.equal(tree.baseRecords, 3);
    assert.deepEqual(dump(tree.records), [
      '0,0 | 1 1 1 1 1@3 1@3 1', // base records, sorted and merged
      '0,1 | 2 5 2 3 3@6 2@5 5',
      '1,0 | 1 4 4 4 4@7 4@7 4',
      '0,0 | 1 1 1 1 1@3 1@3 1', // aggregate of node 3 (t=0, a=0)
      '0,1 | 2 5 2 3 3@6 2@5 5', // aggregate of node 4 (t=0, a=1)
      '0,-1 | 3 6 1 3 3@6 1@3 6', // star record of hour 0: a aggregated away
      '0,-1 | 3 6 1 3 3@6 1@3 6', // aggregate of the star node 5 (and so of hour 0)
      '1,-1 | 1 4 4 4 4@7 4@7 4', // aggregate of hour 1 (one record: a leaf)
    ]);
    assert.deepEqual(nodesOf(tree), [
      '-1 -1 [0,3) agg -1 split 0 children 1+2 star -1', // root: time never gets a star
      '0 0 [0,2) agg 6 split 1 children 3+2 star 5',
      '0 1 [2,3) agg 7 split -1 children -1+0 star -1',
      '1 0 [0,1) agg 3 split -1 children -1+0 star -1',
      '1 1 [1,2) agg 4 split -1 children -1+0 star -1',
      '1 -1 [5,6) agg 6 split -1 children -1+0 star -1',
    ]);
    assert.deepEqual(tree.dictionaries, [['x', 'y']]);
    assert.deepEqual(tree.layout, layout(1));
  });

  it('T = 1 with stars skipped on a: no star child, the hour aggregates its own range', () => {
    const tree = buildStarTree(base(), layout(1, true), [['x', 'y']]);
    assert.deepEqual(dump(tree.records).slice(3), [
      '0,0 | 1 1 1 1 1@3 1@3 1',
      '0,1 | 2 5 2 3 3@6 2@5 5',
      '0,-1 | 3 6 1 3 3@6 1@3 6',
      '1,-1 | 1 4 4 4 4@7 4@7 4',
    ]);
    assert.deepEqual(nodesOf(tree), [
      '-1 -1 [0,3) agg -1 split 0 children 1+2 star -1',
      '0 0 [0,2) agg 5 split 1 children 3+2 star -1',
      '0 1 [2,3) agg 6 split -1 children -1+0 star -1',
      '1 0 [0,1) agg 3 split -1 children -1+0 star -1',
      '1 1 [1,2) agg 4 split -1 children -1+0 star -1',
    ]);
  });

  it('T = Infinity: the root still splits by hour; each hour is a leaf with its aggregate', () => {
    const tree = buildStarTree(base(), layout(Infinity), [['x', 'y']]);
    assert.deepEqual(dump(tree.records).slice(3), ['0,-1 | 3 6 1 3 3@6 1@3 6', '1,-1 | 1 4 4 4 4@7 4@7 4']);
    assert.deepEqual(nodesOf(tree), [
      '-1 -1 [0,3) agg -1 split 0 children 1+2 star -1',
      '0 0 [0,2) agg 3 split -1 children -1+0 star -1',
      '0 1 [2,3) agg 4 split -1 children -1+0 star -1',
    ]);
  });

  it('hierarchy: a star on the parent level also stars its child level', () => {
    // levels (time, p, c), c under p; T = 1
    const records = baseOf(3, [
      { keys: [0, 0, 0], samples: [[1, 1]] },
      { keys: [0, 1, 1], samples: [[2, 1]] },
    ]);
    const tree = buildStarTree(
      records,
      { dimensions: ['p', 'c'], skipStar: [true, false, false], starAlso: [[], [2], []], maxLeafRecords: 1 },
      [
        ['p0', 'p1'],
        ['c0', 'c1'],
      ],
    );
    const starNode = tree.nodes.star[1]!;
    assert.ok(starNode > 0);
    const star = tree.nodes.start[starNode]!;
    assert.deepEqual(dump(tree.records)[star], '0,-1,-1 | 2 3 1 2 2@1 1@1 3');
    assert.equal(tree.nodes.end[starNode], star + 1);
    assert.equal(tree.nodes.childLevel[starNode], -1); // nothing left to split: c is starred with p
  });

  it('an empty base: only the root, nothing to read', () => {
    const tree = buildStarTree(new CubeRecords(2), layout(1), [[]]);
    assert.equal(tree.baseRecords, 0);
    assert.equal(tree.records.length, 0);
    assert.deepEqual(nodesOf(tree), ['-1 -1 [0,0) agg -1 split -1 children -1+0 star -1']);
    assert.deepEqual(traverseStarTree(tree, { timeFrom: 0, timeTo: 24, filters: new Map(), groupBy: [1] }).records, []);
  });

  it('reads what the hand-built tree says: aggregates where they answer, records at leaves', () => {
    const tree = buildStarTree(base(), layout(1), [['x', 'y']]);
    const day = traverseStarTree(tree, { timeFrom: 0, timeTo: 24, filters: new Map(), groupBy: [] });
    assert.deepEqual([day.records, day.recordsRead], [[7, 6], 2]);
    const byA = traverseStarTree(tree, { timeFrom: 0, timeTo: 24, filters: new Map(), groupBy: [1] });
    assert.deepEqual([byA.records, byA.recordsRead], [[2, 4, 3], 3]);
  });
});

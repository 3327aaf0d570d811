import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CubeRecords, STAR } from '../../../src/cube/cube-records.js';
import { StarTreeNodes, type StarTree } from '../../../src/cube/star-tree.js';
import { planStarTreeReads, traverseStarTree, type LevelFilter, type TreeQuery } from '../../../src/cube/traverse.js';

/** A node written by hand: its key, its record range, its aggregate record and its children. */
interface N {
  level: number;
  value: number;
  start: number;
  end: number;
  aggregate?: number;
  childLevel?: number;
  children?: number[];
  star?: number;
}

/** A tree from hand-written records (keys only: traversal reads no measures) and nodes (node i = nodes[i]). */
function treeOf(keys: readonly (readonly number[])[], nodeList: readonly N[]): StarTree {
  const width = keys[0]?.length ?? 2;
  const records = new CubeRecords(width);
  for (const k of keys) {
    const i = records.appendBlank();
    k.forEach((v, j) => (records.keys[i * width + j] = v));
  }
  const nodes = new StarTreeNodes();
  for (const n of nodeList) {
    const i = nodes.add(n.level, n.value, n.start, n.end);
    nodes.aggregate[i] = n.aggregate ?? -1;
    nodes.childLevel[i] = n.childLevel ?? -1;
    nodes.firstChild[i] = n.children?.[0] ?? -1;
    nodes.childCount[i] = n.children?.length ?? 0;
    nodes.star[i] = n.star ?? -1;
  }
  const dimensions = Array.from({ length: width - 1 }, (_, i) => `d${i + 1}`);
  return {
    layout: { dimensions, skipStar: keys[0]?.map(() => false) ?? [], starAlso: [], maxLeafRecords: 1 },
    records,
    nodes,
    baseRecords: 4,
    dictionaries: [],
  };
}

/**
 * Tree 1, levels (time, a): records 0-3 are the base records (t, a) = (0,0) (0,1) (1,0) (1,1), 4 and 5 the star
 * records (0,*) and (1,*). Root -> per hour n1, n2 (no star on time); each hour -> a=0, a=1 and a star child. Every
 * node below the root is one record, its own aggregate; an hour's aggregate is its star child's.
 */
const tree1 = treeOf(
  [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
    [0, STAR],
    [1, STAR],
  ],
  [
    { level: -1, value: STAR, start: 0, end: 4, childLevel: 0, children: [1, 2] }, // 0 root
    { level: 0, value: 0, start: 0, end: 2, aggregate: 4, childLevel: 1, children: [3, 4], star: 5 }, // 1 t=0
    { level: 0, value: 1, start: 2, end: 4, aggregate: 5, childLevel: 1, children: [6, 7], star: 8 }, // 2 t=1
    { level: 1, value: 0, start: 0, end: 1, aggregate: 0 }, // 3
    { level: 1, value: 1, start: 1, end: 2, aggregate: 1 }, // 4
    { level: 1, value: STAR, start: 4, end: 5, aggregate: 4 }, // 5
    { level: 1, value: 0, start: 2, end: 3, aggregate: 2 }, // 6
    { level: 1, value: 1, start: 3, end: 4, aggregate: 3 }, // 7
    { level: 1, value: STAR, start: 5, end: 6, aggregate: 5 }, // 8
  ],
);

/**
 * Tree 2, levels (time, a, b), one hour: the hour node n1 splits on a with NO star child (a skips stars); its
 * children n2 (a=0) and n3 (a=1) are leaves holding two records each, with aggregates 4 (0,0,*) and 5 (0,1,*).
 */
const tree2 = treeOf(
  [
    [0, 0, 0],
    [0, 0, 1],
    [0, 1, 0],
    [0, 1, 1],
    [0, 0, STAR],
    [0, 1, STAR],
    [0, STAR, STAR],
  ],
  [
    { level: -1, value: STAR, start: 0, end: 4, childLevel: 0, children: [1] },
    { level: 0, value: 0, start: 0, end: 4, aggregate: 6, childLevel: 1, children: [2, 3] },
    { level: 1, value: 0, start: 0, end: 2, aggregate: 4 },
    { level: 1, value: 1, start: 2, end: 4, aggregate: 5 },
  ],
);

const filter = (kind: 'in' | 'not-in', ...ids: number[]): LevelFilter => ({ kind, ids: new Set(ids) });

describe('traverseStarTree', () => {
  const cases: {
    name: string;
    tree: StarTree;
    q: TreeQuery;
    records: number[];
    read: number;
    visited: number;
    leaves: number;
  }[] = [
    {
      name: 'whole day, no grouping: each hour node answers with its aggregate',
      tree: tree1,
      q: { timeFrom: 0, timeTo: 2, filters: new Map(), groupBy: [] },
      records: [5, 4],
      read: 2,
      visited: 3,
      leaves: 2,
    },
    {
      name: 'time range: hours outside it are not walked',
      tree: tree1,
      q: { timeFrom: 1, timeTo: 2, filters: new Map(), groupBy: [] },
      records: [5],
      read: 1,
      visited: 2,
      leaves: 1,
    },
    {
      name: 'group by a: every non-star child of the hour',
      tree: tree1,
      q: { timeFrom: 0, timeTo: 1, filters: new Map(), groupBy: [1] },
      records: [1, 0],
      read: 2,
      visited: 4,
      leaves: 2,
    },
    {
      name: 'filter a in {1}: only the matching child',
      tree: tree1,
      q: { timeFrom: 0, timeTo: 2, filters: new Map([[1, filter('in', 1)]]), groupBy: [] },
      records: [3, 1],
      read: 2,
      visited: 5,
      leaves: 2,
    },
    {
      name: 'filter a not in {1}',
      tree: tree1,
      q: { timeFrom: 0, timeTo: 2, filters: new Map([[1, filter('not-in', 1)]]), groupBy: [] },
      records: [2, 0],
      read: 2,
      visited: 5,
      leaves: 2,
    },
    {
      name: 'filter on an id no record has: nothing',
      tree: tree1,
      q: { timeFrom: 0, timeTo: 2, filters: new Map([[1, filter('in', 7)]]), groupBy: [] },
      records: [],
      read: 0,
      visited: 3,
      leaves: 0,
    },
    {
      name: 'empty time range: nothing',
      tree: tree1,
      q: { timeFrom: 2, timeTo: 2, filters: new Map(), groupBy: [] },
      records: [],
      read: 0,
      visited: 1,
      leaves: 0,
    },
    {
      name: 'group by a on tree 2: the level-a aggregates',
      tree: tree2,
      q: { timeFrom: 0, timeTo: 24, filters: new Map(), groupBy: [1] },
      records: [5, 4],
      read: 2,
      visited: 4,
      leaves: 2,
    },
    {
      name: 'group by b under a level with no star child: every child, leaves scanned record by record',
      tree: tree2,
      q: { timeFrom: 0, timeTo: 24, filters: new Map(), groupBy: [2] },
      records: [2, 3, 0, 1],
      read: 4,
      visited: 4,
      leaves: 2,
    },
    {
      name: 'filter on b: a scanned leaf keeps only the matching records but counts all it read',
      tree: tree2,
      q: { timeFrom: 0, timeTo: 24, filters: new Map([[2, filter('in', 1)]]), groupBy: [] },
      records: [3, 1],
      read: 4,
      visited: 4,
      leaves: 2,
    },
    {
      name: 'expand a (a hierarchy parent) for a filter on b: walks a value by value',
      tree: tree2,
      q: { timeFrom: 0, timeTo: 24, filters: new Map([[2, filter('not-in', 1)]]), groupBy: [], expand: [1] },
      records: [2, 0],
      read: 4,
      visited: 4,
      leaves: 2,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const t = traverseStarTree(c.tree, c.q);
      assert.deepEqual(
        { records: t.records, read: t.recordsRead, visited: t.nodesVisited, leaves: t.leavesReached },
        { records: c.records, read: c.read, visited: c.visited, leaves: c.leaves },
      );
    });
  }

  for (const c of cases) {
    it(`planStarTreeReads: ${c.name}: the planned ranges hold every record the traversal reads`, async () => {
      const { ranges, checkedLevels } = await planStarTreeReads(c.tree, c.q);
      const planned = new Set(ranges.flatMap(([a, b]) => Array.from({ length: b - a }, (_, k) => a + k)));
      assert.equal(planned.size, c.read, 'exactly as many records as the traversal reads');
      for (const [a, b] of ranges) assert.ok(a < b);
      for (let k = 1; k < ranges.length; k++) assert.ok(ranges[k - 1]![1] < ranges[k]![0], 'sorted and merged');
      // records outside the plan are never looked at: scrambling their keys changes nothing
      const { records } = c.tree;
      const scrambled = new CubeRecords(records.width, records.length);
      for (let r = 0; r < records.length; r++) {
        const i = scrambled.appendBlank();
        for (let j = 0; j < records.width; j++)
          scrambled.keys[i * records.width + j] = planned.has(r) ? records.keys[r * records.width + j]! : 7 - j;
      }
      assert.deepEqual(traverseStarTree({ ...c.tree, records: scrambled }, c.q), traverseStarTree(c.tree, c.q));
      // nor are the planned records' keys but time's, the grouped ones' and those of the levels a leaf is checked on
      const kept = new Set([0, ...c.q.groupBy, ...checkedLevels]);
      const unchecked = new CubeRecords(records.width, records.length);
      for (let r = 0; r < records.length; r++) {
        const i = unchecked.appendBlank();
        for (let j = 0; j < records.width; j++)
          unchecked.keys[i * records.width + j] = kept.has(j) ? records.keys[r * records.width + j]! : 7 - j;
      }
      const same = traverseStarTree({ ...c.tree, records: unchecked }, c.q);
      assert.deepEqual(same, traverseStarTree(c.tree, c.q), 'keys of levels neither grouped nor checked are unread');
    });
  }

  it('planStarTreeReads says whether a leaf is scanned: the cases above hold both kinds, filtered ones included', async () => {
    const kinds = await Promise.all(cases.map(async (c) => [(await planStarTreeReads(c.tree, c.q)).scansLeaves, c]));
    assert.ok(kinds.some(([scans, c]) => !scans && (c as (typeof cases)[number]).q.filters.size > 0));
    assert.ok(kinds.some(([scans]) => scans));
  });

  it('planStarTreeReads checks a scanned leaf only on the filtered levels its path did not match', async () => {
    const levels = async (filters: [number, LevelFilter][], groupBy: number[] = [], expand?: number[]) => {
      const q = { timeFrom: 0, timeTo: 24, filters: new Map(filters), groupBy, ...(expand ? { expand } : {}) };
      const { scansLeaves, checkedLevels } = await planStarTreeReads(tree2, q);
      return { scansLeaves, checkedLevels };
    };
    // tree 2's leaves are the a nodes: a filter on a is matched on the way down, a filter on b only record by record
    assert.deepEqual(await levels([[1, filter('in', 1)]], [2]), { scansLeaves: true, checkedLevels: [] });
    assert.deepEqual(await levels([[2, filter('in', 0)]], [], [1]), { scansLeaves: true, checkedLevels: [2] });
    assert.deepEqual(
      await levels([
        [1, filter('in', 0)],
        [2, filter('not-in', 1)],
      ]),
      {
        scansLeaves: true,
        checkedLevels: [2],
      },
    );
    assert.deepEqual(await levels([[1, filter('in', 0)]]), { scansLeaves: false, checkedLevels: [] });
  });

  it('a root that is a leaf is scanned, with the time range applied', () => {
    const tree = treeOf(
      [
        [0, 0],
        [1, 0],
        [2, 3],
      ],
      [{ level: -1, value: STAR, start: 0, end: 3 }],
    );
    const t = traverseStarTree(tree, { timeFrom: 1, timeTo: 3, filters: new Map(), groupBy: [1] });
    assert.deepEqual([t.records, t.recordsRead, t.nodesVisited, t.leavesReached], [[1, 2], 3, 1, 1]);
  });

  it('a tree without nodes answers nothing', () => {
    const tree = treeOf([], []);
    assert.deepEqual(traverseStarTree(tree, { timeFrom: 0, timeTo: 24, filters: new Map(), groupBy: [] }), {
      records: [],
      recordsRead: 0,
      nodesVisited: 0,
      leavesReached: 0,
    });
  });
});

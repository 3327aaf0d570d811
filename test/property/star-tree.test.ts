import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildStarTree } from '../../src/cube/build-star-tree.js';
import { CubeRecords, STAR } from '../../src/cube/cube-records.js';
import { groupRecords } from '../../src/cube/group-records.js';
import type { StarTree, StarTreeLayout } from '../../src/cube/star-tree.js';
import { traverseStarTree, type LevelFilter, type TreeQuery } from '../../src/cube/traverse.js';

const D = 4; // split dimensions in these tests; level 0 is time
interface Row {
  readonly key: readonly number[];
  readonly value: number;
  readonly time: number;
}

const rowArb = (cards: readonly number[]): fc.Arbitrary<Row> =>
  fc.record({
    key: fc.tuple(fc.integer({ min: 0, max: 3 }), ...cards.map((c) => fc.integer({ min: 0, max: c - 1 }))),
    value: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }),
    time: fc.integer({ min: 0, max: 100 }),
  });

/** Base records: one per row (like one series-hour each; equal keys merge in the builder). */
function recordsOf(rows: readonly Row[]): CubeRecords {
  const r = new CubeRecords(1 + D, rows.length);
  for (const row of rows) {
    const i = r.appendCopyFromState(
      {
        count: Float64Array.of(1),
        sum: Float64Array.of(row.value),
        min: Float64Array.of(row.value),
        max: Float64Array.of(row.value),
        last: Float64Array.of(row.value),
        lastTime: Float64Array.of(row.time),
        first: Float64Array.of(row.value),
        firstTime: Float64Array.of(row.time),
      },
      0,
      row.value,
    );
    row.key.forEach((k, j) => (r.keys[i * (1 + D) + j] = k));
  }
  return r;
}

const layoutArb = fc.record({
  maxLeafRecords: fc.constantFrom(1, 2, 10, 1000, Infinity),
  skip: fc.array(fc.boolean(), { minLength: D, maxLength: D }),
  hierarchical: fc.boolean(), // level 4 under level 3 (like partition under topic)
});

function layoutOf(l: { maxLeafRecords: number; skip: boolean[]; hierarchical: boolean }): StarTreeLayout {
  return {
    dimensions: ['a', 'b', 'c', 'd'],
    skipStar: [true, ...l.skip],
    starAlso: [[], [], [], l.hierarchical ? [4] : [], []],
    maxLeafRecords: l.maxLeafRecords,
  };
}

const queryArb = fc.record({
  timeFrom: fc.integer({ min: 0, max: 3 }),
  span: fc.integer({ min: 1, max: 4 }),
  groupBy: fc.subarray([1, 2, 3, 4]),
  filters: fc.array(
    fc.tuple(
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom<'in' | 'not-in'>('in', 'not-in'),
      fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
    ),
    { maxLength: 2 },
  ),
});

interface RawQuery {
  timeFrom: number;
  span: number;
  groupBy: number[];
  filters: [number, 'in' | 'not-in', number[]][];
}

function treeQuery(q: RawQuery, hierarchical: boolean): TreeQuery {
  const filters = new Map<number, LevelFilter>(
    q.filters.map(([level, kind, ids]) => [level, { kind, ids: new Set(ids) }]),
  );
  const refersTo4 = q.groupBy.includes(4) || filters.has(4);
  const expand = hierarchical && refersTo4 && !q.groupBy.includes(3) && !filters.has(3) ? [3] : [];
  return { timeFrom: q.timeFrom, timeTo: q.timeFrom + q.span, filters, groupBy: q.groupBy, expand };
}

/** The oracle: group the raw rows that pass the query, naively. */
interface Expected {
  count: number;
  sum: number;
  abs: number;
  min: number;
  max: number;
  lastTime: number;
  last: number;
  lastSum: number;
  firstTime: number;
  first: number;
}

function naive(rows: readonly Row[], q: TreeQuery): Map<string, Expected> {
  const out = new Map<string, Expected>();
  for (const row of rows) {
    const k = row.key;
    if (k[0]! < q.timeFrom || k[0]! >= q.timeTo) continue;
    if ([...q.filters].some(([l, f]) => (f.kind === 'in') !== f.ids.has(k[l]!))) continue;
    const g = [k[0], ...[1, 2, 3, 4].map((l) => (q.groupBy.includes(l) ? k[l] : STAR))].join(',');
    const a = out.get(g);
    if (!a)
      out.set(g, {
        count: 1,
        sum: row.value,
        abs: Math.abs(row.value),
        min: row.value,
        max: row.value,
        lastTime: row.time,
        last: row.value,
        lastSum: row.value,
        firstTime: row.time,
        first: row.value,
      });
    else {
      a.count++;
      a.sum += row.value;
      a.abs += Math.abs(row.value);
      a.lastSum += row.value;
      a.min = Math.min(a.min, row.value);
      a.max = Math.max(a.max, row.value);
      if (row.time > a.lastTime || (row.time === a.lastTime && row.value > a.last))
        [a.lastTime, a.last] = [row.time, row.value];
      if (row.time < a.firstTime || (row.time === a.firstTime && row.value < a.first))
        [a.firstTime, a.first] = [row.time, row.value];
    }
  }
  return out;
}

function checkInvariants(tree: StarTree, acceptedCount: number): void {
  const { nodes, records } = tree;
  const w = records.width;
  let baseCount = 0;
  for (let r = 0; r < tree.baseRecords; r++) baseCount += records.m.count[r]!;
  assert.equal(baseCount, acceptedCount, 'count over base records = rows accepted');
  for (let n = 0; n < nodes.length; n++) {
    const first = nodes.firstChild[n]!;
    if (first >= 0) {
      let at = nodes.start[n]!;
      for (let c = first; c < first + nodes.childCount[n]!; c++) {
        assert.equal(nodes.start[c], at, 'children partition the parent range');
        at = nodes.end[c]!;
      }
      assert.equal(at, nodes.end[n], 'children cover the parent range');
    }
    const star = nodes.star[n]!;
    if (star >= 0) assert.equal(nodes.aggregate[star], nodes.aggregate[n], "a star child's aggregate is its parent's");
    for (let r = nodes.start[n]!; r < nodes.end[n]!; r++) {
      for (let j = 0; j <= nodes.level[n]!; j++)
        assert.equal(
          records.keys[r * w + j],
          records.keys[nodes.start[n]! * w + j],
          'levels up to the node are constant',
        );
    }
  }
}

describe('star-tree', () => {
  it('answers every random query like a naive scan, within records-read <= leaves x T, and keeps its invariants', () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom([1, 1, 1, 1], [2, 3, 2, 6], [5, 1, 30, 4], [6, 6, 6, 6])
          .chain((cards) => fc.array(rowArb(cards), { maxLength: 250 })),
        layoutArb,
        fc.array(queryArb, { minLength: 1, maxLength: 8 }),
        (rows, l, queries) => {
          const layout = layoutOf(l);
          const tree = buildStarTree(recordsOf(rows), layout, []);
          checkInvariants(tree, rows.length);
          for (const raw of queries) {
            const q = treeQuery(raw, l.hierarchical);
            const t = traverseStarTree(tree, q);
            assert.ok(
              t.recordsRead === 0 || t.recordsRead <= t.leavesReached * layout.maxLeafRecords,
              `read ${t.recordsRead} > ${t.leavesReached} x T`,
            );
            const got = groupRecords(tree.records, t.records, q.groupBy);
            const want = naive(rows, q);
            assert.equal(got.length, want.size);
            for (let i = 0; i < got.length; i++) {
              const key = [...got.keys.subarray(i * 5, i * 5 + 5)].join(',');
              const e = want.get(key);
              assert.ok(e, `unexpected group ${key}`);
              const m = got.m;
              assert.deepEqual(
                [m.count[i], m.min[i], m.max[i], m.last[i], m.lastTime[i], m.first[i], m.firstTime[i]],
                [e.count, e.min, e.max, e.last, e.lastTime, e.first, e.firstTime],
                key,
              );
              assert.ok(Math.abs(m.increase[i]! - e.sum) <= 1e-9 * Math.max(1, e.abs), 'increases add across series');
              assert.ok(Math.abs(m.sum[i]! - e.sum) <= 1e-9 * Math.max(1, e.abs), `sum ${m.sum[i]} vs ${e.sum}`);
              assert.ok(
                Math.abs(m.lastSum[i]! - e.lastSum) <= 1e-9 * Math.max(1, e.abs),
                `lastSum ${m.lastSum[i]} vs ${e.lastSum}`,
              );
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { buildStarTree } from '../../../src/cube/build-star-tree.js';
import { CubeRecords } from '../../../src/cube/cube-records.js';
import { readStarTreeIndex } from '../../../src/cube/read-star-tree-index.js';
import { treeFromIndex } from '../../../src/cube/star-tree-index.js';
import { parseSidecar, starTreeFormat, toSidecar, type StarTreeSidecar } from '../../../src/cube/star-tree-sidecar.js';
import type { StarTree } from '../../../src/cube/star-tree.js';
import { traverseStarTree } from '../../../src/cube/traverse.js';
import { startWithSample } from '../../../src/measures/measure-state.js';

const dayStartMs = Date.UTC(2026, 10, 24);

/** A small tree: levels (time, a); T as given. */
function smallTree(maxLeafRecords: number): StarTree {
  const r = new CubeRecords(2);
  for (const [t, a, v] of [
    [0, 0, 1],
    [0, 1, 2],
    [1, 0, 4],
    [1, 1, 8],
    [2, 1, 16],
  ] as const) {
    const i = r.appendBlank();
    r.keys.set([t, a], i * 2);
    startWithSample(r.m, i, v, 0);
    r.m.lastSum[i] = v;
  }
  return buildStarTree(r, { dimensions: ['a'], skipStar: [true, false], starAlso: [[], []], maxLeafRecords }, [
    ['a0', null],
  ]);
}

/** The sidecar as it is stored and read back: JSON text. */
const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
/** The sidecar's file bytes, as committed partitions before format 2 hold them. */
const fileOf = (s: StarTreeSidecar | Record<string, unknown>): Uint8Array =>
  new TextEncoder().encode(JSON.stringify(s));

describe('star-tree sidecar', () => {
  it('writes the layout, the dictionaries and the record counts', () => {
    const tree = smallTree(1);
    const s = toSidecar(tree, dayStartMs);
    assert.deepEqual(
      { ...s, nodes: undefined },
      {
        format: 'telemetry-rollup/star-tree',
        formatVersion: 1,
        timeGrain: 'hour',
        dayStartMs,
        splitOrder: ['a'],
        skipStar: [true, false],
        starAlso: [[], []],
        maxLeafRecords: 1,
        dictionaries: [['a0', null]],
        records: { count: tree.records.length, baseRecords: 5 },
        nodes: undefined,
      },
    );
    assert.deepEqual(Object.keys(s.nodes).sort(), [
      'aggregate',
      'childCount',
      'childLevel',
      'end',
      'firstChild',
      'level',
      'star',
      'start',
      'value',
    ]);
    assert.deepEqual(s.nodes.level, [...tree.nodes.level.subarray(0, tree.nodes.length)]);
  });

  for (const maxLeafRecords of [1, 3, Infinity]) {
    it(`round trip through the JSON file and readStarTreeIndex gives the same tree (T = ${maxLeafRecords})`, () => {
      const tree = smallTree(maxLeafRecords);
      const back = treeFromIndex(readStarTreeIndex(fileOf(toSidecar(tree, dayStartMs)), 'x.json'), tree.records);
      assert.deepEqual(back.layout, tree.layout);
      assert.equal(back.baseRecords, tree.baseRecords);
      assert.deepEqual(back.dictionaries, tree.dictionaries);
      assert.deepEqual(back.nodes.columns(), tree.nodes.columns());
      assert.equal(back.nodes.length, tree.nodes.length);
      for (const groupBy of [[], [1]]) {
        const q = { timeFrom: 0, timeTo: 24, filters: new Map(), groupBy };
        assert.deepEqual(traverseStarTree(back, q), traverseStarTree(tree, q));
      }
    });
  }

  it('a format 1 file as committed before format 2 (test/golden/star-tree-format1.json) still reads as its tree', async () => {
    const bytes = await readFile(
      fileURLToPath(new URL('../../../../test/golden/star-tree-format1.json', import.meta.url)),
    );
    const index = readStarTreeIndex(bytes, 'star-tree-00000-0123456789ab.json');
    assert.equal(index.formatVersion, 1);
    assert.equal(index.dayStartMs, dayStartMs);
    const tree = smallTree(1);
    const back = treeFromIndex(index, tree.records);
    assert.deepEqual(back.layout, tree.layout);
    assert.deepEqual(back.dictionaries, [['a0', null]]);
    assert.deepEqual(back.nodes.columns(), tree.nodes.columns());
    assert.deepEqual(index.nodes.aggregate, Int32Array.of(-1, 8, 12, 13, 5, 6, 8, 9, 10, 12));
    const q = { timeFrom: 0, timeTo: 24, filters: new Map(), groupBy: [1] };
    assert.deepEqual(traverseStarTree(back, q), traverseStarTree(tree, q));
  });

  it('an unbounded T is written as null', () => {
    assert.equal(toSidecar(smallTree(Infinity), dayStartMs).maxLeafRecords, null);
  });

  describe('refuses what it cannot read, naming the source', () => {
    const good = (): Record<string, unknown> =>
      roundTrip(toSidecar(smallTree(1), dayStartMs)) as Record<string, unknown>;
    const cases: [string, unknown, RegExp][] = [
      ['null', null, /star-tree sidecar day\/tree\.json is not a telemetry-rollup\/star-tree file/],
      ['a number', 7, /is not a telemetry-rollup\/star-tree file/],
      [
        'another format',
        { ...good(), format: 'something/else' },
        /day\/tree\.json is not a telemetry-rollup\/star-tree file/,
      ],
      [
        'a newer format version',
        { ...good(), formatVersion: 2 },
        /day\/tree\.json has formatVersion 2, this reader knows 1/,
      ],
      [
        'no format version',
        { ...good(), formatVersion: undefined },
        /has formatVersion undefined, this reader knows 1/,
      ],
    ];
    for (const [name, json, message] of cases)
      it(name, () => assert.throws(() => parseSidecar(json, 'day/tree.json'), message));
    it('a sidecar whose record count does not match the records file', () => {
      const tree = smallTree(1);
      const index = readStarTreeIndex(fileOf(good()), 'x');
      const fewer = new CubeRecords(2);
      fewer.appendCopy(tree.records, 0);
      assert.throws(
        () => treeFromIndex(index, fewer),
        new RegExp(`star-tree records hold 1 rows, the index expects ${tree.records.length}`),
      );
    });
    it('through readStarTreeIndex: JSON that does not parse, another format, missing node columns', () => {
      const text = new TextDecoder().decode(fileOf(good()));
      assert.throws(
        () => readStarTreeIndex(new TextEncoder().encode(text.slice(0, 40)), 'day/tree.json'),
        /^Error: star-tree index day\/tree\.json is not valid JSON \(/,
      );
      assert.throws(
        () => readStarTreeIndex(fileOf({ ...good(), format: 'x' }), 'day/tree.json'),
        /star-tree sidecar day\/tree\.json is not a telemetry-rollup\/star-tree file/,
      );
      const nodes = { ...(good().nodes as Record<string, unknown>), star: undefined };
      assert.throws(
        () => readStarTreeIndex(fileOf({ ...good(), nodes }), 'day/tree.json'),
        /star-tree sidecar day\/tree\.json has node columns of lengths (\d+, ){8}-1 \(-1: missing\)/,
      );
    });
  });

  it('the format name is the data contract', () => {
    assert.equal(starTreeFormat, 'telemetry-rollup/star-tree');
  });
});

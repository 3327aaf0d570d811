import assert from 'node:assert/strict';
import { it } from 'node:test';
import { STAR } from '../../../src/cube/cube-records.js';
import { StarTreeNodes } from '../../../src/cube/star-tree.js';

it('add: a node with no children, no aggregate and no star yet', () => {
  const n = new StarTreeNodes();
  assert.equal(n.add(-1, STAR, 0, 10), 0);
  assert.equal(n.add(0, 3, 2, 5), 1);
  assert.equal(n.length, 2);
  assert.deepEqual(Object.fromEntries(Object.entries(n.columns()).map(([k, v]) => [k, [...v]])), {
    level: [-1, 0],
    value: [-1, 3],
    start: [0, 2],
    end: [10, 5],
    aggregate: [-1, -1],
    childLevel: [-1, -1],
    firstChild: [-1, -1],
    childCount: [0, 0],
    star: [-1, -1],
  });
});

it('grows past its capacity, from zero too, keeping every column', () => {
  for (const capacity of [0, 1, 64]) {
    const n = new StarTreeNodes(capacity);
    for (let i = 0; i < 200; i++) {
      const j = n.add(i % 5, i, i, i + 1);
      n.aggregate[j] = 1000 + i;
      n.star[j] = i - 1;
    }
    assert.equal(n.length, 200);
    const c = n.columns();
    assert.deepEqual(
      [c.level[199], c.value[199], c.start[199], c.end[199], c.aggregate[199], c.star[199], c.aggregate[0], c.star[0]],
      [4, 199, 199, 200, 1199, 198, 1000, -1],
    );
    assert.equal(c.level.length, 200);
  }
});

it('columns are trimmed copies; fromColumns rebuilds the same nodes', () => {
  const n = new StarTreeNodes();
  n.add(-1, STAR, 0, 4);
  n.add(0, 0, 0, 2);
  n.add(0, 1, 2, 4);
  n.childLevel[0] = 0;
  n.firstChild[0] = 1;
  n.childCount[0] = 2;
  const c = n.columns();
  n.value[1] = 99;
  assert.equal(c.value[1], 0);
  const back = StarTreeNodes.fromColumns(c);
  assert.equal(back.length, 3);
  assert.deepEqual(back.columns(), c);
  assert.equal(back.add(1, 7, 0, 1), 3); // and it still grows
  assert.equal(back.length, 4);
});

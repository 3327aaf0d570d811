import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ancestorsOf, descendantsOf, groupingIdOf, resolveLayout, type CubeSpec } from '../../../src/cube/cube-spec.js';

const hierarchy = { cluster: 'region', broker: 'cluster', partition: 'topic' };

describe('hierarchy walks', () => {
  const cases: [string, string[], string[]][] = [
    // name, descendants, ancestors
    ['region', ['cluster', 'broker'], []],
    ['cluster', ['broker'], ['region']],
    ['broker', [], ['cluster', 'region']],
    ['topic', ['partition'], []],
    ['partition', [], ['topic']],
    ['tenant', [], []],
  ];
  for (const [name, down, up] of cases) {
    it(name, () => {
      assert.deepEqual(descendantsOf(name, hierarchy), down);
      assert.deepEqual(ancestorsOf(name, hierarchy), up);
    });
  }
});

describe('groupingIdOf', () => {
  const order = ['metric', 'tenant', 'cluster', 'topic'];
  const cases: [string[], number][] = [
    [['metric', 'tenant', 'cluster', 'topic'], 0],
    [['metric', 'tenant', 'cluster'], 0b1000],
    [['metric'], 0b1110],
    [['metric', 'topic'], 0b0110],
    [[], 0b1111],
  ];
  for (const [kept, want] of cases)
    it(`keeps ${kept.join(', ') || 'nothing'}`, () => assert.equal(groupingIdOf(kept, order), want));
});

describe('resolveLayout', () => {
  it('level 0 is time (always skips stars); hierarchy children are starred with their parent', () => {
    const spec: CubeSpec = {
      dimensionsSplitOrder: ['metric', 'region', 'cluster', 'topic', 'partition'],
      skipStarNodeCreationFor: ['metric'],
      maxLeafRecords: 100,
      hierarchy: { cluster: 'region', partition: 'topic' },
      cuboids: [],
    };
    assert.deepEqual(resolveLayout(spec), {
      dimensions: ['metric', 'region', 'cluster', 'topic', 'partition'],
      skipStar: [true, true, false, false, false, false],
      starAlso: [[], [], [3], [], [5], []],
      maxLeafRecords: 100,
    });
  });

  it('a chain of three: every level below is starred, in level order', () => {
    const spec: CubeSpec = {
      dimensionsSplitOrder: ['region', 'cluster', 'broker'],
      skipStarNodeCreationFor: [],
      maxLeafRecords: 1,
      hierarchy: { broker: 'cluster', cluster: 'region' },
      cuboids: [],
    };
    assert.deepEqual(resolveLayout(spec).starAlso, [[], [2, 3], [3], []]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CubeRecords, STAR } from '../../../src/cube/cube-records.js';
import { groupRecords } from '../../../src/cube/group-records.js';
import { oneSampleRecords } from '../../helpers/sample-records.js';

/** Levels (time, a, b); record i has sample value v at time t. */
const rows: [number, number, number, number, number][] = [
  // t  a  b  value time
  [0, 0, 0, 1, 10],
  [0, 0, 1, 2, 20],
  [0, 1, 0, 4, 30],
  [1, 0, 0, 8, 40],
  [0, STAR, STAR, 7, 50], // an aggregate record, as a traversal may choose
];

function records(): CubeRecords {
  return oneSampleRecords(
    3,
    rows.map(([t, a, b, v, time]) => [[t, a, b], v, time] as const),
  );
}

function dump(r: CubeRecords): string[] {
  return Array.from(
    { length: r.length },
    (_, i) =>
      `${[...r.keys.subarray(i * 3, i * 3 + 3)].join(',')}: n=${r.m.count[i]} sum=${r.m.sum[i]} last=${r.m.last[i]} lastSum=${r.m.lastSum[i]}`,
  );
}

describe('groupRecords', () => {
  const cases: { name: string; chosen: number[]; groupBy: number[]; want: string[] }[] = [
    { name: 'nothing chosen', chosen: [], groupBy: [1], want: [] },
    {
      name: 'group by time only',
      chosen: [0, 1, 2, 3],
      groupBy: [],
      want: ['0,-1,-1: n=3 sum=7 last=4 lastSum=7', '1,-1,-1: n=1 sum=8 last=8 lastSum=8'],
    },
    {
      name: 'group by a',
      chosen: [0, 1, 2, 3],
      groupBy: [1],
      want: [
        '0,0,-1: n=2 sum=3 last=2 lastSum=3',
        '0,1,-1: n=1 sum=4 last=4 lastSum=4',
        '1,0,-1: n=1 sum=8 last=8 lastSum=8',
      ],
    },
    {
      name: 'group by b',
      chosen: [0, 1, 2],
      groupBy: [2],
      want: ['0,-1,0: n=2 sum=5 last=4 lastSum=5', '0,-1,1: n=1 sum=2 last=2 lastSum=2'],
    },
    {
      name: 'group by a and b: records unchanged, sorted',
      chosen: [3, 1, 0],
      groupBy: [1, 2],
      want: [
        '0,0,0: n=1 sum=1 last=1 lastSum=1',
        '0,0,1: n=1 sum=2 last=2 lastSum=2',
        '1,0,0: n=1 sum=8 last=8 lastSum=8',
      ],
    },
    {
      name: 'an aggregate record merges like any other',
      chosen: [4, 3],
      groupBy: [],
      want: ['0,-1,-1: n=1 sum=7 last=7 lastSum=7', '1,-1,-1: n=1 sum=8 last=8 lastSum=8'],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(dump(groupRecords(records(), c.chosen, c.groupBy)), c.want));

  it('leaves its input untouched', () => {
    const r = records();
    groupRecords(r, [0, 1, 2, 3], []);
    assert.deepEqual(dump(r), [
      '0,0,0: n=1 sum=1 last=1 lastSum=1',
      '0,0,1: n=1 sum=2 last=2 lastSum=2',
      '0,1,0: n=1 sum=4 last=4 lastSum=4',
      '1,0,0: n=1 sum=8 last=8 lastSum=8',
      '0,-1,-1: n=1 sum=7 last=7 lastSum=7',
    ]);
  });
});

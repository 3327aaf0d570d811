import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type CubeRecords, STAR } from '../../../src/cube/cube-records.js';
import type { CubeSpec } from '../../../src/cube/cube-spec.js';
import { hourCuboidOf } from '../../../src/cube/hour-cuboids.js';
import { oneSampleRecords } from '../../helpers/sample-records.js';

const spec: CubeSpec = {
  dimensionsSplitOrder: ['metric', 'a', 'b'],
  skipStarNodeCreationFor: ['metric'],
  maxLeafRecords: 1,
  hierarchy: {},
  cuboids: [
    { name: 'by_metric_b', dimensions: ['metric', 'b'] },
    { name: 'by_metric_a', dimensions: ['metric', 'a'] },
  ],
};
const dictionaries = [
  ['m0', 'm1'],
  ['a0', 'a1'],
  ['b0', null],
] as const;

/** Hour records (hour, metric, a, b), one sample each of value v. */
function hours(rows: readonly (readonly [number, number, number, number, number])[]): CubeRecords {
  return oneSampleRecords(
    4,
    rows.map(([t, m, a, b, v]) => [[t, m, a, b], v, t] as const),
  );
}

/** Records as `hour,metric,a,b: count sum lastSum`. */
function dump(r: CubeRecords): string[] {
  return Array.from(
    { length: r.length },
    (_, i) => `${[...r.keys.subarray(i * 4, i * 4 + 4)].join(',')}: ${r.m.count[i]} ${r.m.sum[i]} ${r.m.lastSum[i]}`,
  );
}

it('groups hour records into a cuboid by hour, sorted by metric, its dimensions, then hour, with each metric run', () => {
  const input = hours([
    [5, 1, 0, 0, 100],
    [0, 0, 1, 0, 2],
    [0, 0, 0, 0, 1],
    [3, 0, 0, 1, 4],
    [0, 0, 1, 1, 8],
    [3, 0, 1, 0, 16],
  ]);
  const S = STAR;
  const byB = hourCuboidOf(input, dictionaries, spec, ['metric', 'b']);
  assert.deepEqual(dump(byB.records), [
    // m0 b0 at hours 0 and 3, m0 b=null at 0 and 3, then m1
    `0,0,${S},0: 2 3 3`,
    `3,0,${S},0: 1 16 16`,
    `0,0,${S},1: 1 8 8`,
    `3,0,${S},1: 1 4 4`,
    `5,1,${S},0: 1 100 100`,
  ]);
  assert.deepEqual(JSON.parse(JSON.stringify(byB.runs)), { m0: [0, 4], m1: [4, 5] });
  const byA = hourCuboidOf(input, dictionaries, spec, ['metric', 'a']);
  assert.deepEqual(dump(byA.records), [
    `0,0,0,${S}: 1 1 1`,
    `3,0,0,${S}: 1 4 4`,
    `0,0,1,${S}: 2 10 10`,
    `3,0,1,${S}: 1 16 16`,
    `5,1,0,${S}: 1 100 100`,
  ]);
  assert.deepEqual(JSON.parse(JSON.stringify(byA.runs)), { m0: [0, 4], m1: [4, 5] });
});

it('gives a day without records no record and no run', () => {
  const { records, runs } = hourCuboidOf(hours([]), dictionaries, spec, ['metric', 'a']);
  assert.equal(records.length, 0);
  assert.deepEqual(JSON.parse(JSON.stringify(runs)), {});
});

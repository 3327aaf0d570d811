import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CubeRecords } from '../../../src/cube/cube-records.js';
import type { BaseRecords } from '../../../src/ingest/base-records.js';
import { QuantileSketch } from '../../../src/measures/quantile-sketch.js';
import { cubeInputFromBase } from '../../../src/rollup/cube-from-base.js';

/** Groups by hand: [hour, metric id, zone id, host id, count, sum, last, increase]. */
const groups: [number, number, number, number, number, number, number, number][] = [
  [0, 1, 1, 1, 1, 5, 5, Number.NaN], // g0: mem, z2, h1
  [0, 2, 2, 0, 2, 6, 4, 3], // g1: cpu, z1, null host
  [1, 2, 0, 1, 1, 7, 7, 0], // g2: cpu, null zone, h1
  [1, 3, 1, 1, 1, 9, 9, 0], // g3: disk; not in `order`, so not kept
];

const sketch = new QuantileSketch();
sketch.add(1);

function base(order: readonly number[]): BaseRecords {
  const col = (j: number): Float64Array => Float64Array.from(groups, (g) => g[j]!);
  return {
    state: {
      groups: groups.length,
      width: 4,
      keys: Int32Array.from(groups.flatMap((g) => g.slice(0, 4))),
      count: col(4),
      sum: col(5),
      min: col(6),
      max: col(6),
      last: col(6),
      lastTime: col(0),
      first: col(6),
      firstTime: col(0),
    },
    metrics: [null, 'mem', 'cpu', 'disk'],
    dimensionNames: ['zone', 'host'],
    dimensionValues: [
      [null, 'z2', 'z1'],
      [null, 'h1'],
    ],
    order: Int32Array.from(order),
    increase: col(7),
    sketches: [undefined, sketch, undefined, undefined],
  };
}

/** Records as `keys: count sum lastSum increase`. */
function dump(r: CubeRecords): string[] {
  return Array.from(
    { length: r.length },
    (_, i) =>
      `${[...r.keys.subarray(i * r.width, (i + 1) * r.width)].join(',')}: ${r.m.count[i]} ${r.m.sum[i]} ${r.m.lastSum[i]} ${r.m.increase[i]}`,
  );
}

it('re-keys by split order: ids are ranks among the values the kept records use (nulls last)', () => {
  const { records, dictionaries } = cubeInputFromBase(base([1, 0, 2]), ['metric', 'zone']);
  assert.deepEqual(dictionaries, [
    ['cpu', 'mem'],
    ['z1', 'z2', null],
  ]);
  assert.deepEqual(dump(records), ['0,0,0: 2 6 4 3', '0,1,1: 1 5 5 NaN', '1,0,2: 1 7 7 0']);
  assert.equal(records.sketches[0], sketch);
  assert.equal(records.sketches[1], undefined);
});

it('split order may put a dimension before the metric and name any subset', () => {
  const { records, dictionaries } = cubeInputFromBase(base([0, 1, 2, 3]), ['host', 'metric']);
  assert.deepEqual(dictionaries, [
    ['h1', null],
    ['cpu', 'disk', 'mem'],
  ]);
  assert.deepEqual(dump(records), ['0,0,2: 1 5 5 NaN', '0,1,0: 2 6 4 3', '1,0,0: 1 7 7 0', '1,0,1: 1 9 9 0']);
});

it('no kept records: empty dictionaries and no records', () => {
  const { records, dictionaries } = cubeInputFromBase(base([]), ['metric', 'zone']);
  assert.deepEqual(dictionaries, [[], []]);
  assert.equal(records.length, 0);
});

it('refuses a split dimension the base records do not have, naming it and the ones they do', () => {
  assert.throws(
    () => cubeInputFromBase(base([0]), ['metric', 'rack']),
    /cube split dimension 'rack' is not a dimension of the base records \(zone, host\)/,
  );
});

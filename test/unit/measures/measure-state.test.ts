import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  addSample,
  addSampleAt,
  copySampleMeasures,
  deinterleave,
  emptySampleMeasures,
  interleavedStride,
  measureColumnNames,
  mergeSampleMeasures,
  replacesFirst,
  replacesLast,
  sampleMeasureNames,
  startWithSample,
  startWithSampleAt,
  type SampleMeasures,
} from '../../../src/measures/measure-state.js';

interface Sample {
  readonly value: number;
  readonly time: number;
}
type State = Record<(typeof sampleMeasureNames)[number], number>;

/** The state of one group after its samples, in the given order. */
function stateOf(samples: readonly Sample[]): SampleMeasures {
  const c = emptySampleMeasures(1);
  samples.forEach((s, i) => (i === 0 ? startWithSample(c, 0, s.value, s.time) : addSample(c, 0, s.value, s.time)));
  return c;
}

function read(c: SampleMeasures, g = 0): State {
  return Object.fromEntries(sampleMeasureNames.map((n) => [n, c[n][g]!])) as State;
}

describe('tie rules', () => {
  // [name, candidate time, candidate value, current time, current value, replaces last, replaces first]
  const cases: [string, number, number, number, number, boolean, boolean][] = [
    ['later sample', 20, 1, 10, 5, true, false],
    ['earlier sample', 5, 1, 10, 5, false, true],
    ['same time, larger value', 10, 7, 10, 5, true, false],
    ['same time, smaller value', 10, 3, 10, 5, false, true],
    ['same time, same value', 10, 5, 10, 5, false, false],
    ['later but smaller value', 11, -100, 10, 5, true, false],
    ['earlier but larger value', 9, 100, 10, 5, false, true],
    ['negative zero over zero at the same time: -0 is the smaller', 10, -0, 10, 0, false, true],
    ['zero over negative zero at the same time: +0 is the larger', 10, 0, 10, -0, true, false],
    ['negative zero over negative zero', 10, -0, 10, -0, false, false],
  ];
  for (const [name, t, v, ct, cv, last, first] of cases) {
    it(name, () => {
      assert.equal(replacesLast(t, v, ct, cv), last, 'last');
      assert.equal(replacesFirst(t, v, ct, cv), first, 'first');
    });
  }
});

describe('startWithSample and addSample', () => {
  const cases: { name: string; samples: Sample[]; want: State }[] = [
    {
      name: 'one sample',
      samples: [{ value: 4, time: 7 }],
      want: { count: 1, sum: 4, min: 4, max: 4, last: 4, lastTime: 7, first: 4, firstTime: 7 },
    },
    {
      name: 'in time order',
      samples: [
        { value: 1, time: 1 },
        { value: 5, time: 2 },
        { value: 3, time: 3 },
      ],
      want: { count: 3, sum: 9, min: 1, max: 5, last: 3, lastTime: 3, first: 1, firstTime: 1 },
    },
    {
      name: 'out of time order: last is the latest, first the earliest, whatever the arrival',
      samples: [
        { value: 3, time: 30 },
        { value: 9, time: 10 },
        { value: -2, time: 20 },
      ],
      want: { count: 3, sum: 10, min: -2, max: 9, last: 3, lastTime: 30, first: 9, firstTime: 10 },
    },
    {
      name: 'ties at the latest time: the larger value is last',
      samples: [
        { value: 2, time: 5 },
        { value: 8, time: 9 },
        { value: 6, time: 9 },
      ],
      want: { count: 3, sum: 16, min: 2, max: 8, last: 8, lastTime: 9, first: 2, firstTime: 5 },
    },
    {
      name: 'ties at the earliest time: the smaller value is first',
      samples: [
        { value: 6, time: 1 },
        { value: 4, time: 1 },
        { value: 7, time: 3 },
      ],
      want: { count: 3, sum: 17, min: 4, max: 7, last: 7, lastTime: 3, first: 4, firstTime: 1 },
    },
    {
      name: 'every sample at one time: first is the smallest, last the largest',
      samples: [
        { value: 5, time: 0 },
        { value: -1, time: 0 },
        { value: 12, time: 0 },
        { value: 3, time: 0 },
      ],
      want: { count: 4, sum: 19, min: -1, max: 12, last: 12, lastTime: 0, first: -1, firstTime: 0 },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(read(stateOf(c.samples)), c.want));
  for (const c of cases) {
    it(`${c.name} (interleaved states, record 1 of 2)`, () => {
      const m = new Float64Array(2 * interleavedStride).fill(-7);
      const at = interleavedStride;
      c.samples.forEach((s, i) =>
        i === 0 ? startWithSampleAt(m, at, s.value, s.time) : addSampleAt(m, at, s.value, s.time),
      );
      const columns = emptySampleMeasures(2);
      deinterleave(m, 2, columns);
      assert.deepEqual(read(columns, 1), c.want);
      assert.deepEqual(Object.values(read(columns, 0)), new Array(8).fill(-7)); // record 0 untouched
    });
  }
});

describe('mergeSampleMeasures', () => {
  const cases: { name: string; into: Sample[]; from: Sample[]; want: State }[] = [
    {
      name: 'disjoint times',
      into: [
        { value: 1, time: 1 },
        { value: 2, time: 2 },
      ],
      from: [
        { value: 10, time: 5 },
        { value: 0, time: 0 },
      ],
      want: { count: 4, sum: 13, min: 0, max: 10, last: 10, lastTime: 5, first: 0, firstTime: 0 },
    },
    {
      name: 'equal last times: the larger last wins, from either side',
      into: [{ value: 3, time: 9 }],
      from: [{ value: 4, time: 9 }],
      want: { count: 2, sum: 7, min: 3, max: 4, last: 4, lastTime: 9, first: 3, firstTime: 9 },
    },
    {
      name: 'equal last times, the larger one already in place',
      into: [{ value: 4, time: 9 }],
      from: [{ value: 3, time: 9 }],
      want: { count: 2, sum: 7, min: 3, max: 4, last: 4, lastTime: 9, first: 3, firstTime: 9 },
    },
    {
      name: 'the merged-in state is older: last and first come from both sides',
      into: [
        { value: 5, time: 50 },
        { value: 6, time: 60 },
      ],
      from: [
        { value: 7, time: 40 },
        { value: 1, time: 55 },
      ],
      want: { count: 4, sum: 19, min: 1, max: 7, last: 6, lastTime: 60, first: 7, firstTime: 40 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const into = stateOf(c.into);
      mergeSampleMeasures(into, 0, stateOf(c.from), 0);
      assert.deepEqual(read(into), c.want);
    });
  }

  it('merges within one set of columns (into and from the same)', () => {
    const c = emptySampleMeasures(2);
    startWithSample(c, 0, 2, 10);
    startWithSample(c, 1, 5, 3);
    mergeSampleMeasures(c, 0, c, 1);
    assert.deepEqual(read(c, 0), { count: 2, sum: 7, min: 2, max: 5, last: 2, lastTime: 10, first: 5, firstTime: 3 });
    assert.deepEqual(read(c, 1), { count: 1, sum: 5, min: 5, max: 5, last: 5, lastTime: 3, first: 5, firstTime: 3 });
  });

  it('copySampleMeasures copies every measure of one state', () => {
    const from = stateOf([
      { value: 3, time: 1 },
      { value: 8, time: 2 },
    ]);
    const into = emptySampleMeasures(3);
    copySampleMeasures(into, 2, from, 0);
    assert.deepEqual(read(into, 2), {
      count: 2,
      sum: 11,
      min: 3,
      max: 8,
      last: 8,
      lastTime: 2,
      first: 3,
      firstTime: 1,
    });
    assert.deepEqual(read(into, 0), { count: 0, sum: 0, min: 0, max: 0, last: 0, lastTime: 0, first: 0, firstTime: 0 });
  });
});

describe('merge properties', () => {
  // integer values keep sums exact, so every measure compares exactly (signed zeros too: deepEqual tells -0 from 0)
  const value = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constantFrom(0, -0));
  const sample = fc.record({ value, time: fc.integer({ min: 0, max: 20 }) });
  const nonEmpty = fc.array(sample, { minLength: 1, maxLength: 30 });
  const merged = (a: readonly Sample[], b: readonly Sample[]): State => {
    const into = stateOf(a);
    mergeSampleMeasures(into, 0, stateOf(b), 0);
    return read(into);
  };

  it('merging the states of any split equals one pass over every sample', () => {
    fc.assert(
      fc.property(nonEmpty, nonEmpty, (a, b) => assert.deepEqual(merged(a, b), read(stateOf([...a, ...b])))),
      { numRuns: 200 },
    );
  });

  it('is commutative and associative', () => {
    fc.assert(
      fc.property(nonEmpty, nonEmpty, nonEmpty, (a, b, c) => {
        assert.deepEqual(merged(a, b), merged(b, a));
        const left = stateOf(a);
        mergeSampleMeasures(left, 0, stateOf(b), 0);
        mergeSampleMeasures(left, 0, stateOf(c), 0);
        const bc = stateOf(b);
        mergeSampleMeasures(bc, 0, stateOf(c), 0);
        const right = stateOf(a);
        mergeSampleMeasures(right, 0, bc, 0);
        assert.deepEqual(read(left), read(right));
      }),
      { numRuns: 150 },
    );
  });

  it('the state does not depend on the order samples arrive in', () => {
    fc.assert(
      fc.property(nonEmpty, fc.integer(), (samples, seed) => {
        const shuffled = samples
          .map((s, i) => ({ s, k: Math.imul(i + 1, seed | 1) >>> 0 }))
          .sort((x, y) => x.k - y.k)
          .map((x) => x.s);
        assert.deepEqual(read(stateOf(shuffled)), read(stateOf(samples)));
      }),
      { numRuns: 150 },
    );
  });
});

it('names the Parquet column of every measure (data contract)', () => {
  assert.deepEqual([...sampleMeasureNames], ['count', 'sum', 'min', 'max', 'last', 'lastTime', 'first', 'firstTime']);
  assert.deepEqual(
    sampleMeasureNames.map((n) => measureColumnNames[n]),
    ['count', 'sum', 'min', 'max', 'last', 'last_time', 'first', 'first_time'],
  );
  assert.equal(measureColumnNames.increase, 'increase');
});

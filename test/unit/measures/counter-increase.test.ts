import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CounterSampleLog, counterIncreases, increaseBetween } from '../../../src/measures/counter-increase.js';

/** [group, time, value] per sample. */
type Row = readonly [number, number, number];

function logOf(rows: readonly Row[]): CounterSampleLog {
  const log = new CounterSampleLog();
  for (const [g, t, v] of rows) log.push(g, t, v);
  return log;
}

describe('increaseBetween', () => {
  const cases: [string, number, number, number][] = [
    ['growth', 10, 25, 15],
    ['flat', 7, 7, 0],
    ['reset to a smaller value: the new value is the increase', 100, 4, 4],
    ['reset to zero', 100, 0, 0],
    ['from zero', 0, 3, 3],
    ['fractional growth', 1.5, 2.25, 0.75],
  ];
  for (const [name, before, after, want] of cases) it(name, () => assert.equal(increaseBetween(before, after), want));
});

describe('counterIncreases', () => {
  const cases: { name: string; groups: number; rows: Row[]; want: number[]; wanted?: number[] }[] = [
    { name: 'one sample: no increase yet', groups: 1, rows: [[0, 5, 42]], want: [0] },
    {
      name: 'in time order',
      groups: 1,
      rows: [
        [0, 1, 10],
        [0, 2, 13],
        [0, 3, 20],
      ],
      want: [10],
    },
    {
      name: 'out of time order: sorted by time first',
      groups: 1,
      rows: [
        [0, 3, 30],
        [0, 1, 10],
        [0, 2, 20],
      ],
      want: [20],
    },
    {
      name: 'a reset in the middle',
      groups: 1,
      rows: [
        [0, 1, 100],
        [0, 2, 5],
        [0, 3, 8],
      ],
      want: [8],
    },
    {
      name: 'a reset seen only once sorted (arrives first)',
      groups: 1,
      rows: [
        [0, 2, 5],
        [0, 3, 8],
        [0, 1, 100],
      ],
      want: [8],
    },
    {
      name: 'equal times: the smaller value counts as earlier',
      groups: 1,
      rows: [
        [0, 1, 7],
        [0, 1, 4],
      ],
      want: [3],
    },
    {
      name: 'groups interleaved keep apart',
      groups: 2,
      rows: [
        [1, 1, 1000],
        [0, 1, 1],
        [1, 2, 1500],
        [0, 2, 2],
        [0, 3, 6],
        [1, 3, 100],
      ],
      want: [5, 600],
    },
    {
      name: 'a wanted group without samples stays NaN',
      groups: 2,
      rows: [
        [1, 1, 3],
        [1, 2, 9],
      ],
      want: [NaN, 6],
    },
    {
      name: 'groups not wanted are NaN and skipped',
      groups: 3,
      rows: [
        [0, 1, 1],
        [0, 2, 4],
        [1, 1, 9],
        [1, 2, 1],
        [2, 1, 2],
        [2, 2, 2],
      ],
      wanted: [0, 2],
      want: [3, NaN, 0],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const want = new Uint8Array(c.groups);
      for (const g of c.wanted ?? [...Array(c.groups).keys()]) want[g] = 1;
      assert.deepEqual([...counterIncreases(c.groups, logOf(c.rows).toSamples(), want)], c.want);
    });
  }

  it('sorts long unsorted runs (more than 64 samples) too: a counter read backwards', () => {
    // 200 samples of value = time, logged in reverse time order: the increase over the day is 199
    const rows: Row[] = Array.from({ length: 200 }, (_, i) => [0, 199 - i, 199 - i] as const);
    assert.deepEqual([...counterIncreases(1, logOf(rows).toSamples(), Uint8Array.of(1))], [199]);
  });

  it('equals the sum of reset-corrected steps between samples in (time, value) order', () => {
    const row = fc.tuple(
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 30 }),
      fc.integer({ min: 0, max: 50 }),
    );
    fc.assert(
      fc.property(fc.array(row, { maxLength: 150 }), (rows) => {
        const got = counterIncreases(3, logOf(rows).toSamples(), Uint8Array.of(1, 1, 1));
        for (let g = 0; g < 3; g++) {
          const mine = rows.filter((r) => r[0] === g).sort((a, b) => a[1] - b[1] || a[2] - b[2]);
          let want = mine.length === 0 ? NaN : 0;
          for (let i = 1; i < mine.length; i++)
            want += mine[i]![2] >= mine[i - 1]![2] ? mine[i]![2] - mine[i - 1]![2] : mine[i]![2];
          assert.equal(got[g], want, `group ${g}`);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('CounterSampleLog', () => {
  it('grows past its first capacity and keeps every sample in order', () => {
    const log = new CounterSampleLog();
    for (let i = 0; i < 600; i++) log.push(i % 3, i * 10, i + 0.5);
    const s = log.toSamples();
    assert.equal(log.length, 600);
    assert.equal(s.group.length, 600);
    assert.deepEqual([s.group[0], s.time[0], s.value[0]], [0, 0, 0.5]);
    assert.deepEqual([s.group[599], s.time[599], s.value[599]], [2, 5990, 599.5]);
    assert.deepEqual([s.group[300], s.time[300], s.value[300]], [0, 3000, 300.5]);
  });

  it('pushAll translates groups through the map', () => {
    const log = logOf([[0, 1, 1]]);
    log.pushAll(
      logOf([
        [0, 5, 50],
        [1, 6, 60],
        [0, 7, 70],
      ]).toSamples(),
      Int32Array.of(4, 2),
    );
    const s = log.toSamples();
    assert.deepEqual([...s.group], [0, 4, 2, 4]);
    assert.deepEqual([...s.time], [1, 5, 6, 7]);
    assert.deepEqual([...s.value], [1, 50, 60, 70]);
  });

  it('toSamples returns trimmed copies', () => {
    const log = logOf([[1, 2, 3]]);
    const s = log.toSamples();
    log.push(9, 9, 9);
    assert.deepEqual([s.group.length, s.time.length, s.value.length], [1, 1, 1]);
    assert.equal(s.group[0], 1);
  });
});

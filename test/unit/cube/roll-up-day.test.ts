import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CubeRecords } from '../../../src/cube/cube-records.js';
import { rollUpDay, type HourRecords } from '../../../src/cube/roll-up-day.js';
import type { MeasureSketch } from '../../../src/measures/measure-sketch.js';
import { QuantileSketch } from '../../../src/measures/quantile-sketch.js';

/** One hour base record by hand: its series (metric, dim), hour, sample measures and increase. */
interface HourRow {
  readonly metric: number;
  readonly dim: number;
  readonly hour: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly last: number;
  readonly lastTime: number;
  readonly first: number;
  readonly firstTime: number;
  readonly increase: number;
  readonly sketch?: MeasureSketch;
}

function hourRecords(rows: readonly HourRow[]): HourRecords {
  const col = (f: (r: HourRow) => number): Float64Array => Float64Array.from(rows, f);
  return {
    rows: rows.length,
    hour: Int32Array.from(rows, (r) => r.hour),
    keys: [Int32Array.from(rows, (r) => r.metric), Int32Array.from(rows, (r) => r.dim)],
    count: col((r) => r.count),
    sum: col((r) => r.sum),
    min: col((r) => r.min),
    max: col((r) => r.max),
    last: col((r) => r.last),
    lastTime: col((r) => r.lastTime),
    first: col((r) => r.first),
    firstTime: col((r) => r.firstTime),
    increase: col((r) => r.increase),
    sketches: rows.map((r) => r.sketch),
  };
}

function dump(r: CubeRecords): string[] {
  return Array.from({ length: r.length }, (_, i) => {
    const m = r.m;
    return `${[...r.keys.subarray(i * r.width, (i + 1) * r.width)].join(',')} | ${m.count[i]} ${m.sum[i]} ${m.min[i]} ${m.max[i]} ${m.last[i]}@${m.lastTime[i]} ${m.first[i]}@${m.firstTime[i]} lastSum ${m.lastSum[i]} inc ${m.increase[i]}`;
  });
}

// Counter series A (metric 0, dim 0): samples 4@50, 6@100 in hour 0; 3@200 (a reset), 7@250 in hour 1.
const a0: HourRow = {
  metric: 0,
  dim: 0,
  hour: 0,
  count: 2,
  sum: 10,
  min: 4,
  max: 6,
  last: 6,
  lastTime: 100,
  first: 4,
  firstTime: 50,
  increase: 2,
};
const a1: HourRow = {
  metric: 0,
  dim: 0,
  hour: 1,
  count: 2,
  sum: 10,
  min: 3,
  max: 7,
  last: 7,
  lastTime: 250,
  first: 3,
  firstTime: 200,
  increase: 4,
};
// Counter series B (metric 0, dim 1): 10@210, 12@220 in hour 1; 15@300 in hour 2.
const b1: HourRow = {
  metric: 0,
  dim: 1,
  hour: 1,
  count: 2,
  sum: 22,
  min: 10,
  max: 12,
  last: 12,
  lastTime: 220,
  first: 10,
  firstTime: 210,
  increase: 2,
};
const b2: HourRow = {
  metric: 0,
  dim: 1,
  hour: 2,
  count: 1,
  sum: 15,
  min: 15,
  max: 15,
  last: 15,
  lastTime: 300,
  first: 15,
  firstTime: 300,
  increase: 0,
};
// Gauge series C (metric 1, dim 0): 1@10 in hour 0; not a counter.
const c0: HourRow = {
  metric: 1,
  dim: 0,
  hour: 0,
  count: 1,
  sum: 1,
  min: 1,
  max: 1,
  last: 1,
  lastTime: 10,
  first: 1,
  firstTime: 10,
  increase: Number.NaN,
};

it('along time: per series, the day record of its hours; a counter adds the reset-corrected steps between hours', () => {
  // rows arrive in no particular order
  const day = rollUpDay(hourRecords([b2, a1, c0, a0, b1]), new Set());
  assert.deepEqual(dump(day), [
    '0,0,0 | 4 20 3 7 7@250 4@50 lastSum 7 inc 9', // 2 + 4 + (6 -> 3 is a reset: 3) = 4, 6, 3, 7 read in one pass
    '0,0,1 | 3 37 10 15 15@300 10@210 lastSum 15 inc 5', // 2 + 0 + (12 -> 15: 3)
    '0,1,0 | 1 1 1 1 1@10 1@10 lastSum 1 inc NaN',
  ]);
});

it("across series: dropped columns merge series; lastSum is the sum of each series' last value of the day", () => {
  const day = rollUpDay(hourRecords([b2, a1, c0, a0, b1]), new Set([1]));
  assert.deepEqual(dump(day), [
    '0,0 | 7 57 3 15 15@300 4@50 lastSum 22 inc 14',
    '0,1 | 1 1 1 1 1@10 1@10 lastSum 1 inc NaN',
  ]);
});

it('dropping every column leaves one record per day (metric dropped too)', () => {
  const day = rollUpDay(hourRecords([a0, b1, a1]), new Set([0, 1]));
  assert.deepEqual(dump(day), ['0 | 6 42 3 12 7@250 4@50 lastSum 19 inc 11']);
});

it('a counter that did not reset between hours adds the step (no reset correction)', () => {
  // hour 1 holds 9@200, 11@250: the step from hour 0's last (6) to 9 adds 3
  const h1 = { ...a1, count: 2, sum: 20, min: 9, max: 11, last: 11, first: 9, increase: 2 };
  assert.deepEqual(dump(rollUpDay(hourRecords([h1, a0]), new Set())), [
    '0,0,0 | 4 30 4 11 11@250 4@50 lastSum 11 inc 7',
  ]);
});

it('no hour records: no day records', () => {
  assert.deepEqual(dump(rollUpDay(hourRecords([]), new Set())), []);
});

it("merges the sketches of a series' hours into a copy (the hour sketches are left as they were)", () => {
  const q = (...values: number[]): QuantileSketch => {
    const s = new QuantileSketch();
    for (const v of values) s.add(v);
    return s;
  };
  const s0 = q(1, 2);
  const s1 = q(30);
  const day = rollUpDay(
    hourRecords([
      { ...a0, sketch: s0 },
      { ...a1, sketch: s1 },
    ]),
    new Set(),
  );
  const merged = day.sketches[0] as QuantileSketch;
  assert.deepEqual([merged.count, merged.max], [3, 30]);
  assert.deepEqual([s0.count, s1.count], [2, 1]);
});

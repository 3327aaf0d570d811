import { copySampleMeasures, mergeSampleMeasures, type SampleMeasures } from '../measures/measure-state.js';
import { increaseBetween } from '../measures/counter-increase.js';
import { CubeRecords } from './cube-records.js';
import { sortKeyRange } from './sort-key-range.js';
import { cloneSketch, mergeSketches, type MeasureSketch } from '../measures/measure-sketch.js';

/** Hour base records of one day, columnar, with dimension values as ids of `dictionaries`. */
export interface HourRecords extends SampleMeasures {
  readonly rows: number;
  readonly hour: Int32Array; // hour of the day, 0..23
  readonly keys: readonly Int32Array[]; // per key column (metric, then each dimension): id per row
  readonly increase: Float64Array; // NaN unless a cumulative counter
  readonly sketches: readonly (MeasureSketch | undefined)[]; // quantile or distinct-count sketch per row
}

/**
 * Rolls one day's hour base records up into day records, both axes right:
 * 1. along time, per series (every key column): counts and sums add, min/max, the day's first and last samples,
 *    and a counter's increase = its hours' increases + the reset-corrected steps between consecutive hours;
 * 2. across series, after dropping `dropColumns` (indexes into `keys`): counts, sums and increases add, min/max,
 *    last_sum = the sum of each series' last value of the day (the point-in-time total at the day's end).
 * Returns records keyed [0, metric, ...kept columns] (dropped columns removed), sorted by key.
 */
export function rollUpDay(h: HourRecords, dropColumns: ReadonlySet<number>): CubeRecords {
  const k = h.keys.length;
  const rowKeys = new Int32Array(h.rows * (k + 1)); // per row: key columns, then the hour (the sort key)
  for (let r = 0; r < h.rows; r++) {
    for (let j = 0; j < k; j++) rowKeys[r * (k + 1) + j] = h.keys[j]![r]!;
    rowKeys[r * (k + 1) + k] = h.hour[r]!;
  }
  const order = sortKeyRange(rowKeys, k + 1, 0, h.rows, 0) ?? Int32Array.from({ length: h.rows }, (_, i) => i);
  const kept = [...Array(k).keys()].filter((j) => !dropColumns.has(j));
  const out = new CubeRecords(1 + kept.length, Math.max(16, h.rows));
  const w = out.width;
  let open = -1; // record of the series being folded
  let prev = -1; // previous hour row of that series
  for (const r of order) {
    if (prev >= 0 && sameSeries(h, prev, r)) {
      foldHour(out, open, h, r, prev);
    } else {
      open = out.appendBlank();
      kept.forEach((j, i) => (out.keys[open * w + 1 + i] = h.keys[j]![r]!));
      copySampleMeasures(out.m, open, h, r);
      out.m.increase[open] = h.increase[r]!;
      out.adoptSketch(open, h.sketches[r] ? cloneSketch(h.sketches[r]) : undefined);
    }
    out.m.lastSum[open] = out.m.last[open]!;
    prev = r;
  }
  out.sortAndMergeTail(0, 0); // across series: equal kept keys merge (lastSum adds)
  return out;
}

function sameSeries(h: HourRecords, a: number, b: number): boolean {
  for (const col of h.keys) if (col[a] !== col[b]) return false;
  return true;
}

/** Folds hour row `r` into the series' day record; `prev` is the series' previous hour row. */
function foldHour(out: CubeRecords, i: number, h: HourRecords, r: number, prev: number): void {
  const m = out.m;
  mergeSampleMeasures(m, i, h, r);
  m.increase[i]! += h.increase[r]! + increaseBetween(h.last[prev]!, h.first[r]!);
  out.adoptSketch(i, mergeSketches(out.sketches[i], h.sketches[r])); // its own copy, or a new one
}

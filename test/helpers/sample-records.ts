import { CubeRecords } from '../../src/cube/cube-records.js';
import { startWithSample } from '../../src/measures/measure-state.js';

/**
 * Cube records of `width` levels (the time bucket, then each split level), one sample each: its level keys, its value
 * and its time. One series a record, so lastSum is the value; no counter.
 */
export function oneSampleRecords(
  width: number,
  rows: readonly (readonly [keys: readonly number[], value: number, time: number])[],
): CubeRecords {
  const r = new CubeRecords(width);
  for (const [keys, v, time] of rows) {
    const i = r.appendBlank();
    r.keys.set(keys, i * width);
    startWithSample(r.m, i, v, time);
    r.m.lastSum[i] = v;
    r.m.increase[i] = Number.NaN;
  }
  return r;
}

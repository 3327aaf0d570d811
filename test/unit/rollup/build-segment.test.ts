import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyColumnStats } from '../../../src/rollup/build-segment.js';

describe('keyColumnStats', () => {
  // records: [hour, metric id, zone id]; zone ids 0 = null, 1 = 'b', 2 = 'a', 3 = 'Z' (unused by the chosen rows)
  const keys = Int32Array.of(0, 0, 1, 0, 1, 0, 1, 0, 2, 1, 1, 3);
  const dictionaries = [
    ['cpu', 'mem'],
    [null, 'b', 'a', 'Z'],
  ];

  it('gives min, max (by code unit) and null presence of the values the chosen records hold, per column', () => {
    const stats = keyColumnStats(['metric', 'zone'], dictionaries, { keys, width: 3, rows: Int32Array.of(2, 0, 1) });
    assert.deepEqual(JSON.parse(JSON.stringify(stats)), {
      metric: { min: 'cpu', max: 'mem', nulls: false },
      zone: { min: 'a', max: 'b', nulls: true },
    });
  });

  it('reads the first `count` records when given a count; a value no record holds is not a bound', () => {
    const stats = keyColumnStats(['metric', 'zone'], dictionaries, { keys, width: 3, count: 4 });
    assert.deepEqual(JSON.parse(JSON.stringify(stats)), {
      metric: { min: 'cpu', max: 'mem', nulls: false },
      zone: { min: 'Z', max: 'b', nulls: true },
    });
    const none = keyColumnStats(['zone'], [[null, 'x']], { keys: Int32Array.of(0, 0), width: 2, count: 1 });
    assert.deepEqual(JSON.parse(JSON.stringify(none)), { zone: { min: null, max: null, nulls: true } });
  });
});

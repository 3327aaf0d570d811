import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CubeRecords, STAR } from '../../../src/cube/cube-records.js';
import { AnswerBuckets } from '../../../src/query/answer-buckets.js';

const hourMs = 3_600_000;

/** A segment of records (hour, d1, d2) with `sum` and `count` filled, and its own dictionaries. */
function segmentOf(
  date: string,
  dictionaries: readonly (readonly (string | null)[])[],
  rows: readonly (readonly [hour: number, d1: number, d2: number, sum: number, count: number])[],
) {
  const records = new CubeRecords(3);
  for (const [hour, d1, d2, sum, count] of rows) {
    const i = records.appendBlank();
    records.keys.set([hour, d1, d2], i * 3);
    records.m.sum[i] = sum;
    records.m.count[i] = count;
    records.m.min[i] = sum;
    records.m.max[i] = sum;
  }
  return { date, tree: { records, dictionaries } };
}

describe('AnswerBuckets', () => {
  const from = Date.parse('2026-05-01T00:00:00Z');

  it('adds records of segments whose dictionaries number the same values differently into one bucket', () => {
    const a = segmentOf(
      '2026-05-01',
      [
        ['x', 'y'],
        ['p', 'q'],
      ],
      [
        [3, 0, 1, 10, 1], // x, q
        [3, 1, 0, 5, 2], // y, p
      ],
    );
    const b = segmentOf(
      '2026-05-01',
      [
        ['y', 'x'],
        ['q', 'p'],
      ],
      [
        [3, 1, 0, 7, 1], // x, q
        [4, 1, 0, 1, 1], // x, q an hour later
      ],
    );
    const buckets = new AnswerBuckets(2, from);
    buckets.add(a, [0, 1], [1, 2], undefined);
    buckets.add(b, [0, 1], [1, 2], undefined);
    assert.deepEqual(buckets.rows('sum'), [
      { time: '2026-05-01T03:00:00.000Z', groups: ['x', 'q'], value: 17 },
      { time: '2026-05-01T03:00:00.000Z', groups: ['y', 'p'], value: 5 },
      { time: '2026-05-01T04:00:00.000Z', groups: ['x', 'q'], value: 1 },
    ]);
    assert.deepEqual(
      buckets.rows('count').map((r) => r.value),
      [2, 2, 1],
    );
    assert.deepEqual(
      buckets.rows('min').map((r) => r.value),
      [7, 5, 1],
    );
  });

  it('groups by one dimension: the star is a null group sorted last, and hours stay apart from group ids', () => {
    const dict = Array.from({ length: 40_000 }, (_, i) => `v${String(i).padStart(5, '0')}`);
    const seg = segmentOf(
      '2026-05-02',
      [dict, ['only']],
      [
        [0, STAR, 0, 1, 1],
        [0, 39_999, 0, 2, 1],
        [1, 0, 0, 4, 1],
        [0, 0, 0, 8, 1],
      ],
    );
    const buckets = new AnswerBuckets(1, from);
    buckets.add(seg, [0, 1, 2, 3], [1], undefined);
    assert.deepEqual(buckets.rows('sum'), [
      { time: '2026-05-02T00:00:00.000Z', groups: ['v00000'], value: 8 },
      { time: '2026-05-02T00:00:00.000Z', groups: ['v39999'], value: 2 },
      { time: '2026-05-02T00:00:00.000Z', groups: [null], value: 1 },
      { time: '2026-05-02T01:00:00.000Z', groups: ['v00000'], value: 4 },
    ]);
    assert.deepEqual([...buckets.times()].sort(), [from + 24 * hourMs, from + 25 * hourMs]);
  });

  it('adds runs of records that share a bucket, and records that come back to an earlier bucket, each to its own', () => {
    const seg = segmentOf(
      '2026-05-01',
      [
        ['x', 'y'],
        ['p', 'q'],
      ],
      [
        [0, 0, 0, 1, 1], // x p
        [0, 0, 0, 2, 1], // x p
        [0, 1, 1, 4, 1], // y q
        [0, 0, 1, 8, 1], // x q
        [0, 1, 1, 16, 1], // y q
        [1, 1, 1, 32, 1], // y q, an hour later
        [0, 0, 0, 64, 1], // x p
      ],
    );
    const byOne = new AnswerBuckets(1, from);
    byOne.add(seg, [0, 1, 2, 3, 4, 5, 6], [1], undefined);
    assert.deepEqual(
      byOne.rows('sum').map((r) => [r.time.slice(11, 13), ...r.groups, r.value]),
      [
        ['00', 'x', 75],
        ['00', 'y', 20],
        ['01', 'y', 32],
      ],
    );
    const byTwo = new AnswerBuckets(2, from);
    byTwo.add(seg, [0, 1, 2, 3, 4, 5, 6], [1, 2], undefined);
    assert.deepEqual(
      byTwo.rows('sum').map((r) => [r.time.slice(11, 13), ...r.groups, r.value]),
      [
        ['00', 'x', 'p', 67],
        ['00', 'x', 'q', 8],
        ['00', 'y', 'q', 20],
        ['01', 'y', 'q', 32],
      ],
    );
  });

  it('puts every record of a day in its day bucket, also a day that starts before the query', () => {
    const seg = segmentOf(
      '2026-04-30',
      [['x'], ['p']],
      [
        [22, 0, 0, 3, 1],
        [23, 0, 0, 4, 1],
      ],
    );
    const buckets = new AnswerBuckets(0, from - 2 * hourMs);
    buckets.add(seg, [0, 1], [], from - 24 * hourMs);
    assert.deepEqual(buckets.rows('avg'), [{ time: '2026-04-30T00:00:00.000Z', groups: [], value: 3.5 }]);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dayKeySketch, estimateDayKeys, offsetHi, offsetLo, valueHashes } from '../../../src/rollup/day-key-sketch.js';
import { fnvValue } from '../../../src/ingest/series-part.js';
import { fmix32 } from '../../../src/ingest/series-shard.js';

/**
 * Hour records of series `first .. first + n - 1`, keyed [hour, metric, cluster, topic, partition]: series s is topic
 * `t<s>` of cluster `c<s % 7>`, in partition `s % 3`, metric `m<s % 2>`.
 */
function hourRecords(first: number, n: number) {
  const dictionaries = [['m0', 'm1'], Array.from({ length: 7 }, (_, i) => `c${i}`), [] as string[], ['0', '1', '2']];
  const topics = dictionaries[2]!;
  const width = 5;
  const keys = new Int32Array(n * width);
  for (let r = 0; r < n; r++) {
    const s = first + r;
    topics.push(`t${s}`);
    keys.set([5, s % 2, s % 7, r, s % 3], r * width);
  }
  return { dictionaries, keys, width, rows: Int32Array.from({ length: n }, (_, r) => r) };
}
const dayColumns = [0, 1, 2]; // metric, cluster, topic: the day tier drops partition
const sketchOf = (first: number, n: number, columns = dayColumns, rows?: Int32Array): string => {
  const h = hourRecords(first, n);
  return dayKeySketch(h.dictionaries, columns, h.keys, h.width, rows ?? h.rows);
};
const within = (estimate: number, exact: number): boolean => Math.abs(estimate - exact) <= 3 * 0.092 * exact + 8;

describe('day-key sketches', () => {
  it('count the same series in every hour once, and series that turn over every hour once each', () => {
    const everyHour = Array.from({ length: 24 }, () => sketchOf(0, 20_000));
    assert.ok(within(estimateDayKeys(everyHour), 20_000), String(estimateDayKeys(everyHour)));
    const churn = Array.from({ length: 24 }, (_, h) => sketchOf(h * 20_000, 20_000));
    assert.ok(within(estimateDayKeys(churn), 480_000), String(estimateDayKeys(churn)));
    // half the series stay, half are new each hour
    const half = Array.from({ length: 24 }, (_, h) => sketchOf(h * 10_000, 20_000));
    assert.ok(within(estimateDayKeys(half), 250_000), String(estimateDayKeys(half)));
  });

  it('count only the key columns given: records that differ in a dropped column are one day key', () => {
    const h = hourRecords(0, 3000);
    // every record moved to partition 0: the same day keys
    const moved = h.keys.slice();
    for (let r = 0; r < 3000; r++) moved[r * h.width + 4] = 0;
    const a = dayKeySketch(h.dictionaries, dayColumns, h.keys, h.width, h.rows);
    const b = dayKeySketch(h.dictionaries, dayColumns, moved, h.width, h.rows);
    assert.equal(a, b);
    assert.notEqual(a, dayKeySketch(h.dictionaries, [0, 1, 2, 3], h.keys, h.width, h.rows));
  });

  it('is exact while small, counts only the rows given, and is empty for none', () => {
    assert.equal(estimateDayKeys([sketchOf(0, 5)]), 5);
    assert.equal(estimateDayKeys([sketchOf(0, 5), sketchOf(3, 5)]), 8);
    assert.equal(estimateDayKeys([sketchOf(0, 100, dayColumns, Int32Array.of(0, 1, 2))]), 3);
    assert.equal(estimateDayKeys([sketchOf(0, 100, dayColumns, new Int32Array(0))]), 0);
    assert.equal(estimateDayKeys([]), 0);
  });

  it('estimates the union the same whatever the order of the sketches', () => {
    const sketches = Array.from({ length: 6 }, (_, h) => sketchOf(h * 700, 1500));
    const exact = 5 * 700 + 1500;
    fc.assert(
      fc.property(fc.shuffledSubarray(sketches, { minLength: 6, maxLength: 6 }), (order) => {
        assert.equal(estimateDayKeys(order), estimateDayKeys(sketches));
      }),
      { numRuns: 20 },
    );
    assert.ok(within(estimateDayKeys(sketches), exact), String(estimateDayKeys(sketches)));
  });

  it("hashes each value's UTF-8 bytes (null: the byte 0xff), ASCII or not", () => {
    const utf8 = new TextEncoder();
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), { nil: null })),
        (values) => {
          const { lo, hi } = valueHashes(values);
          values.forEach((v, id) => {
            const bytes = v === null ? Uint8Array.of(0xff) : utf8.encode(v);
            assert.equal(lo[id], fmix32(fnvValue(offsetLo, bytes)) | 0, JSON.stringify(v));
            assert.equal(hi[id], fmix32(fnvValue(offsetHi, bytes)) | 0, JSON.stringify(v));
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

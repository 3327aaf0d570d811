import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { bucketTimestamps, outsideDay, previousDay, type TimeUnit } from '../../../src/ingest/time-bucket.js';

const perSecond: Record<TimeUnit, bigint> = { s: 1n, ms: 1000n, us: 1_000_000n, ns: 1_000_000_000n };

it('buckets int64 timestamps of every unit exactly, as BigInt arithmetic does', () => {
  const dayStartMs = Date.UTC(2026, 10, 24);
  fc.assert(
    fc.property(
      fc.constantFrom<TimeUnit>('s', 'ms', 'us', 'ns'),
      fc.array(fc.bigInt({ min: -3n * 86_400_000_000_000n, max: 3n * 86_400_000_000_000n }), {
        minLength: 1,
        maxLength: 50,
      }),
      (unit, offsetsNs) => {
        const start = (BigInt(dayStartMs) * perSecond[unit]) / 1000n;
        const values = BigInt64Array.from(offsetsNs.map((o) => start + (o * perSecond[unit]) / 1_000_000_000n));
        const hours = new Int32Array(values.length);
        const times = new Float64Array(values.length);
        bucketTimestamps(new Int32Array(values.buffer), 0, values.length, unit, dayStartMs, hours, times);
        values.forEach((v, i) => {
          const rel = v - start;
          const day = 86_400n * perSecond[unit];
          const inDay = rel >= 0n && rel < day;
          assert.equal(
            hours[i],
            inDay ? Number(rel / (3600n * perSecond[unit])) : rel < 0n && rel >= -day ? previousDay : outsideDay,
          );
          if (inDay) assert.equal(BigInt(times[i]!), (rel * 1_000_000_000n) / perSecond[unit]);
        });
      },
    ),
    { numRuns: 300 },
  );
});

it('puts the first and last nanosecond of the day in hours 0 and 23, the next day outside, the last nanosecond before in the previous day', () => {
  const dayStartMs = Date.UTC(2026, 10, 24);
  const start = BigInt(dayStartMs) * 1_000_000n;
  const values = BigInt64Array.from([start, start + 86_400_000_000_000n - 1n, start + 86_400_000_000_000n, start - 1n]);
  const hours = new Int32Array(4);
  const times = new Float64Array(4);
  bucketTimestamps(new Int32Array(values.buffer), 0, 4, 'ns', dayStartMs, hours, times);
  assert.deepEqual([...hours], [0, 23, outsideDay, previousDay]);
  assert.equal(times[1], 86_400_000_000_000 - 1);
});

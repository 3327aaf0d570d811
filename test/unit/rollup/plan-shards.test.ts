import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Manifest } from '../../../src/partition/manifest.js';
import fc from 'fast-check';
import { buildBytesPerGroup, planParts } from '../../../src/rollup/plan-parts.js';
import {
  buildBytesPerRawByte,
  dayShardRecords,
  dayUnitBytes,
  dayUnitPeakBytesPerDayRecord,
  dayUnitPeakBytesPerRecord,
  dayUnitsAtOnce,
  maxAutoShards,
  planShards,
  shardHistoryOf,
} from '../../../src/rollup/plan-shards.js';
import { dayKeySketch } from '../../../src/rollup/day-key-sketch.js';

const gib = 1024 ** 3;
const input = (hour: string, size: number, late = false) => ({
  key: `raw/dt=2026-11-24/hr=${hour}/f-${size}.parquet`,
  size,
  ...(late ? { late: true as const } : {}),
});

describe('planShards', () => {
  const cases: {
    name: string;
    shards: 'auto' | number;
    memory?: number;
    inputs: ReturnType<typeof input>[];
    want: number;
  }[] = [
    { name: 'declared count wins', shards: 5, inputs: [input('00', 10 * gib)], want: 5 },
    { name: 'small day: one shard', shards: 'auto', inputs: [input('00', 1e6), input('01', 2e6)], want: 1 },
    {
      name: 'largest hour decides (files of one hour add up)',
      shards: 'auto',
      inputs: [input('03', gib / 32), input('03', gib / 32), input('04', 1)],
      want: Math.ceil(((gib / 16) * buildBytesPerRawByte) / ((gib / 4) * 0.75 * 0.75)), // 8: 1 GiB in 144 MiB
    },
    { name: 'late files do not count', shards: 'auto', inputs: [input('00', 1), input('01', 10 * gib, true)], want: 1 },
    {
      name: 'a smaller budget means more shards',
      shards: 'auto',
      memory: 256 * 1024 * 1024,
      inputs: [input('00', 64 * 1024 * 1024)],
      want: 29, // 1 GiB to build, in shares of 36 MiB
    },
    { name: 'capped', shards: 'auto', inputs: [input('00', 1e15)], want: maxAutoShards },
    { name: 'no input', shards: 'auto', inputs: [], want: 1 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(planShards(c.shards, c.memory ?? gib, c.inputs), c.want));

  it("uses the previous day's build bytes per raw byte when there is one", () => {
    const hour = [input('00', 64 * 1024 * 1024)]; // 64 MiB of raw Parquet in the largest hour, budget 1 GiB
    assert.equal(planShards('auto', gib, hour), 8); // 64 MiB x 16 / 144 MiB
    assert.equal(planShards('auto', gib, hour, { buildBytesPerRawByte: 48 }), 22); // a high-cardinality fleet
    assert.equal(planShards('auto', gib, hour, { buildBytesPerRawByte: 2 }), 1);
    assert.equal(planShards(3, gib, hour, { buildBytesPerRawByte: 48 }), 3); // a declared count still wins
  });

  it('plans the shards of a day like its history so that no segment is split, its shards up to 4/3 of the mean', () => {
    // a day whose build memory per raw byte is its history's: the groups of a segment are the largest hour's base
    // records (the measured bytes per group, 4,096) over the shards, times how much larger than the mean its shard is
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 34 }), // raw bytes of the largest hour
        fc.double({ min: 0.5, max: 200, noNaN: true }), // build bytes per raw byte
        fc.integer({ min: 64 * 1024 * 1024, max: 16 * gib }), // budget
        fc.double({ min: 1, max: 4 / 3, noNaN: true }), // the shard's size over the mean
        (bytes, perRawByte, memory, imbalance) => {
          const shards = planShards('auto', memory, [input('07', bytes)], { buildBytesPerRawByte: perRawByte });
          if (shards === maxAutoShards) return; // capped: parts take the rest
          const groups = Math.floor(((bytes * perRawByte) / buildBytesPerGroup / shards) * imbalance);
          assert.equal(planParts([groups], buildBytesPerGroup, memory), 1);
        },
      ),
    );
  });
});

describe('shardHistoryOf', () => {
  const manifestOf = (inputs: { size: number; late?: true }[], rows: number[]) =>
    ({
      inputs: inputs.map((i, n) => ({ key: `raw/dt=2026-11-24/hr=00/f${n}.parquet`, ...i })),
      segments: {
        partitionDimension: 'cluster',
        shards: 1,
        hash: 'fnv1a32-fmix32',
        list: rows.map((r) => ({ rows: r })),
      },
    }) as unknown as Manifest; // only the fields the history reads

  it('is the base records x 4,096 bytes over the own raw bytes (late objects left out)', () => {
    const m = manifestOf([{ size: 1000 }, { size: 3000 }, { size: 5000, late: true }], [10, 30]);
    assert.deepEqual(shardHistoryOf(m), { buildBytesPerRawByte: (40 * 4096) / 4000 });
  });
  it('is undefined for a day without raw bytes or records', () => {
    assert.equal(shardHistoryOf(manifestOf([], [])), undefined);
    assert.equal(shardHistoryOf(manifestOf([{ size: 10 }], [0])), undefined);
  });
});

describe('dayUnitsAtOnce', () => {
  const GiB = 1024 ** 3;
  it('builds as many day units at once as half the budget holds at their peak, at least one', () => {
    // the 50M-row day's parts (~278,000 hour records of ~11,600 day records): 417 MB at their peak
    const part = dayUnitBytes({ hour: 278_000, day: 11_584 }, dayUnitPeakBytesPerRecord, dayUnitPeakBytesPerDayRecord);
    assert.equal(part, 417_000_000);
    assert.equal(dayUnitsAtOnce(part, GiB, 2), 1);
    assert.equal(dayUnitsAtOnce(part, 4 * GiB, 2), 2);
    assert.equal(dayUnitsAtOnce(part, 4 * GiB, 8), 5); // 2 GiB / 417 MB
    assert.equal(dayUnitsAtOnce(15_000_000, GiB, 2), 2); // as many as the threads
    assert.equal(dayUnitsAtOnce(7_500_000_000, 256 * 1024 ** 2, 2), 1); // never none
    assert.equal(dayUnitsAtOnce(0, GiB, 3), 3);
    assert.equal(dayUnitsAtOnce(15_000_000, GiB, 0), 1); // no thread: one, on the main thread
  });
});

describe('dayShardRecords', () => {
  it("counts day records by the segments' day-key sketches, at most the hour records", () => {
    // 24 hours of 1,000 series each: the same series every hour, or new ones every hour
    const sketch = (first: number, n: number): string => {
      const topics = Array.from({ length: n }, (_, i) => `t${first + i}`);
      const keys = Int32Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? 0 : (i - 1) / 2));
      return dayKeySketch(
        [topics],
        [0],
        keys,
        2,
        Int32Array.from({ length: n }, (_, r) => r),
      ).toString();
    };
    const same = Array.from({ length: 24 }, (_, hour) => ({ hour, rows: 1000, dayKeys: sketch(0, 1000) }));
    const churn = Array.from({ length: 24 }, (_, hour) => ({ hour, rows: 1000, dayKeys: sketch(hour * 1000, 1000) }));
    const near = (got: number, want: number) => assert.ok(Math.abs(got - want) <= 0.3 * want, `${got} vs ${want}`);
    near(dayShardRecords(same).day, 1000);
    near(dayShardRecords(churn).day, 24_000);
    assert.ok(dayShardRecords(churn).day <= 24_000);
    // one segment without a sketch (an older manifest): the estimate from the hours alone
    const older = churn.map((s, i) => (i === 3 ? { hour: s.hour, rows: s.rows } : s));
    assert.deepEqual(dayShardRecords(older), { hour: 24_000, day: 1000 });
    // an empty segment needs none
    near(dayShardRecords([...churn, { hour: 0, rows: 0 }]).day, 24_000);
  });

  it('estimates day records as the hour records over the hours that hold any, without sketches', () => {
    // the same series in every hour: one day record each
    const everyHour = Array.from({ length: 24 }, (_, hour) => ({ hour, rows: 1000 }));
    assert.deepEqual(dayShardRecords(everyHour), { hour: 24_000, day: 1000 });
    // every series in one hour (empty hours aside): each hour record its own day record
    assert.deepEqual(
      dayShardRecords([
        { hour: 5, rows: 300 },
        { hour: 5, rows: 200 },
        { hour: 6, rows: 0 },
      ]),
      {
        hour: 500,
        day: 500,
      },
    );
    assert.deepEqual(dayShardRecords([]), { hour: 0, day: 0 });
  });

  it('plans a unit at the larger of its hour records read and its day records built', () => {
    assert.equal(dayUnitBytes({ hour: 24_000, day: 1000 }, 600, buildBytesPerGroup), 24_000 * 600);
    assert.equal(dayUnitBytes({ hour: 500, day: 500 }, 600, buildBytesPerGroup), 500 * buildBytesPerGroup);
  });

  it('splits a day shard of one-hour series into parts by its day records, not a day of full series', () => {
    const MiB = 1024 ** 2;
    const parts = (segments: { hour: number; rows: number }[], memory: number) =>
      planParts([dayUnitBytes(dayShardRecords(segments), 600, buildBytesPerGroup)], 1, memory);
    // 1.5M series in hour 05: 5 parts planned by the records read alone, 31 by the star-trees built
    assert.equal(parts([{ hour: 5, rows: 1_500_000 }], 1024 * MiB), 31);
    // the 50M-row day's one shard (833,352 hour records of 34,723 series): 3 parts as before
    const fullDay = Array.from({ length: 24 }, (_, hour) => ({ hour, rows: 34_723 }));
    assert.equal(parts(fullDay, 1024 * MiB), 3);
  });
});

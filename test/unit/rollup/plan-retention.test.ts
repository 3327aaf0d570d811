import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { planRetention, type RetentionCandidate } from '../../../src/rollup/plan-retention.js';
import { hashJobConfig, parseJobConfig } from '../../../src/config/load-job-config.js';
import { readFile } from 'node:fs/promises';

const at = (iso: string): number => Date.parse(iso);

describe('planRetention (pure, clock passed in)', () => {
  const candidates: RetentionCandidate[] = [
    { tier: 'day', date: '2026-11-10' },
    { tier: 'hour', date: '2026-11-17' },
    { tier: 'hour', date: '2026-11-16' },
    { tier: 'raw', date: '2026-11-16', rolledUp: true },
    { tier: 'raw', date: '2026-11-15', rolledUp: false },
  ];

  it('deletes a partition once its whole day is older than its tier retention, and nothing else', () => {
    // hour tier 7 days: day 2026-11-16 ends 11-17 00:00 and is deleted from 11-24 00:00 on, not a millisecond before
    const before = planRetention(candidates, { hour: 7 }, at('2026-11-23T23:59:59.999Z'));
    assert.deepEqual(
      before.filter((d) => d.kind === 'delete'),
      [],
    );
    const onTime = planRetention(candidates, { hour: 7 }, at('2026-11-24T00:00:00Z'));
    assert.deepEqual(onTime, [
      {
        kind: 'keep',
        tier: 'raw',
        date: '2026-11-15',
        because: 'no-retention',
        reason: 'no retention declared for the raw tier',
      },
      {
        kind: 'keep',
        tier: 'raw',
        date: '2026-11-16',
        because: 'no-retention',
        reason: 'no retention declared for the raw tier',
      },
      { kind: 'delete', tier: 'hour', date: '2026-11-16', ageDays: 7, retentionDays: 7 },
      { kind: 'keep', tier: 'hour', date: '2026-11-17', because: 'younger', reason: 'younger than 7 days' },
      {
        kind: 'keep',
        tier: 'day',
        date: '2026-11-10',
        because: 'no-retention',
        reason: 'no retention declared for the day tier',
      },
    ]);
  });

  it('keeps a folder that is no partition day (Date.parse reads 2026-02-30 as March 2nd), never ages it', () => {
    const strays: RetentionCandidate[] = ['2026-02-30', '2026-11-30x', '1969-12-31'].map((date) => ({
      tier: 'hour',
      date,
    }));
    assert.deepEqual(
      planRetention(strays, { hour: 1 }, at('2030-01-01T00:00:00Z')).map((d) => [
        d.date,
        d.kind,
        'because' in d && d.because,
      ]),
      [
        ['1969-12-31', 'keep', 'not-a-date'],
        ['2026-02-30', 'keep', 'not-a-date'],
        ['2026-11-30x', 'keep', 'not-a-date'],
      ],
    );
  });

  it('deletes raw only when declared, and only days whose hour tier is committed', () => {
    const d = planRetention(candidates, { raw: 3 }, at('2026-12-01T00:00:00Z'));
    assert.deepEqual(
      d.filter((x) => x.tier === 'raw'),
      [
        {
          kind: 'keep',
          tier: 'raw',
          date: '2026-11-15',
          because: 'not-rolled-up',
          reason: 'raw day past its age but never rolled up: kept until its hour tier is committed',
        },
        { kind: 'delete', tier: 'raw', date: '2026-11-16', ageDays: 14, retentionDays: 3 },
      ],
    );
  });

  it('keeps raw that outlived its hour partition (hour retention shorter than raw), saying why', () => {
    const d = planRetention(
      [{ tier: 'raw', date: '2026-11-16', rolledUp: false }],
      { raw: 30, hour: 14 },
      at('2026-12-31'),
    );
    assert.deepEqual(d, [
      {
        kind: 'keep',
        tier: 'raw',
        date: '2026-11-16',
        because: 'not-rolled-up',
        reason:
          "raw day past its age, but its hour partition is gone (the hour tier's retention, 14 days, is shorter than " +
          "raw's, 30): nothing shows every object was rolled up, so it is kept; keep raw at most 14 days",
      },
    ]);
    // while the hour tier's retention has not passed, a day without an hour partition was never rolled up
    const never = planRetention(
      [{ tier: 'raw', date: '2026-11-16', rolledUp: false }],
      { raw: 3, hour: 14 },
      at('2026-11-25'),
    );
    assert.equal(
      never[0]!.kind === 'keep' && never[0]!.reason,
      'raw day past its age but never rolled up: kept until its hour tier is committed',
    );
  });

  it('keeps a rolled-up raw day while some of its objects are not rolled up as they are now, naming them', () => {
    const late = (n: number) => `raw/dt=2026-11-16/hr=05/late-${n}.parquet`;
    const pending = (keys: string[]) =>
      planRetention(
        [{ tier: 'raw', date: '2026-11-16', rolledUp: true, notRolledUp: keys }],
        { raw: 3 },
        at('2026-12-01'),
      );
    assert.deepEqual(pending([late(1)]), [
      {
        kind: 'keep',
        tier: 'raw',
        date: '2026-11-16',
        because: 'not-rolled-up',
        reason:
          `raw day past its age, but 1 of its objects are not rolled up as they are now (${late(1)}): ` +
          'kept until `run --date 2026-11-16` reads them',
      },
    ]);
    const four = pending([1, 2, 3, 4].map(late))[0]!;
    assert.ok(
      four.kind === 'keep' &&
        four.reason.includes(
          `4 of its objects are not rolled up as they are now (${late(1)}, ${late(2)}, ${late(3)}, ...)`,
        ),
    );
    assert.equal(pending([])[0]!.kind, 'delete');
    const previousRun = planRetention(
      [
        {
          tier: 'raw',
          date: '2026-11-16',
          rolledUp: true,
          notRolledUp: [],
          lateNotRead: [{ date: '2026-11-15', keys: ['raw/dt=2026-11-16/hr=00/x.parquet'] }],
        },
      ],
      { raw: 3 },
      at('2026-12-01'),
    )[0]!;
    assert.equal(
      previousRun.kind === 'keep' && previousRun.reason,
      'raw day past its age, but 1 late objects are not read by the run of 2026-11-15 as they are now ' +
        '(raw/dt=2026-11-16/hr=00/x.parquet): kept until `run --date 2026-11-15` reads them',
    );
  });

  it('keeps an hour partition whose rows the day tier does not hold, until the day tier is past its own age', () => {
    const hours: RetentionCandidate[] = [
      { tier: 'hour', date: '2026-11-10', dayTier: 'stale' },
      { tier: 'hour', date: '2026-11-11', dayTier: 'missing' },
      { tier: 'hour', date: '2026-11-12' },
    ];
    const d = planRetention(hours, { hour: 2, day: 30 }, at('2026-11-20T00:00:00Z'));
    assert.deepEqual(
      d.map((x) => [x.date, x.kind === 'keep' ? x.because : 'delete']),
      [
        ['2026-11-10', 'day-tier-behind'],
        ['2026-11-11', 'day-tier-behind'],
        ['2026-11-12', 'delete'],
      ],
    );
    const stale = d[0]!;
    assert.ok(stale.kind === 'keep');
    assert.match(stale.reason, /day tier was built before hours of the day were rebuilt/);
    assert.match(stale.reason, /`run --date 2026-11-10` rebuilds the day tier/);
    const missing = d[1]!;
    assert.ok(missing.kind === 'keep');
    assert.match(missing.reason, /never built from it: deleting it would lose the day/);
    // no day retention: the day tier is kept forever, and so is what it lacks
    assert.equal(planRetention(hours, { hour: 2 }, at('2027-11-20T00:00:00Z'))[0]!.kind, 'keep');
    // the day tier itself past its age (day 2026-11-10 with 5 days: from 11-16 on): nothing is lost by deleting both
    assert.deepEqual(
      planRetention(hours, { hour: 2, day: 5 }, at('2026-11-16T00:00:00Z')).map((x) => [x.date, x.kind]),
      [
        ['2026-11-10', 'delete'],
        ['2026-11-11', 'keep'],
        ['2026-11-12', 'delete'],
      ],
    );
  });

  it('keeps a raw day whose hour tier is a partial day (built by run --hour only) until its plain run', () => {
    const [partial, whole] = planRetention(
      [
        { tier: 'raw', date: '2026-11-10', rolledUp: true, notRolledUp: [], partialDay: true },
        { tier: 'raw', date: '2026-11-11', rolledUp: true, notRolledUp: [] },
      ],
      { raw: 1 },
      at('2026-11-20T00:00:00Z'),
    );
    assert.ok(partial?.kind === 'keep' && partial.because === 'not-rolled-up');
    assert.match(
      partial.reason,
      /its hour tier is a partial day, built by `run --hour` runs only: kept until its plain run/,
    );
    assert.equal(whole?.kind, 'delete');
  });

  it('never deletes a partition younger than its retention, whatever the clock and policy (property)', () => {
    const dayMs = 86_400_000;
    const start = at('2026-01-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            tier: fc.constantFrom('raw' as const, 'hour' as const, 'day' as const),
            day: fc.integer({ min: 0, max: 400 }),
            rolledUp: fc.boolean(),
          }),
          { maxLength: 30 },
        ),
        fc.record({
          raw: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
          hour: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
          day: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
        }),
        fc.integer({ min: 0, max: 500 * dayMs }),
        (cs, policy, offset) => {
          const now = start + offset;
          const unique = new Map(
            cs.map((c) => [
              `${c.tier} ${c.day}`,
              { tier: c.tier, date: new Date(start + c.day * dayMs).toISOString().slice(0, 10), rolledUp: c.rolledUp },
            ]),
          );
          const input = [...unique.values()];
          const decisions = planRetention(input, policy, now);
          assert.equal(decisions.length, input.length);
          for (const d of decisions) {
            const c = input.find((x) => x.tier === d.tier && x.date === d.date)!;
            const days = policy[d.tier];
            const due =
              days !== undefined &&
              now >= Date.parse(`${d.date}T00:00:00Z`) + (days + 1) * dayMs &&
              (d.tier !== 'raw' || c.rolledUp);
            assert.equal(d.kind, due ? 'delete' : 'keep', JSON.stringify({ d, days, now: new Date(now) }));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('retentionDays in the job config', () => {
  it('is optional per tier and for raw, validated, and left out of the config hash (it does not change what partitions hold)', async () => {
    const json = JSON.parse(await readFile(new URL('../../../../jobs/default-job.json', import.meta.url), 'utf8')) as {
      raw: Record<string, unknown>;
      output: { tiers: Record<string, unknown>[] };
    };
    const plain = parseJobConfig(structuredClone(json), 'default');
    json.raw.retentionDays = 30;
    json.output.tiers[0]!.retentionDays = 14;
    json.output.tiers[1]!.retentionDays = 400;
    const kept = parseJobConfig(structuredClone(json), 'with retention');
    assert.equal(kept.raw.retentionDays, 30);
    assert.deepEqual(
      kept.output.tiers.map((t) => t.retentionDays),
      [14, 400],
    );
    assert.equal(hashJobConfig(kept), hashJobConfig(plain));
    json.output.tiers[0]!.retentionDays = 0;
    assert.throws(() => parseJobConfig(json, 'bad'), /output\.tiers\.0\.retentionDays/);
  });
});

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { it } from 'node:test';
import { runQuery, type Query } from '../../src/query/run-query.js';
import { goodRawSql } from '../helpers/bad-raw-day.js';
import { openOracle, sqlString } from '../helpers/duckdb.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { withRolledUpDay } from '../helpers/rolled-up-day.js';

it('distribution quantiles are within 1% of the exact rank value and distinct counts within 3 standard errors, across tiers', async () => {
  await withRolledUpDay(
    'sketch-kinds',
    { rows: 200_000, seed: 13, workers: 0 },
    async ({ dir, store, config, date, db }) => {
      const raw = sqlString(`${dir}/raw/dt=${date}/*/*.parquet`);
      const inDay = `timestamp::TIMESTAMP >= DATE '${date}' AND timestamp::TIMESTAMP < DATE '${date}' + INTERVAL 1 DAY AND value IS NOT NULL AND NOT isnan(value)`;
      const base = { fromMs: Date.UTC(2026, 10, 24), toMs: Date.UTC(2026, 10, 25), where: {}, whereNot: {} };
      let compared = 0;
      for (const q of [0.5, 0.9, 0.95, 0.99]) {
        const agg = `p${Math.round(q * 100)}` as Query['agg'];
        const ours = await runQuery(store, config.output.prefix, config.cube!, {
          ...base,
          metric: 'request_latency_ms',
          kind: 'distribution',
          grain: 'hour',
          groupBy: ['broker'],
          agg,
        });
        const exact =
          await db.rows(`SELECT strftime(date_trunc('hour', timestamp::TIMESTAMP), '%Y-%m-%dT%H:%M:%S.000Z') AS time, broker,
          list_sort(list(value))[floor(${q} * (count(*) - 1))::BIGINT + 1] AS value
        FROM read_parquet(${raw}) WHERE metric = 'request_latency_ms' AND ${inDay} GROUP BY ALL`);
        const want = new Map(exact.map((r) => [`${String(r.time)} ${String(r.broker)}`, Number(r.value)]));
        assert.equal(ours.rows.length, want.size);
        for (const r of ours.rows) {
          const w = want.get(`${r.time} ${r.groups[0]}`)!;
          assert.ok(
            Math.abs(r.value - w) <= 0.01 * w + 1e-12,
            `${agg} ${r.time} ${r.groups[0]}: ${r.value} vs exact ${w}`,
          );
          compared++;
        }
      }
      assert.ok(compared > 100);
      for (const grain of ['hour', 'day'] as const) {
        const ours = await runQuery(store, config.output.prefix, config.cube!, {
          ...base,
          metric: 'partition_online',
          kind: 'distinct',
          grain,
          groupBy: ['tenant'],
          agg: 'distinct',
        });
        if (grain === 'day') assert.equal(ours.explain.days[0]!.tier, 'day');
        const exact =
          await db.rows(`SELECT tenant, ${grain === 'hour' ? `strftime(date_trunc('hour', timestamp::TIMESTAMP), '%Y-%m-%dT%H:%M:%S.000Z')` : `'2026-11-24T00:00:00.000Z'`} AS time,
          count(DISTINCT (topic, partition)) AS n FROM read_parquet(${raw}) WHERE metric = 'partition_online' AND ${inDay} GROUP BY ALL`);
        const want = new Map(exact.map((r) => [`${String(r.time)} ${String(r.tenant)}`, Number(r.n)]));
        assert.equal(ours.rows.length, want.size);
        for (const r of ours.rows) {
          const n = want.get(`${r.time} ${r.groups[0]}`)!;
          assert.ok(Math.abs(r.value - n) <= 3 * 0.0163 * n + 0.5, `${grain} ${r.groups[0]}: ${r.value} vs exact ${n}`);
        }
      }
    },
  );
});

it('an answer that needs a sketch or an increase its records lack (the metric was of another kind when built) is refused', async () => {
  await withRolledUpDay('kind-changed', { rows: 20_000, seed: 5, workers: 0 }, async ({ store, config }) => {
    const base = {
      fromMs: Date.UTC(2026, 10, 24, 10),
      toMs: Date.UTC(2026, 10, 24, 12),
      grain: 'hour' as const,
      where: {},
      whereNot: {},
    };
    const asked: [string, Query['kind'], Query['agg'], Query['groupBy']][] = [
      ['fetch_requests', 'distinct', 'distinct', []],
      ['retained_bytes', 'distribution', 'p90', ['cluster']],
      ['cpu_usage', 'cumulative', 'increase', []], // answered from the manifests' totals: not a counter's either
      ['cpu_usage', 'cumulative', 'increase', ['broker']],
    ];
    for (const [metric, kind, agg, groupBy] of asked)
      await assert.rejects(
        runQuery(store, config.output.prefix, config.cube!, { ...base, metric, kind, agg, groupBy }),
        (e: Error) =>
          e.name === 'QueryError' &&
          e.message.includes(
            `query ${agg} of '${metric}': its records of 2026-11-24T10:00:00.000Z hold no ` +
              `${{ distinct: 'distinct sketch', increase: "counter's increase" }[agg as string] ?? 'quantile sketch'}: `,
          ) &&
          e.message.includes(`was built when '${metric}' was of another kind than ${kind}`) &&
          e.message.includes('run --date 2026-11-24 --force'),
      );
    // the kinds they were built as still answer
    const ok = await runQuery(store, config.output.prefix, config.cube!, {
      ...base,
      metric: 'bytes_in_total',
      kind: 'cumulative',
      agg: 'increase',
      groupBy: [],
    });
    assert.equal(ok.rows.length, 2);
    assert.ok(ok.rows.every((r) => Number.isFinite(r.value) && r.value >= 0));
  });
});

it('a one-shot query (the CLI) never answers a percentile outside [min, max]: the first rank is min exactly', async () => {
  const dir = await makeTempDir('percentile-bounds');
  const db = await openOracle();
  try {
    // broker-0: {1, 100} in hour 05; broker-1: {2.0098, 2.01, 2.012}; one series each
    await mkdir(`${dir.path}/raw/dt=2026-11-24/hr=05`, { recursive: true });
    const values = 'CASE i WHEN 0 THEN 1 WHEN 1 THEN 100 WHEN 2 THEN 2.0098 WHEN 3 THEN 2.01 ELSE 2.012 END::DOUBLE';
    const select = goodRawSql(5, {
      metric: `'request_latency_ms'`,
      value: values,
      broker: `CASE WHEN i < 2 THEN 'broker-0' ELSE 'broker-1' END`,
    });
    await db.run(
      `COPY (${select}) TO ${sqlString(`${dir.path}/raw/dt=2026-11-24/hr=05/part-0.parquet`)} (FORMAT parquet)`,
    );
    const run = await runCli(['run', '--date', '2026-11-24', '--store', dir.path]);
    assert.equal(run.code, 0, run.stderr);
    const answer = async (agg: string): Promise<number[]> => {
      const args = [
        'query',
        '--metric',
        'request_latency_ms',
        '--from',
        '2026-11-24T05:00Z',
        '--to',
        '2026-11-24T06:00Z',
      ];
      const r = await runCli([...args, '--group-by', 'broker', '--agg', agg, '--format', 'json', '--store', dir.path]);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { value: number }[]).map((row) => row.value);
    };
    assert.deepEqual(await answer('min'), [1, 2.0098]);
    for (const agg of ['p50', 'p90', 'p99']) {
      const [b0, b1] = await answer(agg);
      assert.equal(b0, 1, `${agg} of {1, 100}: rank 0 is the min`);
      assert.ok(b1! >= 2.0098 && b1! <= 2.012, `${agg} of {2.0098, 2.01, 2.012}: ${b1} outside [min, max]`);
    }
  } finally {
    db.close();
    await dir.remove();
  }
});

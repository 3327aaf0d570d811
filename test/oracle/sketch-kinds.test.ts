import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runQuery, type Query } from '../../src/query/run-query.js';
import { sqlString } from '../helpers/duckdb.js';
import { withRolledUpDay } from '../helpers/rolled-up-day.js';

it('distribution quantiles are within 1% of the exact rank value and distinct counts within 3 standard errors, across tiers', async () => {
  await withRolledUpDay(
    'sketch-kinds',
    { rows: 200_000, seed: 13, workers: 2 },
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

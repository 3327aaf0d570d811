import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sqlString } from '../helpers/duckdb.js';
import { withRolledUpDay } from '../helpers/rolled-up-day.js';

it("a cumulative counter's hourly increase, with counter resets, equals DuckDB's window-function increase per series", async () => {
  await withRolledUpDay(
    'cumulative',
    { rows: 150_000, seed: 77, workers: 0 },
    async ({ dir, date, db, manifest: m }) => {
      const series = 'region, tenant, cluster, broker';
      const [r] = await db.rows(`
      WITH raw AS (SELECT timestamp::TIMESTAMP AS t, value, ${series} FROM read_parquet(${sqlString(`${dir}/raw/dt=${date}/*/*.parquet`)})
                   WHERE metric = 'bytes_in_total' AND value IS NOT NULL AND NOT isnan(value)
                     AND timestamp::TIMESTAMP >= DATE '${date}' AND timestamp::TIMESTAMP < DATE '${date}' + INTERVAL 1 DAY),
      s AS (SELECT date_trunc('hour', t) AS hour, ${series}, value, lag(value) OVER (PARTITION BY date_trunc('hour', t), ${series} ORDER BY t, value) AS prev FROM raw),
      e AS (SELECT hour, ${series}, sum(CASE WHEN prev IS NULL THEN 0 WHEN value >= prev THEN value - prev ELSE value END) AS inc,
                   count(*) FILTER (WHERE value < prev) AS resets FROM s GROUP BY ALL),
      a AS (SELECT hour::TIMESTAMP AS hour, ${series}, increase FROM read_parquet([${m.outputs.map((o) => sqlString(`${dir}/${o.key}`)).join(', ')}]) WHERE metric = 'bytes_in_total')
      SELECT count(*) AS groups, sum(e.resets) AS resets, count(a.increase) AS matched,
             count(*) FILTER (WHERE abs(a.increase - e.inc) > 1e-9 * greatest(abs(e.inc), 1)) AS mismatches
      FROM e LEFT JOIN a USING (hour, ${series})`);
      assert.ok(Number(r!.groups) > 100, `${String(r!.groups)} series-hours`);
      assert.ok(Number(r!.resets) > 0, 'the sample day has counter resets');
      assert.equal(Number(r!.matched), Number(r!.groups));
      assert.equal(Number(r!.mismatches), 0);
      const [other] = await db.rows(
        `SELECT count(*) FILTER (WHERE increase IS NOT NULL) AS n FROM read_parquet([${m.outputs.map((o) => sqlString(`${dir}/${o.key}`)).join(', ')}]) WHERE metric <> 'bytes_in_total'`,
      );
      assert.equal(Number(other!.n), 0, 'increase is null for every other kind');
    },
  );
});

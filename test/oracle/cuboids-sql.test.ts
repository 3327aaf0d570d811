import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runQuery } from '../../src/query/run-query.js';
import { sqlString } from '../helpers/duckdb.js';
import { withRolledUpDay } from '../helpers/rolled-up-day.js';

it('every declared cuboid, read by DuckDB filtering on grouping_id, equals DuckDB on the raw Parquet and our query engine', async () => {
  await withRolledUpDay(
    'cuboids',
    { rows: 200_000, seed: 33, workers: 0, configure: (c) => ({ ...c, cube: { ...c.cube!, maxLeafRecords: 8 } }) },
    async ({ dir, store, config, date, db, manifest }) => {
      const cube = manifest.cube!;
      assert.equal(cube.cuboids.length, 4);
      const files = `[${cube.cuboidFiles.map((f) => sqlString(`${dir}/${f.key}`)).join(', ')}]`;
      const raw = sqlString(`${dir}/raw/dt=${date}/*/*.parquet`);
      for (const c of cube.cuboids) {
        const dims = c.dimensions.filter((d) => d !== 'metric');
        const cols = ['hour', 'metric', ...dims].join(', ');
        const [diff] = await db.rows(`
        WITH a AS (SELECT hour::TIMESTAMP AS hour, metric, ${dims.join(', ')}, count, sum, min, max FROM read_parquet(${files}) WHERE grouping_id = ${c.groupingId}),
        e AS (SELECT date_trunc('hour', timestamp::TIMESTAMP) AS hour, metric, ${dims.map((d) => `${d}::VARCHAR AS ${d}`).join(', ')},
                     count(*) AS count, sum(value) AS sum, min(value) AS min, max(value) AS max
              FROM read_parquet(${raw}) WHERE value IS NOT NULL AND NOT isnan(value)
                AND timestamp::TIMESTAMP >= DATE '${date}' AND timestamp::TIMESTAMP < DATE '${date}' + INTERVAL 1 DAY GROUP BY ALL)
        SELECT (SELECT count(*) FROM a) AS actual, (SELECT count(*) FROM e) AS expected,
               count(*) FILTER (WHERE a.count IS NULL OR e.count IS NULL OR a.count <> e.count OR a.min <> e.min OR a.max <> e.max
                                OR abs(a.sum - e.sum) > 1e-9 * greatest(abs(e.sum), 1)) AS mismatches
        FROM a FULL OUTER JOIN e ON ${['hour', 'metric', ...dims].map((k) => `a.${k} IS NOT DISTINCT FROM e.${k}`).join(' AND ')}`);
        assert.equal(Number(diff!.mismatches), 0, `cuboid ${c.name} (${cols})`);
        assert.equal(Number(diff!.actual), c.rows);
        assert.equal(Number(diff!.actual), Number(diff!.expected));
        const ours = await runQuery(store, config.output.prefix, config.cube!, {
          metric: 'received_bytes',
          kind: 'delta',
          fromMs: Date.UTC(2026, 10, 24),
          toMs: Date.UTC(2026, 10, 25),
          grain: 'hour',
          groupBy: dims,
          where: {},
          whereNot: {},
          agg: 'sum',
        });
        const sql =
          await db.rows(`SELECT strftime(hour::TIMESTAMP, '%Y-%m-%dT%H:%M:%S.000Z') AS time, ${dims.join(', ')}, sum AS value FROM read_parquet(${files})
        WHERE grouping_id = ${c.groupingId} AND metric = 'received_bytes' ORDER BY time, ${dims.map((d) => `${d} NULLS LAST`).join(', ')}`);
        assert.equal(ours.rows.length, sql.length, c.name);
        ours.rows.forEach((r, i) => {
          assert.deepEqual([r.time, ...r.groups], [sql[i]!.time, ...dims.map((d) => sql[i]![d] ?? null)]);
          assert.ok(Math.abs(r.value - Number(sql[i]!.value)) <= 1e-9 * Math.max(1, r.value));
        });
      }
    },
  );
});

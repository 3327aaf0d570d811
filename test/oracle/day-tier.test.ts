import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runQuery } from '../../src/query/run-query.js';
import type { Manifest } from '../../src/partition/manifest.js';
import { sqlString } from '../helpers/duckdb.js';
import { withRolledUpDay } from '../helpers/rolled-up-day.js';
import { overlappingStore } from '../helpers/overlapping-store.js';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { configHashesOf, hashJobConfig } from '../../src/config/load-job-config.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { listDimensionValues } from '../../src/query/list-dimension-values.js';
import { listPartitions } from '../../src/rollup/list-partitions.js';
import { verifyPartition } from '../../src/partition/verify-partition.js';
import { readManifestState } from '../../src/partition/committed-manifest.js';

it('the day tier built from hour records equals the day computed from raw rows, on both axes, without the dropped dimension', async () => {
  await withRolledUpDay(
    'day-tier',
    { rows: 120_000, seed: 91, workers: 0 },
    async ({ dir, store, config, date, result, db }) => {
      assert.deepEqual(config.output.tiers.find((t) => t.grain === 'day')?.dropDimensions, ['partition']);
      assert.equal(result.dayTier?.outcome, 'committed');
      const m = JSON.parse(new TextDecoder().decode(await store.get(result.dayTier!.manifestKey))) as Manifest;
      assert.deepEqual(m.dimensions, ['region', 'tenant', 'cluster', 'broker', 'topic']);
      // the day tier reads hour records, not raw rows (data-contract: rows)
      const hour = JSON.parse(new TextDecoder().decode(await store.get(result.manifestKey))) as Manifest;
      assert.deepEqual(
        { in: m.rows.in, late: m.rows.late, routed: m.rows.routed, accepted: m.rows.accepted },
        { in: hour.rows.out, late: 0, routed: 0, accepted: hour.rows.accepted },
      );
      assert.ok(Object.values(m.rows.rejected).every((n) => n === 0));
      const kept = 'metric, region, tenant, cluster, broker, topic';
      const [r] = await db.rows(`
      WITH raw AS (SELECT timestamp::TIMESTAMP AS t, value, metric, region, tenant, cluster, broker, topic, partition::VARCHAR AS partition
                   FROM read_parquet(${sqlString(`${dir}/raw/dt=*/*/*.parquet`)})
                   WHERE value IS NOT NULL AND NOT isnan(value) AND timestamp::TIMESTAMP >= DATE '${date}' AND timestamp::TIMESTAMP < DATE '${date}' + INTERVAL 1 DAY),
      steps AS (SELECT *, lag(value) OVER (PARTITION BY ${kept}, partition ORDER BY t, value) AS prev FROM raw),
      series AS (SELECT ${kept}, partition, count(*) AS count, sum(value) AS sum, min(value) AS min, max(value) AS max,
                        max({'t': t, 'v': value}).v AS last,
                        sum(CASE WHEN prev IS NULL THEN 0 WHEN value >= prev THEN value - prev ELSE value END) AS increase
                 FROM steps GROUP BY ALL),
      e AS (SELECT ${kept}, sum(count) AS count, sum(sum) AS sum, min(min) AS min, max(max) AS max, sum(last) AS last_sum, sum(increase) AS increase
            FROM series GROUP BY ALL),
      a AS (SELECT * FROM read_parquet([${m.outputs.map((o) => sqlString(`${dir}/${o.key}`)).join(', ')}]))
      SELECT (SELECT count(*) FROM e) AS expected, (SELECT count(*) FROM a) AS actual,
        count(*) FILTER (WHERE a.count IS NULL OR e.count IS NULL OR a.count <> e.count OR a.min <> e.min OR a.max <> e.max) AS exact_diff,
        count(*) FILTER (WHERE abs(a.sum - e.sum) > 1e-9 * greatest(abs(e.sum), 1) OR abs(a.last_sum - e.last_sum) > 1e-9 * greatest(abs(e.last_sum), 1)) AS sum_diff,
        count(*) FILTER (WHERE e.metric = 'bytes_in_total' AND abs(a.increase - e.increase) > 1e-9 * greatest(abs(e.increase), 1)) AS increase_diff,
        count(*) FILTER (WHERE e.metric = 'bytes_in_total') AS counters
      FROM e FULL OUTER JOIN a ON ${kept
        .split(', ')
        .map((c) => `e.${c} IS NOT DISTINCT FROM a.${c}`)
        .join(' AND ')}`);
      assert.equal(Number(r!.actual), Number(r!.expected));
      assert.ok(Number(r!.counters) > 0);
      assert.deepEqual([Number(r!.exact_diff), Number(r!.sum_diff), Number(r!.increase_diff)], [0, 0, 0]);

      const storage = await runQuery(store, config.output.prefix, config.cube!, {
        metric: 'retained_bytes',
        kind: 'gauge',
        fromMs: Date.UTC(2026, 10, 24),
        toMs: Date.UTC(2026, 10, 25),
        grain: 'day',
        groupBy: ['cluster'],
        where: {},
        whereNot: {},
        agg: 'last',
      });
      assert.equal(storage.explain.days[0]!.tier, 'day');
      const expected = await db.rows(`
      WITH raw AS (SELECT timestamp::TIMESTAMP AS t, value, cluster, topic, partition FROM read_parquet(${sqlString(`${dir}/raw/dt=*/*/*.parquet`)})
                   WHERE metric = 'retained_bytes' AND value IS NOT NULL AND NOT isnan(value) AND timestamp::TIMESTAMP >= DATE '${date}' AND timestamp::TIMESTAMP < DATE '${date}' + INTERVAL 1 DAY)
      SELECT cluster, sum(last) AS value FROM (SELECT cluster, topic, partition, max({'t': t, 'v': value}).v AS last FROM raw GROUP BY ALL) GROUP BY cluster ORDER BY cluster`);
      assert.deepEqual(
        storage.rows.map((x) => x.groups[0]),
        expected.map((x) => x.cluster),
      );
      storage.rows.forEach((x, i) =>
        assert.ok(Math.abs(x.value - Number(expected[i]!.value)) <= 1e-9 * Number(expected[i]!.value)),
      );
      // a range that starts and ends within the day's first and last hours reads every hour of it: the same day
      const within = await runQuery(store, config.output.prefix, config.cube!, {
        metric: 'retained_bytes',
        kind: 'gauge',
        fromMs: Date.UTC(2026, 10, 23, 23, 30),
        toMs: Date.UTC(2026, 10, 24, 23, 30),
        grain: 'day',
        groupBy: ['cluster'],
        where: {},
        whereNot: {},
        agg: 'last',
      });
      assert.equal(within.explain.days.at(-1)?.tier, 'day');
      assert.deepEqual(within.rows, storage.rows);
    },
  );
});

it('over a store of round trips (reads overlapped, finishing out of order) the day tier, values, ls and verify come out the same', async () => {
  await withRolledUpDay(
    'day-tier-ahead',
    { rows: 20_000, seed: 92, workers: 0 },
    async ({ dir, store, config, date, result }) => {
      const remote = overlappingStore(store, 11);
      const manifestAt = async (key: string): Promise<Manifest> =>
        JSON.parse(new TextDecoder().decode(await store.get(key))) as Manifest;
      const dayKey = result.dayTier!.manifestKey;
      const before = await manifestAt(dayKey);
      const again = await runRollup({
        store: remote.store,
        config,
        configHash: hashJobConfig(config),
        date,
        workers: 0,
        force: true,
      });
      assert.equal(again.dayTier?.outcome, 'committed');
      const after = await manifestAt(dayKey);
      assert.notEqual(after.runId, before.runId);
      assert.deepEqual([after.outputs, after.cube, after.segments], [before.outputs, before.cube, before.segments]);
      assert.ok(remote.reads.most > 1, `${remote.reads.most} reads at once`);

      for (const grain of ['hour', 'day'] as const) {
        const tenants = await listDimensionValues(store, config, { dim: 'tenant', where: {}, range: {}, grain });
        const request = { dim: 'cluster', where: { tenant: tenants.values.slice(0, 1) }, range: {}, grain };
        const values = await listDimensionValues(store, config, request);
        assert.ok(values.values.length > 0, JSON.stringify(values));
        assert.deepEqual(await listDimensionValues(remote.store, config, request), values);
        assert.deepEqual(
          await listPartitions(remote.store, config.output.prefix, grain),
          await listPartitions(store, config.output.prefix, grain),
        );
      }

      // one listed file damaged, another gone: verify names both, in the manifest's order, on either store
      const hourKey = result.manifestKey;
      const [damaged, gone] = (await manifestAt(hourKey)).outputs.slice(-2);
      await writeFile(path.join(dir, damaged!.key), 'x'.repeat(damaged!.bytes));
      await rm(path.join(dir, gone!.key));
      const problems = await verifyPartition(store, await readManifestState(store, hourKey), configHashesOf(config));
      assert.deepEqual(
        problems.map((p) => p.key),
        [damaged!.key, gone!.key],
      );
      assert.deepEqual(
        await verifyPartition(remote.store, await readManifestState(remote.store, hourKey), configHashesOf(config)),
        problems,
      );
    },
  );
});

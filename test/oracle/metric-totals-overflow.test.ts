import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import type { JobConfig } from '../../src/config/job-config.js';
import { CubeCache, runQuery, type Query } from '../../src/query/run-query.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/*
 * A segment leaves a metric out of its manifest totals when they are not finite (a sum past the double range: JSON has
 * no such number). A query of that metric alone then reads the segment's records: it never answers "no data".
 */
describe("a metric alone whose totals are not finite is answered from the segment's records", () => {
  const date = '2026-05-01';
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let db: Oracle;
  let store: LocalStore;
  let config: JobConfig;
  const raw = (): string => `${dir.path}/raw/dt=${date}/hr=10/a.parquet`;

  before(async () => {
    dir = await makeTempDir('totals-overflow');
    db = await openOracle(1);
    await mkdir(`${dir.path}/raw/dt=${date}/hr=10`, { recursive: true });
    // cluster c1: two samples whose sum is past the double range; c2 and the other hour: ordinary values
    await db.run(`COPY (SELECT * FROM (VALUES
      (TIMESTAMP '${date} 10:00:00', 'cpu_usage', 1.5e308::DOUBLE, 'eu', 't1', 'c1', 'b1'),
      (TIMESTAMP '${date} 10:01:00', 'cpu_usage', 1.5e308::DOUBLE, 'eu', 't1', 'c1', 'b1'),
      (TIMESTAMP '${date} 10:02:00', 'cpu_usage', 5::DOUBLE, 'eu', 't1', 'c2', 'b2'),
      (TIMESTAMP '${date} 10:03:00', 'retained_bytes', 7::DOUBLE, 'eu', 't1', 'c2', 'b2')
    ) t(timestamp, metric, value, region, tenant, cluster, broker)) TO ${sqlString(raw())} (FORMAT parquet)`);
    store = new LocalStore(dir.path);
    config = await loadJobConfig();
    await runRollup({ store, config, configHash: hashJobConfig(config), date, workers: 0 });
  });
  after(async () => {
    db.close();
    await dir.remove();
  });

  it('counts, min, max and last as DuckDB finds them in the raw file; the metric with finite totals from them', async () => {
    const manifest = JSON.parse(
      new TextDecoder().decode(await store.get(`${config.output.prefix}/hour/dt=${date}/_manifest.json`)),
    ) as {
      segments: { list: { cube: { metricTotals: Record<string, unknown> } }[] };
      hourTotals: { hour: number; metrics: Record<string, unknown> }[];
    };
    const totals = manifest.segments.list.map((s) => Object.keys(s.cube.metricTotals));
    assert.deepEqual(totals, [['retained_bytes']], 'cpu_usage left out: its sum is not finite');
    assert.deepEqual(
      manifest.hourTotals.map((h) => [h.hour, Object.keys(h.metrics)]),
      [[10, ['retained_bytes']]],
      'and left out of the hour totals',
    );
    const h = (x: number): number => Date.parse(`${date}T00:00:00Z`) + x * 3_600_000;
    for (const [metric, agg, sql] of [
      ['cpu_usage', 'count', 'count(*)'],
      ['cpu_usage', 'max', 'max(value)'],
      ['cpu_usage', 'min', 'min(value)'],
      ['retained_bytes', 'last', 'last(value ORDER BY timestamp)'],
    ] as const) {
      const q: Query = {
        metric,
        kind: config.metrics[metric]!.kind,
        fromMs: h(0),
        toMs: h(24),
        grain: 'hour',
        agg,
        groupBy: [],
        where: {},
        whereNot: {},
      };
      const want = await db.rows(`SELECT ${sql} AS v FROM ${sqlString(raw())} WHERE metric = '${metric}'`);
      const answer = await runQuery(
        store,
        config.output.prefix,
        config.cube!,
        q,
        new CubeCache(undefined, 'partial', 'once'),
      );
      assert.deepEqual(
        answer.rows.map((r) => [r.time, r.value]),
        [[new Date(h(10)).toISOString(), Number(want[0]!.v)]],
        `${metric} ${agg}`,
      );
      // the hour totals leave cpu_usage out too (a segment that may hold it has no totals of it): its segment is read
      const explained = answer.explain.days.map((d) => [d.hoursFromTotals, d.segments.map((s) => s.reads)]);
      assert.deepEqual(explained, [metric === 'cpu_usage' ? [0, ['partial']] : [1, []]], `${metric} ${agg}`);
    }
  });
});

import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import type { JobConfig } from '../../src/config/job-config.js';
import { CubeCache, runQuery, type Query } from '../../src/query/run-query.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import type { GetOptions, ObjectStore } from '../../src/storage/object-store.js';
import { cuboidDimensions, cuboidQueries, sameAnswer } from '../helpers/cuboid-queries.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dates = ['2026-11-23', '2026-11-24', '2026-11-25'];
const hourMs = 3_600_000;
const firstMs = Date.UTC(2026, 10, 23);

describe("a one-shot query a declared cuboid answers reads the day tier's hour cuboids, one file per day unit", {
  timeout: 300_000,
}, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let db: Oracle;
  let config: JobConfig;
  let store: LocalStore;
  const values = new Map<string, string[]>(); // dimension -> some of its values
  before(async () => {
    dir = await makeTempDir('hour-cuboids');
    db = await openOracle();
    await db.run(`SET TimeZone = 'UTC'`);
    store = new LocalStore(dir.path);
    const base = await loadJobConfig();
    // three shards: a query on one cluster reads one day unit a day
    config = { ...base, output: { ...base.output, segments: { ...base.output.segments, shards: 3 } } };
    for (const date of dates) await writeSampleDay(store, { date, rows: 60_000, seed: 7 }); // one fleet
    for (const date of dates) await runRollup({ store, config, configHash: hashJobConfig(config), date, workers: 0 });
    for (const d of cuboidDimensions) {
      const rows = await db.rows(
        `SELECT DISTINCT ${d}::VARCHAR AS v FROM read_parquet(${sqlString(`${dir.path}/raw/*/*/*.parquet`)}) ` +
          `WHERE ${d} IS NOT NULL ORDER BY v LIMIT 6`,
      );
      values.set(
        d,
        rows.map((r) => String(r.v)),
      );
    }
  });
  after(async () => {
    db.close();
    await dir.remove();
  });

  it('answers like DuckDB on the raw Parquet over three days, reading one file per day unit', async () => {
    const cluster = values.get('cluster')![0]!;
    const q: Query = {
      metric: 'cpu_usage',
      kind: 'gauge',
      fromMs: firstMs + 5 * hourMs,
      toMs: firstMs + 70 * hourMs,
      grain: 'hour',
      groupBy: ['broker'],
      where: { cluster: [cluster] },
      whereNot: {},
      agg: 'avg',
    };
    const { rows, explain } = await runQuery(store, config.output.prefix, config.cube!, q);
    assert.deepEqual(
      explain.days.map((d) => [d.date, d.hourCuboid, d.segmentsRead]),
      dates.map((d) => [d, 'metric_cluster_broker', 1]), // one of the three shards a day
    );
    for (const s of explain.days.flatMap((d) => d.segments)) {
      assert.equal(s.reads, 'hour-cuboids');
      assert.ok(s.bytesRead > 0 && s.bytesRead < s.segmentBytes, `${s.bytesRead} of ${s.segmentBytes} bytes`);
    }
    // a window of one hour: one segment an hour is no more reads than a day unit, so the hour's star-tree is read,
    // and the day tier's manifest is not even fetched
    const fetched: string[] = [];
    const recording: ObjectStore = Object.assign(Object.create(store) as ObjectStore, {
      get(key: string, options?: GetOptions) {
        fetched.push(key);
        return store.get(key, options);
      },
      getRange(key: string, start: number, end: number, options?: GetOptions) {
        fetched.push(key);
        return store.getRange(key, start, end, options);
      },
      getStart(key: string, length: number) {
        fetched.push(key);
        return store.getStart(key, length);
      },
    });
    const oneHour = await runQuery(recording, config.output.prefix, config.cube!, {
      ...q,
      fromMs: firstMs + 30 * hourMs,
      toMs: firstMs + 31 * hourMs,
    });
    assert.deepEqual(
      oneHour.explain.days.map((d) => [d.hourCuboid, d.segments.map((s) => s.reads)]),
      [[null, ['partial']]],
    );
    assert.ok(fetched.includes(`${config.output.prefix}/hour/dt=${dates[1]}/_manifest.json`), fetched.join(', '));
    assert.deepEqual(
      fetched.filter((k) => k.includes('/day/')),
      [],
    );
    const sameHour = rows.filter((r) => r.time === new Date(firstMs + 30 * hourMs).toISOString());
    assert.deepEqual(
      oneHour.rows.map((r) => r.groups),
      sameHour.map((r) => r.groups),
    );
    oneHour.rows.forEach((r, i) => assert.ok(Math.abs(r.value - sameHour[i]!.value) <= 1e-9 * r.value));
    const want = await db.rows(`
      SELECT strftime(date_trunc('hour', timestamp::TIMESTAMP), '%Y-%m-%dT%H:%M:%S.000Z') AS time,
        broker::VARCHAR AS broker, avg(value) AS value
      FROM read_parquet(${sqlString(`${dir.path}/raw/*/*/*.parquet`)})
      WHERE metric = 'cpu_usage' AND cluster = ${sqlString(cluster)} AND value IS NOT NULL AND NOT isnan(value)
        AND timestamp >= make_timestamp(${q.fromMs * 1000}) AND timestamp < make_timestamp(${q.toMs * 1000})
      GROUP BY ALL ORDER BY time, broker`);
    assert.ok(want.length > 24, `${want.length} rows`);
    assert.deepEqual(
      rows.map((r) => [r.time, r.groups[0]]),
      want.map((w) => [w.time, w.broker]),
    );
    rows.forEach((r, i) => {
      const w = Number(want[i]!.value);
      assert.ok(
        Math.abs(r.value - w) <= 1e-9 * Math.max(1, Math.abs(w)),
        `${r.time} ${r.groups[0]}: ${r.value} vs ${w}`,
      );
    });
  });

  it('reads the star-trees of a day whose day tier has no hour cuboids (committed before them), with the same rows', async () => {
    const q: Query = {
      metric: 'received_bytes',
      kind: 'delta',
      fromMs: firstMs,
      toMs: firstMs + 72 * hourMs,
      grain: 'hour',
      groupBy: ['tenant'],
      where: {},
      whereNot: {},
      agg: 'sum',
    };
    const before = await runQuery(store, config.output.prefix, config.cube!, q);
    assert.deepEqual(
      before.explain.days.map((d) => d.hourCuboid),
      ['metric_tenant', 'metric_tenant', 'metric_tenant'],
    );
    const copy = await makeTempDir('hour-cuboids-older');
    try {
      await cp(`${dir.path}/${config.output.prefix}`, `${copy.path}/${config.output.prefix}`, { recursive: true });
      const older = new LocalStore(copy.path);
      const key = `${config.output.prefix}/day/dt=${dates[1]}/_manifest.json`;
      const manifest = JSON.parse(new TextDecoder().decode(await older.get(key))) as {
        segments: { list: { hourCuboids?: unknown }[] };
      };
      for (const s of manifest.segments.list) delete s.hourCuboids;
      delete (manifest as { layout?: unknown }).layout; // a manifest of that time has none
      await older.put(key, new TextEncoder().encode(JSON.stringify(manifest)));
      const after = await runQuery(older, config.output.prefix, config.cube!, q);
      assert.deepEqual(
        after.explain.days.map((d) => [d.hourCuboid, d.segments.length]),
        [
          ['metric_tenant', 3], // a unit per shard
          [null, 72], // every hour segment of every shard
          ['metric_tenant', 3],
        ],
      );
      assert.deepEqual(after.missing, before.missing);
      assert.deepEqual(
        after.rows.map((r) => [r.time, r.groups]),
        before.rows.map((r) => [r.time, r.groups]),
      );
      after.rows.forEach((r, i) => assert.ok(Math.abs(r.value - before.rows[i]!.value) <= 1e-9 * r.value, r.time));
    } finally {
      await copy.remove();
    }
  });

  it('answers every query a cuboid holds as the star-trees of every hour do (exact counts, min, max; sums within 1e-9)', async () => {
    let fromCuboids = 0;
    await fc.assert(
      fc.asyncProperty(cuboidQueries(config, firstMs, 72, values), async (q) => {
        const label = JSON.stringify(q);
        const oneShot = await runQuery(store, config.output.prefix, config.cube!, q);
        const starTrees = await runQuery(
          store,
          config.output.prefix,
          config.cube!,
          q,
          new CubeCache(undefined, 'partial', 'once', false),
        );
        if (oneShot.explain.days.some((x) => x.hourCuboid !== null)) fromCuboids++;
        for (const x of starTrees.explain.days) assert.equal(x.hourCuboid, null, label);
        assert.deepEqual(oneShot.missing, starTrees.missing, label);
        assert.deepEqual(
          oneShot.rows.map((r) => [r.time, r.groups]),
          starTrees.rows.map((r) => [r.time, r.groups]),
          label,
        );
        oneShot.rows.forEach((r, i) => {
          const w = starTrees.rows[i]!.value;
          assert.ok(sameAnswer(q.agg, r.value, w), `${label}: ${r.value} vs ${w}`);
        });
      }),
      { numRuns: 60, seed: 20261127 },
    );
    assert.ok(fromCuboids >= 20, `${fromCuboids} of 60 queries read hour cuboids`);
  });
});

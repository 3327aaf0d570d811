import assert from 'node:assert/strict';
import type { JobConfig } from '../../src/config/job-config.js';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import type { Manifest } from '../../src/partition/manifest.js';
import { runQuery, type Query } from '../../src/query/run-query.js';
import { runRollup, type RollupResult } from '../../src/rollup/run-rollup.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { sqlString, type Oracle } from './duckdb.js';

/** The day the hourly-run tests roll up, its start and its hour-tier manifest key. */
export const date = '2026-11-24';
export const dayMs = Date.UTC(2026, 10, 24);
export const hourKey = `rollup/hour/dt=${date}/_manifest.json`;

/** The default job with the hour tier only (the day tier is tested elsewhere), cut into 2 shards. */
export async function hourTierJob(): Promise<{ config: JobConfig; configHash: string }> {
  const base = await loadJobConfig();
  const tiers = base.output.tiers.filter((t) => t.grain === 'hour');
  const config = { ...base, output: { ...base.output, tiers, segments: { ...base.output.segments, shards: 2 } } };
  return { config, configHash: hashJobConfig(config) };
}

/** Runs the hour tier of the day on `store` (`hour`: a `run --hour` run), in-process, without a lease grace. */
export function runDay(
  store: ObjectStore,
  job: { config: JobConfig; configHash: string },
  extra: { hour?: number } = {},
): Promise<RollupResult> {
  return runRollup({ store, ...job, date, workers: 0, graceMs: 0, ...extra });
}

/** The committed hour-tier manifest of the day. */
export async function manifestOf(store: ObjectStore): Promise<Manifest> {
  return JSON.parse(new TextDecoder().decode(await store.get(hourKey))) as Manifest;
}

/**
 * DuckDB's hourly sum of received_bytes per cluster over every raw file of the day under `root`, against our query of
 * the committed cubes (1e-9 relative); and the manifest's `rows.in` against DuckDB's row count.
 */
export async function assertAnswersLikeDuckDb(
  db: Oracle,
  config: JobConfig,
  store: ObjectStore,
  root: string,
): Promise<void> {
  const q: Query = {
    metric: 'received_bytes',
    kind: config.metrics.received_bytes!.kind,
    fromMs: dayMs,
    toMs: dayMs + 86_400_000,
    grain: 'hour',
    groupBy: ['cluster'],
    where: {},
    whereNot: {},
    agg: 'sum',
  };
  const ours = await runQuery(store, config.output.prefix, config.cube!, q);
  const raw = await db.rows(`
    SELECT strftime(date_trunc('hour', timestamp::TIMESTAMP), '%Y-%m-%dT%H:%M:%S.000Z') AS time,
      cluster::VARCHAR AS cluster, sum(value) AS value
    FROM read_parquet(${sqlString(`${root}/raw/dt=${date}/*/*.parquet`)})
    WHERE metric = 'received_bytes' AND value IS NOT NULL AND NOT isnan(value)
      AND timestamp::TIMESTAMP >= DATE '${date}' AND timestamp::TIMESTAMP < DATE '${date}' + INTERVAL 1 DAY
    GROUP BY ALL`);
  const expected = new Map(raw.map((r) => [`${String(r.time)} ${String(r.cluster)}`, Number(r.value)]));
  assert.equal(ours.rows.length, expected.size);
  for (const r of ours.rows) {
    const want = expected.get(`${r.time} ${r.groups[0]}`);
    assert.ok(want !== undefined, `${r.time} ${r.groups[0]} not in DuckDB's answer`);
    assert.ok(Math.abs(r.value - want) <= 1e-9 * Math.abs(want), `${r.time} ${r.groups[0]}: ${r.value} vs ${want}`);
  }
  const [count] = await db.rows(
    `SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(`${root}/raw/dt=${date}/*/*.parquet`)})`,
  );
  assert.equal((await manifestOf(store)).rows.in, Number(count!.n));
}

import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { hashJobConfig, loadJobConfig } from '../src/config/load-job-config.js';
import { openRollups } from '../src/serve/open-rollups.js';
import type { Query } from '../src/query/run-query.js';
import { runRollup } from '../src/rollup/run-rollup.js';
import { writeSampleDay } from '../src/sample/write-sample-day.js';
import { LocalStore } from '../src/storage/local-store.js';
import { addDays } from '../src/storage/partition-path.js';

// make bench (part 2): usage-pattern queries over seven committed days: our engine vs DuckDB scanning the raw Parquet.
const rows = Number(process.env.BENCH_QUERY_ROWS ?? 5_000_000);
const queries = Number(process.env.BENCH_QUERIES ?? 1000);
const duckQueries = Number(process.env.BENCH_DUCK_QUERIES ?? 200);
const first = '2026-11-18';
const dates = Array.from({ length: 7 }, (_, i) => addDays(first, i));
// make bench-scale points this at its own week (BENCH_QUERY_ROOT) and reads the BENCH_QUERIES line printed last
const root = process.env.BENCH_QUERY_ROOT ?? fileURLToPath(new URL(`../../.cache/bench-week-${rows}`, import.meta.url));
const store = new LocalStore(root);
const config = await loadJobConfig();
for (const date of dates) {
  if (!existsSync(`${root}/raw/dt=${date}/.complete`)) {
    process.stdout.write(`generating ${rows} rows for ${date} (cached for later runs)\n`);
    await writeSampleDay(store, { date, rows, seed: 42 });
    await store.put(`raw/dt=${date}/.complete`, new Uint8Array());
  }
}
// every day generated first: a day's late rows (its last minute) sit in the next day's hr=00 folder
for (const date of dates) await runRollup({ store, config, configHash: hashJobConfig(config), date }); // skipped when committed and unchanged

const rollups = await openRollups({ store, config });
let seed = 987654321;
const rand = (n: number): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
const start = Date.parse(`${first}T00:00:00Z`);
const clusters = (
  await rollups.query({
    metric: 'cpu_usage',
    fromMs: start,
    toMs: start + 7 * 86_400_000,
    grain: 'day',
    groupBy: ['cluster'],
  })
).rows.map((r) => r.groups[0]!);
const tenants = (
  await rollups.query({
    metric: 'received_bytes',
    fromMs: start,
    toMs: start + 7 * 86_400_000,
    grain: 'day',
    groupBy: ['tenant'],
  })
).rows.map((r) => r.groups[0]!);

/** A random question of one of the four patterns, as a query. */
function randomQuery(): Query {
  const hour = start + rand(7 * 24) * 3_600_000;
  const cluster = clusters[rand(clusters.length)]!;
  switch (rand(4)) {
    case 0: // facts
      return {
        metric: rand(2) ? 'received_bytes' : 'sent_bytes',
        kind: 'delta',
        fromMs: hour,
        toMs: hour + 3_600_000,
        grain: 'hour',
        groupBy: [],
        where: rand(2) ? { tenant: [tenants[rand(tenants.length)]!] } : { cluster: [cluster] },
        whereNot: {},
        agg: 'sum',
      };
    case 1: // trends
      return {
        metric: 'cpu_usage',
        kind: 'gauge',
        fromMs: start,
        toMs: start + 7 * 86_400_000,
        grain: 'hour',
        groupBy: ['broker'],
        where: { cluster: [cluster] },
        whereNot: {},
        agg: 'avg',
      };
    case 2: // diagnose
      return {
        metric: 'retained_bytes',
        kind: 'gauge',
        fromMs: hour,
        toMs: hour + 3_600_000,
        grain: 'hour',
        groupBy: [],
        where: { cluster: [cluster] },
        whereNot: {},
        agg: 'last',
      };
    default: // attribution (one of its two series)
      return rand(2)
        ? {
            metric: 'cpu_usage',
            kind: 'gauge',
            fromMs: start,
            toMs: start + 7 * 86_400_000,
            grain: 'hour',
            groupBy: [],
            where: { cluster: [cluster] },
            whereNot: {},
            agg: 'avg',
          }
        : {
            metric: 'fetch_requests',
            kind: 'delta',
            fromMs: start,
            toMs: start + 7 * 86_400_000,
            grain: 'hour',
            groupBy: [],
            where: { cluster: [cluster] },
            whereNot: {},
            agg: 'sum',
          };
  }
}

/** The same question in SQL over the raw files of the week. */
function rawSql(q: Query): string {
  const where = [
    `metric = '${q.metric}'`,
    `timestamp >= make_timestamp(${q.fromMs * 1000}) AND timestamp < make_timestamp(${q.toMs * 1000})`,
    'value IS NOT NULL AND NOT isnan(value)',
    ...Object.entries(q.where).map(([d, v]) => `${d} = '${v[0]}'`),
  ].join(' AND ');
  const keys = ['h', ...q.groupBy].join(', ');
  if (q.agg === 'last') {
    return `SELECT ${keys}, sum(last) FROM (SELECT date_trunc('hour', timestamp) AS h, ${q.groupBy.map((d) => d + ', ').join('')}max({'t': timestamp, 'v': value}).v AS last
      FROM raw WHERE ${where} GROUP BY h, region, tenant, cluster, broker, topic, partition${q.groupBy.map((d) => ', ' + d).join('')}) GROUP BY ${keys}`;
  }
  return `SELECT ${keys}, ${q.agg}(value) FROM (SELECT date_trunc('hour', timestamp) AS h, * FROM raw WHERE ${where}) GROUP BY ${keys}`;
}

// load the week's cubes once, outside the timings
await rollups.query({ metric: 'cpu_usage', fromMs: start, toMs: start + 7 * 86_400_000 });
/** Runs `list` in order: each query's milliseconds and records read. */
async function timeQueries(list: readonly Query[]): Promise<{ ms: number[]; reads: number[] }> {
  const ms: number[] = [];
  const reads: number[] = [];
  for (const q of list) {
    const t = performance.now();
    const a = await rollups.query(q);
    ms.push(performance.now() - t);
    reads.push(a.explain.recordsRead);
  }
  return { ms, reads };
}
// A serving process is warm once it has answered queries, not only loaded its segments: the first few dozen queries of
// a fresh process run in V8's interpreter until their code is compiled (2-7 times slower). Timed twice: the first
// `queries` after start (their p99 is those first queries), then `queries` more drawn afresh, the steady state.
const fresh = await timeQueries(Array.from({ length: queries }, randomQuery));
const list: Query[] = Array.from({ length: queries }, randomQuery);
const { ms: oursMs, reads } = await timeQueries(list);
const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
const db = await instance.connect();
await db.run(`SET TimeZone = 'UTC'`);
await db.run(`CREATE VIEW raw AS SELECT * FROM read_parquet('${root}/raw/dt=*/*/*.parquet')`);
const duckMs: number[] = [];
for (const q of list.slice(0, duckQueries)) {
  const t = performance.now();
  await db.runAndReadAll(rawSql(q));
  duckMs.push(performance.now() - t);
}
db.closeSync();
instance.closeSync();
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const summary = {
  ...{ first, days: dates.length, rows, queries, duckQueries },
  ...{ oursP50: pct(oursMs, 0.5), oursP99: pct(oursMs, 0.99), duckP50: pct(duckMs, 0.5), duckP99: pct(duckMs, 0.99) },
  ...{ oursFreshP50: pct(fresh.ms, 0.5), oursFreshP99: pct(fresh.ms, 0.99) },
};
process.stdout.write(
  [
    `usage-pattern queries over 7 committed days (${rows} raw rows a day, ${7 * rows} in all); cubes loaded once, then cached`,
    `  ours, the first ${queries} queries after start: p50 ${pct(fresh.ms, 0.5).toFixed(2)} ms  p99 ${pct(fresh.ms, 0.99).toFixed(2)} ms`,
    `  ours:   ${queries} queries more (warm)  p50 ${pct(oursMs, 0.5).toFixed(2)} ms  p99 ${pct(oursMs, 0.99).toFixed(2)} ms  records read p50 ${pct(reads, 0.5)}, max ${Math.max(...reads)}`,
    `  DuckDB: ${duckQueries} of the same queries scanning the raw Parquet  p50 ${pct(duckMs, 0.5).toFixed(1)} ms  p99 ${pct(duckMs, 0.99).toFixed(1)} ms`,
    `  ratio of p99s ours/DuckDB: ${(pct(oursMs, 0.99) / pct(duckMs, 0.99)).toFixed(4)}   (goal <= 0.01)`,
    `BENCH_QUERIES ${JSON.stringify(summary)}`,
    '',
  ].join('\n'),
);

/**
 * `make bench-answers`: the query paths answer alike on a benchmark's days, not only on the test suite's small ones.
 * Random usage-pattern queries (fast-check: every metric kind and its aggregates, hour or day grain, a filter or an
 * exclusion, a group-by, windows across days) over committed days, by default the seven 50M-row days of `make
 * bench-scale BENCH_SCALE_DAYS=7x50m`:
 *
 * - each query's default one-shot answer (the day tier's hour cuboids where a declared cuboid holds the question)
 *   against the hour star-trees' answer: the same rows and missing hours; counts, min, max, distinct and
 *   percentiles exact, sums and averages within 1e-9;
 * - each query whose aggregate DuckDB computes plainly (sum, count, min, max, avg, with `--where` only) also against
 *   DuckDB scanning the raw Parquet: the same (time, groups) rows and values.
 *
 * BENCH_ANSWERS_ROOT, BENCH_ANSWERS_FROM (first day), BENCH_ANSWERS_DAYS, BENCH_ANSWERS_QUERIES (default 60, ~3 minutes) and
 * BENCH_ANSWERS_SEED choose the store and the queries. Exits 1 on any difference, naming the query.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { loadJobConfig } from '../src/config/load-job-config.js';
import { CubeCache, runQuery, type Query, type QueryAggregate, type QueryRow } from '../src/query/run-query.js';
import { LocalStore } from '../src/storage/local-store.js';
import { cuboidDimensions, cuboidQueries, sameAnswer } from '../test/helpers/cuboid-queries.js';

const root =
  process.env.BENCH_ANSWERS_ROOT ??
  fileURLToPath(new URL('../../.cache/bench-scale/days7-rows-50000000-step-60', import.meta.url));
const firstDay = process.env.BENCH_ANSWERS_FROM ?? '2026-05-01';
const days = Number(process.env.BENCH_ANSWERS_DAYS ?? 7);
const queries = Number(process.env.BENCH_ANSWERS_QUERIES ?? 60);
const seed = Number(process.env.BENCH_ANSWERS_SEED ?? 20261128);
if (!existsSync(`${root}/rollup/hour/dt=${firstDay}/_manifest.json`))
  throw new Error(
    `bench-answers: no committed day ${firstDay} under ${root} (make bench-scale BENCH_SCALE_DAYS=7x50m)`,
  );

const config = await loadJobConfig();
const cube = config.cube!;
const store = new LocalStore(root);
const firstMs = Date.parse(`${firstDay}T00:00:00Z`);
const rawGlob = `${root}/raw/dt=*/*/*.parquet`;
const duck = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
const sql = (s: string): string => `'${s.replaceAll("'", "''")}'`;

// a few values of each dimension the cuboids hold, from the first day's hour-10 cuboid files (spread by hash)
const values = new Map<string, string[]>();
for (const d of cuboidDimensions) {
  const got = await duck.runAndReadAll(
    `SELECT DISTINCT ${d}::VARCHAR AS v FROM read_parquet(${sql(`${root}/rollup/hour/dt=${firstDay}/cuboids-h10-*.parquet`)})` +
      ` WHERE ${d} IS NOT NULL ORDER BY hash(v) LIMIT 8`,
  );
  values.set(
    d,
    got.getRowObjectsJson().map((r) => String(r.v)),
  );
}

/** Rows by (time, groups): positions differ where a null group sorts differently. */
const keyed = (rows: readonly QueryRow[]): Map<string, number> =>
  new Map(rows.map((r) => [JSON.stringify([r.time, r.groups]), r.value]));

/** Why two answers of `agg` differ, or undefined. */
function difference(a: readonly QueryRow[], b: readonly QueryRow[], agg: QueryAggregate): string | undefined {
  const [x, y] = [keyed(a), keyed(b)];
  if (x.size !== y.size) return `${x.size} rows against ${y.size}`;
  for (const [k, v] of x) {
    const w = y.get(k);
    if (w === undefined) return `row ${k} only on one side`;
    if (!sameAnswer(agg, v, w)) return `row ${k}: ${v} against ${w}`;
  }
  return undefined;
}

/** DuckDB's answer on the raw files, for the aggregates it computes plainly. */
async function duckAnswer(q: Query): Promise<QueryRow[]> {
  const unit = q.grain === 'day' ? 'day' : 'hour';
  const agg = { sum: 'sum(value)', count: 'count(*)', min: 'min(value)', max: 'max(value)', avg: 'avg(value)' }[
    q.agg as 'sum'
  ];
  const where = Object.entries(q.where).map(([d, vs]) => ` AND ${d}::VARCHAR IN (${vs.map(sql).join(', ')})`);
  const groups = q.groupBy.map((d, i) => `, ${d}::VARCHAR AS g${i}`).join('');
  const got = await duck.runAndReadAll(`
    SELECT strftime(date_trunc('${unit}', timestamp::TIMESTAMP), '%Y-%m-%dT%H:%M:%S.000Z') AS time${groups},
      ${agg}::DOUBLE AS value
    FROM read_parquet(${sql(rawGlob)})
    WHERE metric = ${sql(q.metric)} AND value IS NOT NULL AND NOT isnan(value)
      AND timestamp >= make_timestamp(${q.fromMs * 1000}) AND timestamp < make_timestamp(${q.toMs * 1000})
      ${where.join('')}
    GROUP BY ALL`);
  return got.getRowObjectsJson().map((r) => ({
    time: String(r.time),
    groups: q.groupBy.map((_, i) => (r[`g${i}`] === null ? null : String(r[`g${i}`]))),
    value: Number(r.value),
  }));
}

let fromCuboids = 0;
let againstDuckDB = 0;
let duckRows = 0; // rows DuckDB's answers held (a comparison of two empty answers proves little)
const started = performance.now();
await fc.assert(
  fc.asyncProperty(cuboidQueries(config, firstMs, days * 24, values), async (q) => {
    const label = JSON.stringify(q);
    const oneShot = await runQuery(store, config.output.prefix, cube, q);
    const starTrees = await runQuery(
      store,
      config.output.prefix,
      cube,
      q,
      new CubeCache(undefined, 'partial', 'once', false),
    );
    if (oneShot.explain.days.some((x) => x.hourCuboid !== null)) fromCuboids++;
    if (JSON.stringify(oneShot.missing) !== JSON.stringify(starTrees.missing))
      throw new Error(`missing data differs between the paths: ${label}`);
    const paths = difference(oneShot.rows, starTrees.rows, q.agg);
    if (paths) throw new Error(`the paths differ (${paths}): ${label}`);
    if (['sum', 'count', 'min', 'max', 'avg'].includes(q.agg) && Object.keys(q.whereNot).length === 0) {
      againstDuckDB++;
      const want = await duckAnswer(q);
      duckRows += want.length;
      const raw = difference(oneShot.rows, want, q.agg);
      if (raw) throw new Error(`DuckDB on the raw files differs (${raw}): ${label}`);
    }
  }),
  { numRuns: queries, seed },
);
process.stdout.write(
  `bench-answers: ${queries} random queries over ${days} days under ${root} (seed ${seed}): ${fromCuboids} read the` +
    ` day tier's hour cuboids; every answer equals the hour star-trees' answer, and the ${againstDuckDB} with a plain` +
    ` aggregate equal DuckDB's on the raw files (${duckRows} rows; ${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
);
duck.closeSync();

import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { reportFromChild } from './measure-child.js';

// DuckDB doing our work on the same raw day, written as zstd Parquet (args: mode, raw glob, output, threads, dims):
//   base: GROUP BY hour, metric and dimensions (count/sum/min/max/last) - the base rollup;
//   cube: GROUP BY hour, CUBE(split dimensions) - every grouping set from raw rows, as the star-tree's competitor;
//   sets: GROUP BY GROUPING SETS of hour x dims and hour x each declared cuboid (a 6th argument, `;`-separated
//         dimension lists) - what a user would otherwise run for our hour tier.
// query (args: query, raw glob, threads, metric, from ISO, to ISO[, dimension=value]): one usage-pattern question over
//   the raw files, the metric's hourly avg (of the rows whose dimension holds that value), printed as the JSON of
//   `telemetry-rollup query --format json`.
const args = process.argv.slice(2);
const mode = args[0] as 'base' | 'cube' | 'sets' | 'query';
const rawGlob = args[1]!;
const threads = mode === 'query' ? args[2]! : args[3]!;
const instance = await DuckDBInstance.create(':memory:', { threads });
const db = await instance.connect();
await db.run(`SET TimeZone = 'UTC'`);
const hour = `date_trunc('hour', timestamp)`;
const started = performance.now();
if (mode === 'query') {
  const [metric, from, to, where] = args.slice(3) as [string, string, string, string | undefined];
  const [dim, value] = where ? where.split('=') : [];
  const filter = dim && value ? ` AND ${dim} = '${value.replaceAll("'", "''")}'` : '';
  const micros = (iso: string): number => Date.parse(iso) * 1000;
  const reader = await db.runAndReadAll(`SELECT strftime(${hour}, '%Y-%m-%dT%H:%M:%SZ') AS time, avg(value) AS value
    FROM read_parquet('${rawGlob}') WHERE metric = '${metric}' AND value IS NOT NULL AND NOT isnan(value)
      AND timestamp >= make_timestamp(${micros(from)}) AND timestamp < make_timestamp(${micros(to)})${filter}
    GROUP BY ALL ORDER BY time`);
  process.stdout.write(`${JSON.stringify(reader.getRowObjectsJson())}\n`);
} else {
  const [out, dims, sets] = [args[2]!, args[4]!, args[5] ?? ''];
  const measures =
    'count(*) AS count, sum(value) AS sum, min(value) AS min, max(value) AS max, arg_max(value, timestamp) AS last';
  const groupingSets = [dims, ...sets.split(';').filter((s) => s !== '')].map((s) => `(${hour}, ${s})`);
  const groupBy =
    mode === 'base'
      ? `GROUP BY ALL`
      : mode === 'cube'
        ? `GROUP BY ${hour}, CUBE(${dims})`
        : `GROUP BY GROUPING SETS (${groupingSets.join(', ')})`;
  const select =
    mode === 'base' ? `${hour} AS hour, ${dims}` : `${hour} AS hour, ${dims}, GROUPING_ID(${dims}) AS grouping_id`;
  await db.run(`COPY (SELECT ${select}, ${measures} FROM read_parquet('${rawGlob}') WHERE value IS NOT NULL AND NOT isnan(value) ${groupBy})
  TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
}
reportFromChild(performance.now() - started);
db.closeSync();
instance.closeSync();

import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { reportFromChild } from './measure-child.js';

// DuckDB doing our work on the same raw day, written as zstd Parquet:
//   base: GROUP BY hour, metric and dimensions (count/sum/min/max/last) - the base rollup;
//   cube: GROUP BY hour, CUBE(split dimensions) - every grouping set from raw rows, as the star-tree's competitor.
const [mode, rawGlob, out, threads, dims] = process.argv.slice(2) as ['base' | 'cube', string, string, string, string];
const instance = await DuckDBInstance.create(':memory:', { threads });
const db = await instance.connect();
await db.run(`SET TimeZone = 'UTC'`);
const measures =
  'count(*) AS count, sum(value) AS sum, min(value) AS min, max(value) AS max, arg_max(value, timestamp) AS last';
const groupBy = mode === 'base' ? `GROUP BY ALL` : `GROUP BY date_trunc('hour', timestamp), CUBE(${dims})`;
const select =
  mode === 'base'
    ? `date_trunc('hour', timestamp) AS hour, ${dims}`
    : `date_trunc('hour', timestamp) AS hour, ${dims}, GROUPING_ID(${dims}) AS grouping_id`;
const started = performance.now();
await db.run(`COPY (SELECT ${select}, ${measures} FROM read_parquet('${rawGlob}') WHERE value IS NOT NULL AND NOT isnan(value) ${groupBy})
  TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
reportFromChild(performance.now() - started);
db.closeSync();
instance.closeSync();

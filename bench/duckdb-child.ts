import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { reportFromChild } from './measure-child.js';

// DuckDB doing the base rollup's work: read the raw day, GROUP BY hour, metric and dimensions, write zstd Parquet.
const [rawGlob, out, threads, dims] = process.argv.slice(2) as [string, string, string, string];
const instance = await DuckDBInstance.create(':memory:', { threads });
const db = await instance.connect();
await db.run(`SET TimeZone = 'UTC'`);
const started = performance.now();
await db.run(`COPY (
  SELECT date_trunc('hour', timestamp) AS hour, metric, ${dims}, count(*) AS count, sum(value) AS sum, min(value) AS min, max(value) AS max,
         arg_max(value, timestamp) AS last
  FROM read_parquet('${rawGlob}') WHERE value IS NOT NULL AND NOT isnan(value)
  GROUP BY ALL) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
reportFromChild(performance.now() - started);
db.closeSync();
instance.closeSync();

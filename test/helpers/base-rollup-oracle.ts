import { sqlString, type Oracle } from './duckdb.js';

/** Differences between our base rollup and DuckDB's GROUP BY over the raw files. */
export interface RollupDiff {
  readonly expectedRows: number; // DuckDB's group count
  readonly actualRows: number; // our record count
  readonly missing: number; // groups DuckDB has and we do not
  readonly extra: number; // records we have and DuckDB does not
  readonly countDiff: number;
  readonly minDiff: number;
  readonly maxDiff: number;
  readonly lastDiff: number;
  readonly sumDiff: number; // relative difference above 1e-9
  readonly acceptedRows: number; // raw rows DuckDB aggregates
}

/**
 * Compares our output files with DuckDB computing the same base rollup from the raw Parquet:
 * count, min, max and last exactly, sum within 1e-9 relative. Timestamps may be ms/us/ns or BIGINT epoch ms.
 */
export async function diffBaseRollup(
  db: Oracle,
  opts: { rawGlob: string; outputFiles: readonly string[]; date: string; dimensions: readonly string[] },
): Promise<RollupDiff> {
  await db.run(`SET TimeZone = 'UTC'`);
  const ts = `(CASE WHEN typeof(timestamp) = 'BIGINT' THEN make_timestamp(timestamp::BIGINT * 1000) ELSE timestamp::TIMESTAMP END)`;
  const dims = opts.dimensions.map((d) => `${d}::VARCHAR AS ${d}`).join(', ');
  const dimNames = opts.dimensions.join(', ');
  const on = ['hour', 'metric', ...opts.dimensions].map((c) => `e.${c} IS NOT DISTINCT FROM a.${c}`).join(' AND ');
  const files = `[${opts.outputFiles.map(sqlString).join(', ')}]`;
  const sql = `
    WITH raw AS (SELECT ${ts} AS t, metric, value, ${dims} FROM read_parquet(${sqlString(opts.rawGlob)}, union_by_name = true)),
    acc AS (SELECT * FROM raw WHERE t >= DATE ${sqlString(opts.date)} AND t < DATE ${sqlString(opts.date)} + INTERVAL 1 DAY
            AND metric IS NOT NULL AND value IS NOT NULL AND NOT isnan(value) AND isfinite(value)),
    e AS (SELECT date_trunc('hour', t) AS hour, metric, ${dimNames}, count(*) AS count, sum(value) AS sum, min(value) AS min,
            max(value) AS max, max({'t': t, 'v': value}).v AS last FROM acc GROUP BY ALL),
    a AS (SELECT hour::TIMESTAMP AS hour, metric, ${dimNames}, count, sum, min, max, last FROM read_parquet(${files})),
    j AS (SELECT e.count AS ec, a.count AS ac, e.sum AS es, a.sum AS asum, e.min AS emin, a.min AS amin, e.max AS emax, a.max AS amax, e.last AS el, a.last AS al
          FROM e FULL OUTER JOIN a ON ${on})
    SELECT (SELECT count(*) FROM e) AS expected_rows, (SELECT count(*) FROM a) AS actual_rows,
      (SELECT count(*) FROM acc) AS accepted_rows,
      count(*) FILTER (WHERE ac IS NULL) AS missing, count(*) FILTER (WHERE ec IS NULL) AS extra,
      count(*) FILTER (WHERE ec <> ac) AS count_diff, count(*) FILTER (WHERE emin <> amin) AS min_diff,
      count(*) FILTER (WHERE emax <> amax) AS max_diff, count(*) FILTER (WHERE el <> al) AS last_diff,
      count(*) FILTER (WHERE abs(es - asum) > 1e-9 * greatest(abs(es), abs(asum), 1e-300)) AS sum_diff
    FROM j`;
  const [row] = await db.rows(sql);
  const n = (k: string): number => Number(row![k]);
  return {
    expectedRows: n('expected_rows'),
    actualRows: n('actual_rows'),
    missing: n('missing'),
    extra: n('extra'),
    countDiff: n('count_diff'),
    minDiff: n('min_diff'),
    maxDiff: n('max_diff'),
    lastDiff: n('last_diff'),
    sumDiff: n('sum_diff'),
    acceptedRows: n('accepted_rows'),
  };
}

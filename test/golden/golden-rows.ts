import { sqlString, type Oracle } from '../helpers/duckdb.js';

/** The golden day's definition: generator inputs, checked in instead of binary Parquet. */
export interface GoldenDay {
  readonly date: string;
  readonly rows: number;
  readonly seed: number;
}

/** One base record in JSON form, as checked in. */
export type GoldenRow = Record<string, string | number | null>;

const dims = ['region', 'tenant', 'cluster', 'broker', 'topic', 'partition'];

/** DuckDB's base rollup of raw Parquet files, as JSON rows in output order (the golden expectation). */
export async function expectedRowsFromRaw(db: Oracle, rawGlob: string, date: string): Promise<GoldenRow[]> {
  await db.run(`SET TimeZone = 'UTC'`);
  return normalize(
    await db.rows(`
      WITH acc AS (SELECT timestamp::TIMESTAMP AS t, metric, value, ${dims.map((d) => `${d}::VARCHAR AS ${d}`).join(', ')}
                   FROM read_parquet(${sqlString(rawGlob)})
                   WHERE timestamp::TIMESTAMP >= DATE ${sqlString(date)} AND timestamp::TIMESTAMP < DATE ${sqlString(date)} + INTERVAL 1 DAY
                     AND value IS NOT NULL AND NOT isnan(value))
      SELECT strftime(date_trunc('hour', t), '%Y-%m-%dT%H:%M:%SZ') AS hour, metric, ${dims.join(', ')}, count(*)::INTEGER AS count,
             sum(value) AS sum, min(value) AS min, max(value) AS max, max({'t': t, 'v': value}).v AS last,
             epoch_ns(max({'t': t, 'v': value}).t)::VARCHAR AS last_time,
             min({'t': t, 'v': value}).v AS first, epoch_ns(min(t))::VARCHAR AS first_time
      FROM acc GROUP BY ALL ORDER BY hour, metric, ${dims.join(', ')} NULLS LAST`),
  );
}

/** Our output files read back by DuckDB, as JSON rows in file order. */
export async function actualRowsFromOutput(db: Oracle, files: readonly string[]): Promise<GoldenRow[]> {
  await db.run(`SET TimeZone = 'UTC'`);
  return normalize(
    await db.rows(`
      SELECT strftime(hour::TIMESTAMP, '%Y-%m-%dT%H:%M:%SZ') AS hour, metric, ${dims.join(', ')}, count::INTEGER AS count, sum, min, max, last,
             epoch_ns(last_time)::VARCHAR AS last_time, first, epoch_ns(first_time)::VARCHAR AS first_time
      FROM read_parquet([${files.map(sqlString).join(', ')}], file_row_number = true) ORDER BY filename, file_row_number`),
  );
}

function normalize(rows: Record<string, unknown>[]): GoldenRow[] {
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r)
        .filter(([k]) => k !== 'filename' && k !== 'file_row_number')
        .map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : (v as string | number | null)]),
    ),
  );
}

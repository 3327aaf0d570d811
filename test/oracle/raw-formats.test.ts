import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import type { JobConfig } from '../../src/config/job-config.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { diffBaseRollup } from '../helpers/base-rollup-oracle.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { hourBaseJob } from '../helpers/hour-base-job.js';

const date = '2026-11-24';

/** Raw rows as DuckDB writes them: nulls in values and dimensions, NaN, late and out-of-day timestamps. */
function rawSelect(tsExpr: string): string {
  return `SELECT ${tsExpr} AS timestamp,
      CASE WHEN i % 3 = 0 THEN 'cpu_usage' WHEN i % 3 = 1 THEN 'received_bytes' ELSE 'retained_bytes' END AS metric,
      CASE WHEN i % 101 = 0 THEN NULL WHEN i % 211 = 0 THEN 'NaN'::DOUBLE ELSE (i % 17) * 1.5 + i / 7.0 END AS value,
      'region-' || (i % 2) AS region, CASE WHEN i % 53 = 0 THEN NULL ELSE 'tenant-' || (i % 5) END AS tenant,
      'cluster-' || (i % 7) AS cluster, 'broker-' || (i % 3) AS broker,
      CASE WHEN i % 3 = 0 THEN NULL ELSE 'topic-' || (i % 4) END AS topic,
      CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 6)::INTEGER END AS partition
    FROM range(0, 6000) t(i)`;
}

// Seconds after 00:00 of the day; some rows fall before the day (i % 997 = 0) or after it (i % 991 = 0).
const secondsExpr = `(CASE WHEN i % 997 = 0 THEN -30 WHEN i % 991 = 0 THEN 86400 + 5 ELSE (i * 14.4)::BIGINT END)`;
const timestampKinds: Record<string, string> = {
  ms: `make_timestamp(epoch_us(TIMESTAMP '${date}') + ${secondsExpr} * 1000000 + (i % 1000) * 1000)::TIMESTAMP_MS`,
  us: `make_timestamp(epoch_us(TIMESTAMP '${date}') + ${secondsExpr} * 1000000 + i % 999)`,
  ns: `make_timestamp_ns(epoch_ns(TIMESTAMP '${date}') + ${secondsExpr} * 1000000000 + i % 777)`,
  epochMillis: `epoch_ms(TIMESTAMP '${date}') + ${secondsExpr} * 1000 + (i % 1000)`,
};

describe('reader accepts what producers write', () => {
  let db: Oracle;
  let config: JobConfig;
  before(async () => {
    db = await openOracle();
    config = hourBaseJob(await loadJobConfig());
  });
  after(() => db.close());

  for (const compression of ['snappy', 'zstd', 'gzip', 'uncompressed']) {
    for (const [kind, tsExpr] of Object.entries(timestampKinds)) {
      it(`${compression} with ${kind} timestamps, nulls, NaN and out-of-day rows equals DuckDB's GROUP BY`, async () => {
        const dir = await makeTempDir('formats');
        try {
          for (const hour of ['00', '07']) {
            await mkdir(`${dir.path}/raw/dt=${date}/hr=${hour}`, { recursive: true });
            const file = `${dir.path}/raw/dt=${date}/hr=${hour}/part-0.parquet`;
            await db.run(
              `COPY (${rawSelect(tsExpr)} ${hour === '07' ? 'WHERE i % 2 = 0' : ''}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION ${compression}, ROW_GROUP_SIZE 2048)`,
            );
          }
          const store = new LocalStore(dir.path);
          const result = await runRollup({ store, config, configHash: hashJobConfig(config), date, workers: 0 });
          const manifest = JSON.parse(await readFile(`${dir.path}/${result.manifestKey}`, 'utf8')) as {
            outputs: { key: string }[];
          };
          const diff = await diffBaseRollup(db, {
            rawGlob: `${dir.path}/raw/dt=${date}/*/*.parquet`,
            outputFiles: manifest.outputs.map((o) => `${dir.path}/${o.key}`),
            date,
            dimensions: config.raw.dimensions,
          });
          assert.ok(diff.expectedRows > 1000, `expected many groups, got ${diff.expectedRows}`);
          assert.deepEqual(
            { ...diff, expectedRows: 0, acceptedRows: 0 },
            {
              expectedRows: 0,
              actualRows: diff.expectedRows,
              missing: 0,
              extra: 0,
              countDiff: 0,
              minDiff: 0,
              maxDiff: 0,
              lastDiff: 0,
              sumDiff: 0,
              acceptedRows: 0,
            },
          );
          assert.equal(result.rowsAccepted, diff.acceptedRows);
          assert.equal(result.rowsIn, 9000);
          const t = `(CASE WHEN typeof(timestamp) = 'BIGINT' THEN make_timestamp(timestamp::BIGINT * 1000) ELSE timestamp::TIMESTAMP END)`;
          const inDay = `${t} >= DATE '${date}' AND ${t} < DATE '${date}' + INTERVAL 1 DAY`;
          // rows of the day before found in hr=00 (within lateArrivalHours) are that day's late data: routed, not
          // rejected
          const previousDayEarly = `filename LIKE '%/hr=00/%' AND ${t} >= DATE '${date}' - INTERVAL 1 DAY AND ${t} < DATE '${date}'`;
          const [expected] =
            await db.rows(`SELECT count(*) FILTER (WHERE NOT (${inDay}) AND NOT (${previousDayEarly})) AS outside,
              count(*) FILTER (WHERE ${previousDayEarly}) AS routed,
              count(*) FILTER (WHERE ${inDay} AND value IS NULL) AS nulls,
              count(*) FILTER (WHERE ${inDay} AND isnan(value)) AS nans FROM read_parquet(${sqlString(`${dir.path}/raw/dt=${date}/*/*.parquet`)}, filename = true)`);
          assert.equal(result.rejected.timestamp_outside_day, Number(expected!.outside));
          assert.ok(Number(expected!.routed) > 0 && Number(expected!.outside) > 0);
          const manifestRows = (
            JSON.parse(await readFile(`${dir.path}/${result.manifestKey}`, 'utf8')) as {
              rows: { routed: number; late: number };
            }
          ).rows;
          assert.equal(manifestRows.routed, Number(expected!.routed));
          assert.equal(manifestRows.late, 0);
          assert.equal(result.rejected.null_value, Number(expected!.nulls));
          assert.equal(result.rejected.nan_value, Number(expected!.nans));
          assert.ok(result.rejected.timestamp_outside_day > 0);
        } finally {
          await dir.remove();
        }
      });
    }
  }
});

import { mkdir } from 'node:fs/promises';
import { sqlString, type Oracle } from './duckdb.js';

/** The skewed day: one cluster (`hotCluster`) holds most series; a few small clusters hold the rest. */
export const hotKeyDay = '2026-11-24';
export const hotCluster = 'lkc-hot';
export const hotKeyHours = [0, 1, 2, 3] as const;
const filesPerHour = 2;
const samplesPerFile = 2;

/**
 * Writes the skewed day as raw Parquet (DuckDB): `lkc-hot` (tenant tn-hot) with received_bytes, cpu_usage and the
 * counter bytes_in_total over 10 brokers x 20 topics x 4 partitions (2,400 series), and six small clusters
 * lkc-c0 .. lkc-c5 (tenant tn-c<n>) with 12 series each; two files per hour of the four hours, two samples of every
 * series per file (a series spread over both files of its hour).
 */
export async function writeHotKeyDay(db: Oracle, store: string): Promise<void> {
  for (const hour of hotKeyHours) {
    for (let file = 0; file < filesPerHour; file++) {
      const key = `${store}/raw/dt=${hotKeyDay}/hr=${String(hour).padStart(2, '0')}/part-${file}.parquet`;
      await mkdir(key.slice(0, key.lastIndexOf('/')), { recursive: true });
      await db.run(`COPY (${hourSql(hour, file)}) TO ${sqlString(key)} (FORMAT parquet)`);
    }
  }
}

/** Every series, one row each, with a stable id. */
const seriesSql = `
  WITH metrics(metric, m) AS (VALUES ('received_bytes', 0), ('cpu_usage', 1), ('bytes_in_total', 2)),
  hot AS (
    SELECT metric, m, 'tn-hot' AS tenant, '${hotCluster}' AS cluster, 'broker-' || b AS broker, 'topic-' || t AS topic,
           p AS part
    FROM metrics, range(10) r1(b), range(20) r2(t), range(4) r3(p)),
  cold AS (
    SELECT metric, m, 'tn-c' || c AS tenant, 'lkc-c' || c AS cluster, 'broker-' || b AS broker, 'topic-' || t AS topic,
           0 AS part
    FROM metrics, range(6) r1(c), range(2) r2(b), range(2) r3(t))
  SELECT *, row_number() OVER (ORDER BY cluster, metric, broker, topic, part) AS id FROM (SELECT * FROM hot UNION ALL
    SELECT * FROM cold)`;

function hourSql(hour: number, file: number): string {
  const sample = `(${hour * filesPerHour + file} * ${samplesPerFile} + j)`; // the series' sample number in the day
  const ts = `TIMESTAMP '${hotKeyDay} 00:00:00' + to_seconds(${hour} * 3600 + (${file} * ${samplesPerFile} + j) * 900 + id % 60)`;
  const value = `CASE m WHEN 2 THEN (id % 50) * 100 + ${sample} * 3.5 ELSE ((id * 7 + ${sample} * 13) % 1000) / 10 END`;
  return `SELECT ${ts} AS "timestamp", metric, (${value})::DOUBLE AS "value", 'eu-west-1' AS region, tenant, cluster,
    broker, topic, part::INTEGER AS "partition" FROM (${seriesSql}) s, range(${samplesPerFile}) r(j)
    ORDER BY metric, broker, topic, "partition", j`;
}

/**
 * A skewed day that makes the CLI's smallest budget (64 MiB) spill and split with few rows: hour folders of one file,
 * hour 00 with 7,000 series of `lkc-hot` and hours 01 .. 03 with 1,500 (received_bytes, one sample each, one topic
 * per series named with 1,000 characters, so each file's pieces hold large dictionaries), plus 12 series of lkc-c0 ..
 * lkc-c2 every hour.
 */
export async function writeWideHotKeyDay(db: Oracle, store: string): Promise<void> {
  for (const [hour, hot] of [7000, 1500, 1500, 1500].entries()) {
    const key = `${store}/raw/dt=${hotKeyDay}/hr=${String(hour).padStart(2, '0')}/part-0.parquet`;
    await mkdir(key.slice(0, key.lastIndexOf('/')), { recursive: true });
    const series = `
      SELECT '${hotCluster}' AS cluster, 'tn-hot' AS tenant, 'broker-' || (t % 8) AS broker,
             'topic-' || t || '-' || repeat('x', 990) AS topic, t AS id FROM range(${hot}) r(t)
      UNION ALL
      SELECT 'lkc-c' || c, 'tn-c' || c, 'broker-0', 'topic-' || t, 10000 + c * 4 + t FROM range(3) r1(c), range(4) r2(t)`;
    await db.run(`COPY (
      SELECT TIMESTAMP '${hotKeyDay} 00:00:00' + to_seconds(${hour} * 3600 + id % 3600) AS "timestamp",
             'received_bytes' AS metric, ((id * 7 + ${hour} * 13) % 1000)::DOUBLE AS "value", 'eu-west-1' AS region,
             tenant, cluster, broker, topic, 0::INTEGER AS "partition"
      FROM (${series}) ORDER BY id) TO ${sqlString(key)} (FORMAT parquet)`);
  }
}

import { mkdir } from 'node:fs/promises';
import { sqlString, type Oracle } from './duckdb.js';

/** The day the small fleet reports on, and the hours it has data for (hour 06 in between has none). */
export const fleetDay = '2026-11-24';
export const fleetHours = [5, 7] as const;

/**
 * Writes a tiny hand-made fleet as raw Parquet (DuckDB) for `fleetDay`, hours 05 and 07: tenant tn-real (cluster
 * lkc-real, brokers broker-0/1, topic orders) with positive values, and tenant tn-zero (cluster lkc-zero, broker-9,
 * topic idle) whose every value is a real 0. `extra` adds that many more samples per series (a rerun with more data),
 * in a second file per hour.
 */
export async function writeSmallFleetDay(db: Oracle, store: string, extra = 0): Promise<void> {
  for (const hour of fleetHours) {
    const files: [string, number, number][] = [[`part-0.parquet`, 0, 10]];
    if (extra > 0) files.push([`part-1.parquet`, 10, 10 + extra]);
    for (const [name, from, to] of files) {
      const file = `${store}/raw/dt=${fleetDay}/hr=${String(hour).padStart(2, '0')}/${name}`;
      await mkdir(file.slice(0, file.lastIndexOf('/')), { recursive: true });
      await db.run(`COPY (${fleetSql(hour, from, to)}) TO ${sqlString(file)} (FORMAT parquet)`);
    }
  }
}

/** The raw rows of one hour, samples i in [from, to) per series (one sample a minute). */
function fleetSql(hour: number, from: number, to: number): string {
  const ts = `TIMESTAMP '${fleetDay} ${String(hour).padStart(2, '0')}:00:00' + to_seconds(i * 60)`;
  const series = `(VALUES
    ('received_bytes', 'tn-real', 'lkc-real', 'broker-0', 'orders', 0, 100.0, 1.0),
    ('received_bytes', 'tn-real', 'lkc-real', 'broker-1', 'orders', 1, 100.0, 1.0),
    ('sent_bytes', 'tn-real', 'lkc-real', 'broker-0', 'orders', 0, 50.0, 0.0),
    ('sent_bytes', 'tn-real', 'lkc-real', 'broker-1', 'orders', 1, 50.0, 0.0),
    ('fetch_requests', 'tn-real', 'lkc-real', 'broker-0', 'orders', 0, 10.0, 1.0),
    ('retained_bytes', 'tn-real', 'lkc-real', 'broker-0', 'orders', 0, 1000.0, 10.0),
    ('cpu_usage', 'tn-real', 'lkc-real', 'broker-0', NULL, NULL, 20.0, 1.0),
    ('cpu_usage', 'tn-real', 'lkc-real', 'broker-1', NULL, NULL, 30.0, 2.0),
    ('received_bytes', 'tn-zero', 'lkc-zero', 'broker-9', 'idle', 0, 0.0, 0.0),
    ('sent_bytes', 'tn-zero', 'lkc-zero', 'broker-9', 'idle', 0, 0.0, 0.0),
    ('fetch_requests', 'tn-zero', 'lkc-zero', 'broker-9', 'idle', 0, 0.0, 0.0),
    ('retained_bytes', 'tn-zero', 'lkc-zero', 'broker-9', 'idle', 0, 0.0, 0.0),
    ('cpu_usage', 'tn-zero', 'lkc-zero', 'broker-9', NULL, NULL, 0.0, 0.0)
  ) s(metric, tenant, cluster, broker, topic, part, base, step)`;
  return `SELECT ${ts} AS "timestamp", metric, (base + step * i)::DOUBLE AS "value", 'eu-west-1' AS region, tenant, cluster, broker,
    topic::VARCHAR AS topic, part::INTEGER AS "partition" FROM ${series}, range(${from}, ${to}) t(i) ORDER BY metric, broker, i`;
}

/** The raw files of the small fleet under a store, as a DuckDB glob. */
export function fleetGlob(store: string): string {
  return sqlString(`${store}/raw/dt=*/*/*.parquet`);
}

import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import type { JobConfig } from '../../src/config/job-config.js';
import type { Manifest } from '../../src/partition/manifest.js';
import { runRollup, type RollupResult } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { openOracle, type Oracle } from './duckdb.js';
import { makeTempDir } from './temp-dir.js';

/** A generated day rolled up on a fresh local store, with a DuckDB oracle in UTC beside it. */
export interface RolledUpDay {
  readonly dir: string; // store root
  readonly store: LocalStore;
  readonly config: JobConfig;
  readonly date: string;
  readonly result: RollupResult;
  readonly manifest: Manifest; // the committed hour manifest
  readonly db: Oracle;
  readonly rawGlob: string; // every raw file of the store
}

/**
 * Generates `rows` rows for `date`, rolls them up with the default job (adjusted by `configure`), runs `use`, cleans
 * up.
 */
export async function withRolledUpDay<T>(
  label: string,
  o: {
    readonly rows: number;
    readonly seed: number;
    readonly date?: string;
    readonly workers?: number;
    readonly configure?: (c: JobConfig) => JobConfig;
  },
  use: (day: RolledUpDay) => Promise<T>,
): Promise<T> {
  const dir = await makeTempDir(label);
  const db = await openOracle();
  try {
    const date = o.date ?? '2026-11-24';
    const store = new LocalStore(dir.path);
    await writeSampleDay(store, { date, rows: o.rows, seed: o.seed });
    const base = await loadJobConfig();
    const config = o.configure ? o.configure(base) : base;
    const result = await runRollup({ store, config, configHash: hashJobConfig(config), date, workers: o.workers ?? 2 });
    const manifest = JSON.parse(new TextDecoder().decode(await store.get(result.manifestKey))) as Manifest;
    await db.run(`SET TimeZone = 'UTC'`);
    return await use({
      dir: dir.path,
      store,
      config,
      date,
      result,
      manifest,
      db,
      rawGlob: `${dir.path}/raw/dt=*/*/*.parquet`,
    });
  } finally {
    db.close();
    await dir.remove();
  }
}

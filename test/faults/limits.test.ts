import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { openOracle, type Oracle } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** One raw file of hour 05 of 2026-11-24 holding `rows` series, each its own topic, in row groups of 20,480 rows. */
async function writeOneFileOfTopics(db: Oracle, store: string, rows: number): Promise<void> {
  await mkdir(`${store}/raw/dt=2026-11-24/hr=05`, { recursive: true });
  await db.run(`COPY (SELECT TIMESTAMP '2026-11-24 05:00:00' + INTERVAL (i % 3600) SECOND AS timestamp, 'cpu_usage' AS metric, 1.0::DOUBLE AS value,
      'r' AS region, 't' AS tenant, 'c' AS cluster, 'b' AS broker, 'topic-' || i AS topic, 0 AS partition FROM range(0, ${rows}) t(i))
    TO '${store}/raw/dt=2026-11-24/hr=05/part-0.parquet' (FORMAT parquet, ROW_GROUP_SIZE 20480)`);
}

it('a dimension with more distinct values than the limit halts clearly, counted over the chunks of a file', async () => {
  const dir = await makeTempDir('limits');
  const db = await openOracle();
  try {
    await writeOneFileOfTopics(db, dir.path, 300_000);
    const base = await loadJobConfig();
    const config = {
      ...base,
      output: { ...base.output, limits: { ...base.output.limits, distinctValues: 200_000, groups: 5_000_000 } },
    };
    const store = new LocalStore(dir.path);
    await assert.rejects(
      runRollup({ store, config, configHash: hashJobConfig(config), date: '2026-11-24', workers: 0 }),
      (e: Error) => {
        assert.equal(e.name, 'RawInputError');
        assert.match(
          e.message,
          /limit dimension 'topic' has more than 200000 distinct values in raw\/dt=2026-11-24\/hr=05\/part-0\.parquet; raise output\.limits\.distinctValues in the job config or drop the dimension 'topic'$/,
        );
        return true;
      },
    );
    assert.equal(await store.head('rollup/hour/dt=2026-11-24/_manifest.json'), undefined);
    const groups = {
      ...base,
      output: { ...base.output, limits: { ...base.output.limits, distinctValues: 1_000_000, groups: 200_000 } },
    };
    await assert.rejects(
      runRollup({ store, config: groups, configHash: hashJobConfig(groups), date: '2026-11-24', workers: 1 }),
      /limit more than 200000 series-hours in raw\/dt=2026-11-24\/hr=\d\d\/[^;]+; raise output\.limits\.groups in the job config$/,
    );
  } finally {
    db.close();
    await dir.remove();
  }
});

it('a dimension value longer than limits.valueBytes halts naming the file, the dimension and the limit', async () => {
  const dir = await makeTempDir('limits-value-bytes');
  const db = await openOracle();
  try {
    await mkdir(`${dir.path}/raw/dt=2026-11-24/hr=05`, { recursive: true });
    await db.run(`COPY (SELECT TIMESTAMP '2026-11-24 05:00:00' + INTERVAL (i) SECOND AS timestamp, 'cpu_usage' AS metric,
        1.0::DOUBLE AS value, 'r' AS region, 't' AS tenant, 'c' AS cluster, 'b' AS broker,
        CASE WHEN i = 7 THEN repeat('x', 50000) ELSE 'topic-' || i END AS topic, 0 AS partition FROM range(0, 100) t(i))
      TO '${dir.path}/raw/dt=2026-11-24/hr=05/part-0.parquet' (FORMAT parquet)`);
    const config = await loadJobConfig();
    const store = new LocalStore(dir.path);
    await assert.rejects(
      runRollup({ store, config, configHash: hashJobConfig(config), date: '2026-11-24', workers: 0 }),
      (e: Error) =>
        e.name === 'RawInputError' &&
        e.message.startsWith(
          "limit valueBytes dimension 'topic' has a value of 50000 bytes, over 4096 (\"xxxxxxxxxx",
        ) &&
        e.message.endsWith(
          "in raw/dt=2026-11-24/hr=05/part-0.parquet; raise output.limits.valueBytes in the job config or drop the dimension 'topic'",
        ),
    );
    assert.equal(await store.head('rollup/hour/dt=2026-11-24/_manifest.json'), undefined);
  } finally {
    db.close();
    await dir.remove();
  }
});

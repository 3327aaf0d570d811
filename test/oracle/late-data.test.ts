import assert from 'node:assert/strict';
import { it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import type { Manifest } from '../../src/partition/manifest.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { diffBaseRollup } from '../helpers/base-rollup-oracle.js';
import { openOracle, sqlString } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { hourBaseJob } from '../helpers/hour-base-job.js';

it("rows of a day found in the next day's first hours are routed to that day's rollup: nothing is lost or counted twice", async () => {
  const dir = await makeTempDir('late');
  const db = await openOracle();
  try {
    const store = new LocalStore(dir.path);
    const days = ['2026-11-23', '2026-11-24'];
    for (const [i, date] of days.entries()) await writeSampleDay(store, { date, rows: 40_000, seed: 50 + i });
    const config = hourBaseJob(await loadJobConfig());
    const manifests: Manifest[] = [];
    for (const date of days) {
      const r = await runRollup({ store, config, configHash: hashJobConfig(config), date, workers: 0 });
      manifests.push(JSON.parse(new TextDecoder().decode(await store.get(r.manifestKey))) as Manifest);
    }
    const [first, second] = manifests as [Manifest, Manifest];
    assert.ok(first.rows.late > 0, 'the first day picked up its late rows from the second day');
    assert.equal(first.rows.late, second.rows.routed, 'what the second day routes, the first day takes');
    assert.ok(first.inputs.some((i) => i.late === true && i.key.startsWith('raw/dt=2026-11-24/hr=00/')));
    const files = (m: Manifest): string[] => m.outputs.map((o) => `${dir.path}/${o.key}`);
    for (const [i, m] of manifests.entries()) {
      const diff = await diffBaseRollup(db, {
        rawGlob: `${dir.path}/raw/dt=*/*/*.parquet`,
        outputFiles: files(m),
        date: days[i]!,
        dimensions: config.raw.dimensions,
      });
      assert.deepEqual(
        [diff.missing, diff.extra, diff.countDiff, diff.sumDiff, diff.lastDiff],
        [0, 0, 0, 0, 0],
        days[i],
      );
    }
    const [all] =
      await db.rows(`SELECT count(*) AS n FROM read_parquet(${sqlString(`${dir.path}/raw/dt=*/*/*.parquet`)})
      WHERE value IS NOT NULL AND NOT isnan(value) AND timestamp::TIMESTAMP >= DATE '2026-11-23' AND timestamp::TIMESTAMP < DATE '2026-11-25'`);
    assert.equal(
      first.rows.accepted + second.rows.accepted,
      Number(all!.n),
      'every valid row of the two days is counted once',
    );
    for (const m of manifests) {
      const rejected = Object.values(m.rows.rejected).reduce((a, b) => a + b, 0);
      assert.equal(m.rows.in + m.rows.late, m.rows.accepted + rejected + m.rows.routed, 'row accounting balances');
    }
  } finally {
    db.close();
    await dir.remove();
  }
});

import assert from 'node:assert/strict';
import { rename, rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { JobConfig } from '../../src/config/job-config.js';
import { listedFiles, type Manifest } from '../../src/partition/manifest.js';
import { runRollup, type RollupResult } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { listAll, type ObjectStore } from '../../src/storage/object-store.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { assertAnswersLikeDuckDb, date, hourKey, hourTierJob, manifestOf, runDay } from '../helpers/hourly-day.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** A store that records the keys written through it. */
function countingStore(store: ObjectStore): { store: ObjectStore; puts: string[] } {
  const puts: string[] = [];
  const wrapped: ObjectStore = {
    description: store.description,
    listPage: (p, t, s) => store.listPage(p, t, s),
    head: (k) => store.head(k),
    get: (k, o) => store.get(k, o),
    getRange: (k, s, e) => store.getRange(k, s, e),
    put: (k, b, o) => {
      puts.push(k);
      return store.put(k, b, o);
    },
    delete: (k) => store.delete(k),
  };
  return { store: wrapped, puts };
}

describe('incremental hours: late, changed and removed raw files', { timeout: 300_000 }, () => {
  let full: { path: string; remove: () => Promise<void> };
  let db: Oracle;
  let config: JobConfig;
  let configHash: string;
  let fullStore: LocalStore;
  let original: Manifest;
  const run = (store: ObjectStore, extra: { hour?: number } = {}): Promise<RollupResult> =>
    runDay(store, { config, configHash }, extra);

  /** A raw file at `key` holding received_bytes rows of the given hours (copies of the day's rows, value + 1). */
  async function writeLateFile(root: string, key: string, hours: readonly number[]): Promise<void> {
    const glob = sqlString(`${root}/raw/dt=${date}/hr=*/part-*.parquet`);
    const selects = hours.map(
      (h) =>
        `(SELECT * REPLACE (value + 1 AS value) FROM read_parquet(${glob}) WHERE metric = 'received_bytes' ` +
        `AND timestamp::TIMESTAMP >= TIMESTAMP '${date} ${String(h).padStart(2, '0')}:00:00' ` +
        `AND timestamp::TIMESTAMP < TIMESTAMP '${date} ${String(h).padStart(2, '0')}:00:00' + INTERVAL 1 HOUR ` +
        'ORDER BY ALL LIMIT 40)',
    );
    await db.run(`COPY (${selects.join(' UNION ALL ')}) TO ${sqlString(`${root}/${key}`)} (FORMAT parquet)`);
  }

  before(async () => {
    ({ config, configHash } = await hourTierJob());
    db = await openOracle(1);
    full = await makeTempDir('late-files');
    fullStore = new LocalStore(full.path);
    await writeSampleDay(fullStore, { date, rows: 8_000, seed: 7 });
    const r = await run(fullStore);
    assert.equal(r.outcome, 'committed');
    assert.deepEqual(
      r.hoursRebuilt,
      Array.from({ length: 24 }, (_, h) => h),
    );
    original = await manifestOf(fullStore);
  });
  after(async () => {
    db.close();
    await full.remove();
  });

  it('a late file rebuilds only the hours its rows fall in; a change and a removal rebuild their recorded hours', async () => {
    const late = `raw/dt=${date}/hr=05/late-1.parquet`;
    await writeLateFile(full.path, late, [3, 5]);
    const steps: { name: string; act: () => Promise<void>; hours: number[] }[] = [
      { name: 'late file in hr=05 with rows of hours 03 and 05', act: async () => {}, hours: [3, 5] },
      {
        name: 'the late file rewritten with rows of hour 06 only',
        act: () => writeLateFile(full.path, late, [6]),
        hours: [3, 5, 6],
      },
      { name: 'the late file removed', act: () => rm(`${full.path}/${late}`), hours: [6] },
    ];
    for (const step of steps) {
      await step.act();
      const before = await manifestOf(fullStore);
      const counting = countingStore(fullStore);
      const r = await run(counting.store);
      assert.equal(r.outcome, 'committed', step.name);
      assert.deepEqual(r.hoursRebuilt, step.hours, step.name);
      const written = counting.puts.filter(
        (k) => k.startsWith('rollup/hour/') && !k.endsWith('_manifest.json') && !k.endsWith('_lease.json'),
      );
      assert.ok(written.length > 0, step.name);
      for (const k of written)
        assert.ok(
          step.hours.some((h) => k.includes(`-h${String(h).padStart(2, '0')}-s`)),
          `${step.name}: wrote ${k}`,
        );
      const after = await manifestOf(fullStore);
      const kept = (m: Manifest) => m.segments!.list.filter((s) => !step.hours.includes(s.hour!));
      assert.deepEqual(kept(after), kept(before), `${step.name}: other hours carried as they were`);
      // gc after the commit (grace 0 here): the replaced segments' files are gone, every listed file is there
      const stored = (await listAll(fullStore, `rollup/hour/dt=${date}/`)).map((o) => o.key).sort();
      const listed = listedFiles(after).map((f) => f.key);
      assert.deepEqual(stored, [...new Set([...listed, hourKey])].sort(), step.name);
      await assertAnswersLikeDuckDb(db, config, fullStore, full.path);
      if (step !== steps[0]) continue;
      // exact: a full rebuild of the same raw files commits the same segments and the same counts
      const forced = await runRollup({ store: fullStore, config, configHash, date, workers: 0, force: true });
      const rebuilt = await manifestOf(fullStore);
      assert.equal(forced.outcome, 'committed');
      assert.deepEqual(rebuilt.segments, after.segments, step.name);
      assert.deepEqual(rebuilt.rows, after.rows, step.name);
      assert.deepEqual(rebuilt.inputs, after.inputs, step.name);
      assert.deepEqual(rebuilt.cube, after.cube, step.name);
    }
    assert.deepEqual((await manifestOf(fullStore)).segments, original.segments); // back to the original day
  });

  it('an --hour run that must re-read a file of another folder replaced since lists the whole day instead', async () => {
    await writeLateFile(full.path, `raw/dt=${date}/hr=05/late-2.parquet`, [4]); // rows of hour 04: hr=04 is re-read
    const four = `${full.path}/raw/dt=${date}/hr=04/part-0.parquet`;
    await db.run(
      `COPY (SELECT * FROM read_parquet(${sqlString(four)}) ORDER BY ALL LIMIT 100) TO ${sqlString(`${four}.tmp`)} ` +
        '(FORMAT parquet)',
    );
    await rename(`${four}.tmp`, four);
    const r = await run(fullStore, { hour: 5 });
    assert.equal(r.outcome, 'committed'); // not a retry (75) every hour until a plain run
    const m = await manifestOf(fullStore);
    const entry = m.inputs.find((i) => i.key === `raw/dt=${date}/hr=04/part-0.parquet`);
    assert.equal(entry?.size, (await fullStore.head(entry!.key))?.size);
    assert.equal(m.hourFolders, undefined);
    await assertAnswersLikeDuckDb(db, config, fullStore, full.path);
  });
});

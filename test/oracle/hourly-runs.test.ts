import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, readdir, rename, rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { JobConfig } from '../../src/config/job-config.js';
import { listedFiles, type Manifest } from '../../src/partition/manifest.js';
import { runQuery, type Query } from '../../src/query/run-query.js';
import { runRollup, type RollupResult } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import {
  assertAnswersLikeDuckDb,
  date,
  dayMs,
  hourKey,
  hourTierJob,
  manifestOf,
  runDay,
} from '../helpers/hourly-day.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** Every listed file of a manifest as key -> sha256 of the bytes the store holds. */
async function fileHashes(store: ObjectStore, m: Manifest): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of listedFiles(m))
    out.set(
      f.key,
      createHash('sha256')
        .update(await store.get(f.key))
        .digest('hex'),
    );
  return out;
}

const withoutMtime = (m: Manifest) => m.inputs.map(({ mtimeMs: _m, ...i }) => i);
/** The day's received bytes, hour by hour. */
const receivedByHour: Query = {
  metric: 'received_bytes',
  kind: 'delta',
  fromMs: dayMs,
  toMs: dayMs + 86_400_000,
  grain: 'hour',
  groupBy: [],
  where: {},
  whereNot: {},
  agg: 'sum',
};

describe('hourly runs: run --hour and incremental hours', { timeout: 300_000 }, () => {
  let full: { path: string; remove: () => Promise<void> };
  let hourly: { path: string; remove: () => Promise<void> };
  let db: Oracle;
  let config: JobConfig;
  let configHash: string;
  let fullStore: LocalStore;
  let original: Manifest;
  const run = (store: ObjectStore, extra: { hour?: number } = {}): Promise<RollupResult> =>
    runDay(store, { config, configHash }, extra);
  const hourStarts = (hours: readonly number[]): string[] =>
    hours.map((h) => new Date(dayMs + h * 3_600_000).toISOString());
  /** Runs `use` on a fresh store holding a copy of the day's raw objects (and nothing else), then removes it. */
  const withRawCopy = async (label: string, use: (dir: string, store: LocalStore) => Promise<void>): Promise<void> => {
    const dir = await makeTempDir(label);
    try {
      await cp(`${full.path}/raw`, `${dir.path}/raw`, { recursive: true });
      await use(dir.path, new LocalStore(dir.path));
    } finally {
      await dir.remove();
    }
  };

  before(async () => {
    ({ config, configHash } = await hourTierJob());
    db = await openOracle(1);
    full = await makeTempDir('hourly-full');
    hourly = await makeTempDir('hourly-byhour');
    fullStore = new LocalStore(full.path);
    await writeSampleDay(fullStore, { date, rows: 8_000, seed: 7 });
    await cp(`${full.path}/raw`, `${hourly.path}/raw`, { recursive: true });
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
    await hourly.remove();
  });

  it('a partial day (one --hour run) reports the hours not built yet, never zero, and builds no day tier', async () => {
    const store = new LocalStore(hourly.path);
    const r = await run(store, { hour: 5 });
    assert.equal(r.outcome, 'committed');
    assert.deepEqual(r.hourFolders, [5]);
    const m = await manifestOf(store);
    assert.deepEqual(m.hourFolders, [5]);
    const folderHours = await db.rows(
      `SELECT DISTINCT hour(timestamp::TIMESTAMP)::INTEGER AS h FROM read_parquet(${sqlString(
        `${hourly.path}/raw/dt=${date}/hr=05/*.parquet`,
      )}) WHERE timestamp::TIMESTAMP >= DATE '${date}' ORDER BY h`,
    );
    const hoursOf05 = folderHours.map((x) => Number(x.h));
    assert.ok(hoursOf05.includes(5));
    assert.deepEqual([...new Set(m.segments!.list.map((s) => s.hour))], hoursOf05); // its rows' hours, not only 05
    assert.deepEqual([...new Set(m.inputs.flatMap((i) => i.hours ?? []))].sort(), hoursOf05);
    const q = receivedByHour;
    const { rows, missing } = await runQuery(store, config.output.prefix, config.cube!, q);
    assert.ok(rows.some((x) => x.time === '2026-11-24T05:00:00.000Z'));
    const notBuilt = Array.from({ length: 24 }, (_, h) => h)
      .filter((h) => h !== 5)
      .map((h) => new Date(dayMs + h * 3_600_000).toISOString());
    assert.deepEqual(missing.notBuilt, notBuilt);
    assert.deepEqual(missing.hours, []); // not "hours with nothing matching": they are not built
    // rows up to 2 hours late: hour 05's late rows land in hr=06 and hr=07, not built yet, so 05 is not complete either
    const withLate = await runQuery(store, config.output.prefix, config.cube!, q, undefined, { lateArrivalHours: 2 });
    assert.ok(withLate.rows.some((x) => x.time === '2026-11-24T05:00:00.000Z'));
    assert.deepEqual(
      withLate.missing.notBuilt,
      Array.from({ length: 24 }, (_, h) => new Date(dayMs + h * 3_600_000).toISOString()),
    );
    // a question nothing matches: hour 05 may still get its late rows, so it is "not built yet" and not also
    // "nothing matching"; nor is the day, at day grain, "rolled up with nothing matching"
    const nobody = { ...q, where: { cluster: ['nobody'] } };
    const none = await runQuery(store, config.output.prefix, config.cube!, nobody, undefined, { lateArrivalHours: 2 });
    assert.deepEqual([none.rows, none.missing.hours, none.missing.notBuilt?.length], [[], [], 24]);
    const noneByDay = await runQuery(
      store,
      config.output.prefix,
      config.cube!,
      { ...nobody, grain: 'day' },
      undefined,
      { lateArrivalHours: 2 },
    );
    assert.deepEqual([noneByDay.rows, noneByDay.missing.days, noneByDay.missing.notBuilt?.length], [[], [], 24]);
    // without late rows to wait for, hour 05 is built whole: there nothing matched
    const built = await runQuery(store, config.output.prefix, config.cube!, nobody);
    assert.deepEqual(built.missing.hours, ['2026-11-24T05:00:00.000Z']);
    const again = await run(store, { hour: 5 });
    assert.equal(again.outcome, 'skipped');
  });

  it('an --hour run that rebuilds the whole day (--force) keeps the day partial, and says why it widened', async () => {
    await withRawCopy('hourly-widened', async (_dir, store) => {
      await run(store, { hour: 5 });
      const forced = await runRollup({ store, config, configHash, date, workers: 0, graceMs: 0, hour: 5, force: true });
      assert.equal(forced.outcome, 'committed');
      assert.equal(forced.reasons?.[0], 'widened to the whole day: --force');
      assert.deepEqual((await manifestOf(store)).hourFolders, [5], 'still partial: only hr=05 was built by --hour');
      const { missing } = await runQuery(store, config.output.prefix, config.cube!, receivedByHour, undefined, {
        lateArrivalHours: 2,
      });
      assert.deepEqual(missing.notBuilt, hourStarts(Array.from({ length: 24 }, (_, h) => h)));
      assert.deepEqual(missing.hours, [], 'hours not built are not "nothing matching"');
    });
  });

  it('an --hour run of an emptied folder applies the removal when other folders hold the day; a day whose raw is gone is kept', async () => {
    await withRawCopy('hourly-emptied', async (dir, store) => {
      await run(store, { hour: 4 });
      await run(store, { hour: 5 });
      const folder5 = `${dir}/raw/dt=${date}/hr=05`;
      for (const name of await readdir(folder5)) await rm(`${folder5}/${name}`);
      const emptied = await run(store, { hour: 5 });
      assert.equal(emptied.outcome, 'committed');
      const m = await manifestOf(store);
      assert.deepEqual(m.hourFolders, [4, 5]);
      assert.equal(m.inputs.filter((i) => i.key.includes('/hr=05/')).length, 0);
      const [raw] = await db.rows(
        `SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(`${dir}/raw/dt=${date}/hr=04/*.parquet`)})`,
      );
      assert.equal(m.rows.in, Number(raw!.n), 'only hr=04 is read now');
      // the day's raw objects removed (raw retention): the hour partition is the only copy of its rows, kept as it is
      await rm(`${dir}/raw/dt=${date}`, { recursive: true });
      const gone = await run(store, { hour: 5 });
      assert.notEqual(gone.outcome, 'committed');
      assert.deepEqual(await manifestOf(store), m);
    });
  });

  it('a quiet first hour (its folder empty, no run has committed the day yet) is nothing to do, not a halt', async () => {
    await withRawCopy('hourly-quiet', async (dir, store) => {
      await rm(`${dir}/raw/dt=${date}/hr=00`, { recursive: true });
      const quiet = await run(store, { hour: 0 });
      assert.equal(quiet.outcome, 'no-input');
      assert.match(
        quiet.keptBecause ?? '',
        /^hour folder hr=00 holds no raw object yet and no run has committed the day/,
      );
      assert.equal(await store.head(hourKey), undefined, 'nothing committed');
      assert.equal((await run(store, { hour: 1 })).outcome, 'committed');
      assert.deepEqual((await manifestOf(store)).hourFolders, [1]);
    });
  });

  it('building the day hour by hour gives the segment files and entries of one full run, byte for byte', async () => {
    const store = new LocalStore(hourly.path);
    for (let h = 0; h < 24; h++) {
      if (h !== 5) await run(store, { hour: h });
      if (h !== 9) continue;
      // folders 00..09 built: hours 08 and 09 wait for late rows in hr=10 and hr=11 (2 hours late at most)
      const { missing } = await runQuery(store, config.output.prefix, config.cube!, receivedByHour, undefined, {
        lateArrivalHours: 2,
      });
      assert.deepEqual(
        missing.notBuilt,
        Array.from({ length: 16 }, (_, i) => new Date(dayMs + (8 + i) * 3_600_000).toISOString()),
      );
    }
    const m = await manifestOf(store);
    const allHours = Array.from({ length: 24 }, (_, h) => h);
    assert.deepEqual(m.hourFolders, allHours, "every hour folder, not the next day's late folders: still partial");
    assert.deepEqual(m.segments, original.segments);
    assert.deepEqual(m.rows, original.rows);
    assert.deepEqual(m.cube, original.cube);
    assert.deepEqual(withoutMtime(m), withoutMtime(original));
    assert.deepEqual(await fileHashes(store, m), await fileHashes(fullStore, original));
    // its last lateArrivalHours hours read as not complete yet, not as complete
    const q = receivedByHour;
    const { missing } = await runQuery(store, config.output.prefix, config.cube!, q, undefined, {
      lateArrivalHours: 2,
    });
    assert.deepEqual(
      missing.notBuilt,
      [22, 23].map((h) => new Date(dayMs + h * 3_600_000).toISOString()),
    );
    const plain = await run(store);
    assert.equal(plain.outcome, 'committed'); // the late folders listed (none here): the day complete
    assert.deepEqual(plain.read, { files: 0, bytes: 0 }, 'nothing decoded');
    const complete = await manifestOf(store);
    assert.equal(complete.hourFolders, undefined);
    assert.deepEqual(complete.segments, original.segments);
    const after = await runQuery(store, config.output.prefix, config.cube!, q, undefined, { lateArrivalHours: 2 });
    assert.equal(after.missing.notBuilt, undefined);
    await assertAnswersLikeDuckDb(db, config, store, hourly.path);
  });

  it('an --hour run over a manifest written before per-input hours lists and rebuilds the whole day', async () => {
    const store = new LocalStore(hourly.path);
    const older = await manifestOf(store);
    for (const i of older.inputs) {
      delete (i as { hours?: unknown }).hours;
      delete (i as { rows?: unknown }).rows;
    }
    delete (older as { layout?: unknown }).layout; // a manifest of that time has none
    await store.put(hourKey, new TextEncoder().encode(JSON.stringify(older)));
    const glob = sqlString(`${hourly.path}/raw/dt=${date}/hr=07/*.parquet`);
    const extra = sqlString(`${hourly.path}/raw/dt=${date}/hr=05/extra.parquet`); // rows of hours 06-07, in hr=05
    await db.run(`COPY (SELECT * FROM read_parquet(${glob}) ORDER BY ALL LIMIT 50) TO ${extra} (FORMAT parquet)`);
    // and a file of another folder replaced since: read as the older manifest recorded it, it could never be read
    const seven = `${hourly.path}/raw/dt=${date}/hr=07/part-0.parquet`;
    await db.run(
      `COPY (SELECT * FROM read_parquet(${sqlString(seven)}) ORDER BY ALL LIMIT 200) TO ${sqlString(`${seven}.tmp`)} ` +
        '(FORMAT parquet)',
    );
    await rename(`${seven}.tmp`, seven);
    const r = await run(store, { hour: 5 });
    assert.equal(r.outcome, 'committed');
    assert.equal(r.hourFolders, undefined);
    assert.deepEqual(r.hoursKept, []);
    const m = await manifestOf(store);
    assert.equal(m.hourFolders, undefined, 'every folder listed: a complete day');
    assert.ok(m.inputs.every((i) => i.hours !== undefined && i.rows !== undefined));
    assert.deepEqual(m.inputs.map((i) => i.key).filter((k) => k.endsWith('/extra.parquet')).length, 1);
    const forced = await runRollup({ store, config, configHash, date, workers: 0, force: true });
    assert.equal(forced.outcome, 'committed');
    const full = await manifestOf(store);
    assert.deepEqual(m.segments, full.segments);
    assert.deepEqual(m.rows, full.rows);
  });
});

import { listedFiles } from '../../src/partition/manifest.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import type { JobConfig } from '../../src/config/job-config.js';
import { collectGarbage } from '../../src/partition/collect-garbage.js';
import type { Manifest } from '../../src/partition/manifest.js';
import { applyRetention } from '../../src/rollup/apply-retention.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { PreconditionFailedError } from '../../src/storage/storage-error.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const date = '2026-11-24';
const manifestPath = (root: string): string => `${root}/rollup/hour/dt=${date}/_manifest.json`;

/** The keys of every file a manifest lists (data files, star-tree index and records, cuboids). */
function filesOf(m: Manifest): { key: string; bytes: number; sha256: string }[] {
  return listedFiles(m);
}

/** Asserts that every file the committed hour manifest lists exists with its size and sha256. */
async function assertWhole(root: string): Promise<Manifest> {
  const m = JSON.parse(await readFile(manifestPath(root), 'utf8')) as Manifest;
  for (const f of filesOf(m)) {
    assert.ok(existsSync(`${root}/${f.key}`), `${f.key} is listed by the committed manifest but was deleted`);
    const bytes = await readFile(`${root}/${f.key}`);
    assert.equal(bytes.length, f.bytes, f.key);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), f.sha256, f.key);
  }
  return m;
}

/** A store that calls its hooks around put, before delete, and after each listing. */
function hooked(
  store: ObjectStore,
  hooks: {
    delete?: (key: string) => Promise<void>;
    put?: (key: string, run: () => Promise<void>) => Promise<void>;
    listed?: () => Promise<void>;
  },
): ObjectStore {
  return {
    description: store.description,
    listPage: async (p, t, n) => {
      const page = await store.listPage(p, t, n);
      await hooks.listed?.();
      return page;
    },
    head: (k) => store.head(k),
    get: (k) => store.get(k),
    getRange: (k, s, e, o) => store.getRange(k, s, e, o),
    put: (k, b, o) => (hooks.put ? hooks.put(k, () => store.put(k, b, o)) : store.put(k, b, o)),
    delete: async (k) => {
      await hooks.delete?.(k);
      await store.delete(k);
    },
  };
}

/**
 * A store whose first delete of a key `startsAt` holds starts a run of the day first, and waits until that run has
 * finished or found the partition's lease held (it then waits for the lease); `run` is that run, once started.
 */
function runStartedAtDelete(
  store: ObjectStore,
  config: JobConfig,
  configHash: string,
  startsAt: (key: string) => boolean,
): { store: ObjectStore; run: () => Promise<unknown> | undefined } {
  let blocked!: () => void;
  const runBlocked = new Promise<'blocked'>((resolve) => (blocked = () => resolve('blocked')));
  const runStore = hooked(store, {
    put: async (key, put) => {
      try {
        await put();
      } catch (e) {
        if (key.endsWith('_lease.json') && e instanceof PreconditionFailedError) blocked();
        throw e;
      }
    },
  });
  let run: Promise<unknown> | undefined;
  const deleting = hooked(store, {
    delete: async (key) => {
      if (run || !startsAt(key)) return;
      run = runRollup({ store: runStore, config, configHash, date, workers: 0 });
      const settled = run.then(
        () => 'done',
        () => 'failed',
      );
      await Promise.race([settled, runBlocked]);
    },
  });
  return { store: deleting, run: () => run };
}

/**
 * A committed partition (manifest B) whose previous files (of manifest A, same content names a rebuild from A's raw
 * inputs gives again) are unreferenced and past the grace period; the raw inputs are back to A's, so a run re-creates
 * them.
 */
async function replacedPartition(root: string): Promise<{
  store: LocalStore;
  config: JobConfig;
  configHash: string;
  first: Manifest;
  firstBytes: Uint8Array;
  victims: string[];
}> {
  const store = new LocalStore(root);
  await writeSampleDay(store, { date, rows: 6000, seed: 21 });
  const config = await loadJobConfig();
  const configHash = hashJobConfig(config);
  await runRollup({ store, config, configHash, date, workers: 0 });
  const firstBytes = new Uint8Array(await readFile(manifestPath(root)));
  const first = JSON.parse(new TextDecoder().decode(firstBytes)) as Manifest;
  const extra = `${root}/raw/dt=${date}/hr=05/zz-extra.parquet`;
  await copyFile(`${root}/${first.inputs.find((i) => i.key.includes('/hr=05/'))!.key}`, extra);
  await runRollup({ store, config, configHash, date, workers: 0 });
  const second = JSON.parse(await readFile(manifestPath(root), 'utf8')) as Manifest;
  const now = new Set(filesOf(second).map((f) => f.key));
  const victims = filesOf(first)
    .map((f) => f.key)
    .filter((k) => !now.has(k));
  assert.ok(victims.length > 0, 'the second run replaced some files of the first');
  const old = new Date(Date.now() - 2 * 3600_000);
  for (const k of victims) await utimes(`${root}/${k}`, old, old);
  await rm(extra);
  return { store, config, configHash, first, firstBytes, victims };
}

it('gc racing a run that re-creates a file of the same content name never deletes what the committed manifest lists', async () => {
  const dir = await makeTempDir('gc-race');
  try {
    const { store, config, configHash, first, victims } = await replacedPartition(dir.path);
    // gc has read the manifest and listed an old file; now a run rebuilds from the original inputs
    const racing = runStartedAtDelete(store, config, configHash, (key) => victims.includes(key));
    const gcStore = racing.store;
    const t0 = Date.now();
    const report = await collectGarbage(gcStore, config.output.prefix, 'hour', date, 3600_000, () => new Date());
    const t1 = Date.now();
    const run = racing.run();
    assert.ok(run, 'gc reached a deletion');
    await run;
    assert.ok(t1 - t0 < 20_000, 'the run waited for gc, not gc for the run');
    const final = await assertWhole(dir.path);
    assert.deepEqual(final.outputs, first.outputs, 'the rerun committed the files of the original inputs again');
    assert.ok(report.deleted.length > 0);
  } finally {
    await dir.remove();
  }
});

it('gc re-reads the committed manifest right before each deletion: a file it lists by then is kept', async () => {
  const dir = await makeTempDir('gc-reread');
  try {
    const { store, config, first, firstBytes, victims } = await replacedPartition(dir.path);
    let committed = false;
    const gcStore = hooked(store, {
      listed: async () => {
        if (committed) return;
        // a commit lands after gc read the manifest and listed the partition (a writer that ignored the lease)
        committed = true;
        await store.put(`rollup/hour/dt=${date}/_manifest.json`, firstBytes);
      },
    });
    const report = await collectGarbage(gcStore, config.output.prefix, 'hour', date, 3600_000, () => new Date());
    assert.ok(committed, 'gc listed the partition');
    const final = await assertWhole(dir.path);
    assert.deepEqual(final.outputs, first.outputs);
    assert.deepEqual(
      [...(report.kept ?? [])].sort(),
      [...victims].sort(),
      'every old file the new manifest lists was kept',
    );
  } finally {
    await dir.remove();
  }
});

it('gc reads the manifest once while it stays as it was, however many files it deletes (a head before each)', async () => {
  const dir = await makeTempDir('gc-reads');
  try {
    const { store, config, victims } = await replacedPartition(dir.path);
    const manifestKey = `rollup/hour/dt=${date}/_manifest.json`;
    const calls = { get: 0, head: 0 };
    const counted: ObjectStore = {
      ...hooked(store, {}),
      head: (k) => {
        if (k === manifestKey) calls.head++;
        return store.head(k);
      },
      get: (k) => {
        if (k === manifestKey) calls.get++;
        return store.get(k);
      },
    };
    const report = await collectGarbage(counted, config.output.prefix, 'hour', date, 3600_000, () => new Date());
    assert.deepEqual([...report.deleted].sort(), [...victims].sort());
    assert.ok(victims.length > 1, `${victims.length} files to delete`);
    assert.deepEqual(calls, { get: 1, head: victims.length + 1 });
    await assertWhole(dir.path);
  } finally {
    await dir.remove();
  }
});

it('retention racing a run of the same day: the run waits for its lease, so the day ends deleted whole or committed whole', async () => {
  const dir = await makeTempDir('retention-race');
  try {
    const store = new LocalStore(dir.path);
    await writeSampleDay(store, { date, rows: 6000, seed: 22 });
    const config = await loadJobConfig();
    const configHash = hashJobConfig(config);
    await runRollup({ store, config, configHash, date, workers: 0 });
    const committed = JSON.parse(await readFile(manifestPath(dir.path), 'utf8')) as Manifest;
    // retention has listed the partition and deleted its manifest, and is about to delete its files: a run of the day
    // starts now (it finds the day not committed and rebuilds it, files of the same content names)
    const racing = runStartedAtDelete(store, config, configHash, (key) => !key.endsWith('/_manifest.json'));
    const retentionStore = racing.store;
    const decisions = [{ kind: 'delete', tier: 'hour', date, ageDays: 30, retentionDays: 7 } as const];
    const quiet = { event: () => {} } as unknown as Parameters<typeof applyRetention>[4];
    const actions = await applyRetention(retentionStore, config, decisions, true, quiet, () => new Date());
    assert.deepEqual(
      actions.map((a) => a.outcome),
      ['deleted'],
    );
    const run = racing.run();
    assert.ok(run, 'retention reached the deletion of the manifest');
    await run; // after retention released the lease: the run rebuilt the day from its raw objects
    const rebuilt = await assertWhole(dir.path);
    assert.deepEqual(rebuilt.outputs, committed.outputs, 'the run committed the whole day again');
  } finally {
    await dir.remove();
  }
});

it("gc removes the temp files a killed run's unfinished puts left in the partition, once past the grace period", async () => {
  const dir = await makeTempDir('gc-temps');
  try {
    const store = new LocalStore(dir.path);
    await writeSampleDay(store, { date, rows: 2000, seed: 23 });
    const config = await loadJobConfig();
    await runRollup({ store, config, configHash: hashJobConfig(config), date, workers: 0 });
    const folder = `${dir.path}/rollup/hour/dt=${date}`;
    const old = new Date(Date.now() - 2 * 3600_000);
    for (const name of ['.tmp-0a1b2c', '.tmp-fresh']) await writeFile(`${folder}/${name}`, 'partial upload');
    await utimes(`${folder}/.tmp-0a1b2c`, old, old);
    const report = await collectGarbage(store, config.output.prefix, 'hour', date, 3600_000, () => new Date());
    assert.deepEqual(report.deleted, [`rollup/hour/dt=${date}/.tmp-0a1b2c`]);
    assert.equal(existsSync(`${folder}/.tmp-fresh`), true, 'a put still in flight is kept');
    await assertWhole(dir.path);
    // a put killed in a partition's first moments (its lease, say) leaves a folder holding only its temp file, which
    // no listing shows: gc of the store removes it too
    const lone = `${dir.path}/rollup/day/dt=2026-11-30`;
    await mkdir(lone, { recursive: true });
    await writeFile(`${lone}/.tmp-killed`, 'partial lease');
    await utimes(`${lone}/.tmp-killed`, old, old);
    const gc = await runCli(['gc', '--store', dir.path]);
    assert.equal(gc.code, 0, gc.stderr);
    assert.equal(existsSync(`${lone}/.tmp-killed`), false);
    assert.equal(existsSync(`${folder}/.tmp-fresh`), true);
  } finally {
    await dir.remove();
  }
});

it("gc leaves a pod run's exchange, and the segments pods uploaded, while any of its files is younger than the pods' wait, whatever the grace", async () => {
  const dir = await makeTempDir('gc-exchange');
  try {
    const store = new LocalStore(dir.path);
    const config = await loadJobConfig();
    const exchange = `rollup/hour/dt=${date}/_exchange/plan-a/`;
    const stale = `rollup/hour/dt=${date}/_exchange/plan-b/`;
    // pod 0 decoded 20 minutes ago and waits for pod 1 (pods hold no lease while they wait); plan-b's pods died long
    // ago; a pod uploaded a segment 45 minutes ago that pod 0 has not committed yet
    const segment = `rollup/hour/dt=${date}/part-h00-s0000-00000-0123456789ab.parquet`;
    for (const key of [
      `${exchange}decoded/pod-0.json`,
      `${exchange}pieces/s0/0-0`,
      `${stale}decoded/pod-0.json`,
      segment,
    ])
      await store.put(key, new TextEncoder().encode('{}'));
    const at = (key: string, minutesAgo: number) =>
      utimes(
        `${dir.path}/${key}`,
        new Date(Date.now() - minutesAgo * 60_000),
        new Date(Date.now() - minutesAgo * 60_000),
      );
    await at(`${exchange}decoded/pod-0.json`, 20);
    await at(`${exchange}pieces/s0/0-0`, 45);
    await at(`${stale}decoded/pod-0.json`, 45);
    await at(segment, 45);
    const report = await collectGarbage(store, config.output.prefix, 'hour', date, 0, () => new Date());
    assert.deepEqual(report.deleted, [`${stale}decoded/pod-0.json`]);
    assert.deepEqual(report.waiting, [], 'none is younger than the grace (0)');
    assert.deepEqual(report.exchanging, [`${exchange}decoded/pod-0.json`, `${exchange}pieces/s0/0-0`, segment]);
    // what gc prints says why: not the grace period
    const printed = await runCli(['gc', '--store', dir.path, '--grace', '60']);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(
      printed.stdout,
      /0 younger than 60 s kept for now, 3 of pod runs kept \(an exchange written to in the last 30 min: pods may still wait on them or commit them\)/,
    );
  } finally {
    await dir.remove();
  }
});

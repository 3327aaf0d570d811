import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import { it } from 'node:test';
import type { JobConfig } from '../../src/config/job-config.js';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import type { Manifest } from '../../src/partition/manifest.js';
import { runPod, type PodResult } from '../../src/rollup/run-pod.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { listRawInputs } from '../../src/rollup/list-raw-inputs.js';
import { planShardsWithHistory } from '../../src/rollup/read-shard-history.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { listAll } from '../../src/storage/object-store.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { openOracle } from '../helpers/duckdb.js';
import { hotKeyDay, writeHotKeyDay } from '../helpers/hot-key-day.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const date = '2026-11-24';

/** A committed manifest of a store, as stored. */
async function manifestAt(store: LocalStore, key: string): Promise<Manifest> {
  return JSON.parse(new TextDecoder().decode(await store.get(key))) as Manifest;
}

/** Pods 0..2 of `date` on one store, at once. */
function threePods(store: LocalStore, config: JobConfig, configHash: string): Promise<PodResult[]> {
  return Promise.all(
    [0, 1, 2].map((index) =>
      runPod({ store, config, configHash, date, workers: 0, pod: { index, count: 3 }, pollMs: 50 }),
    ),
  );
}

it('three pods (decode, build, pod 0 commits) commit the files of one process, byte for byte', async () => {
  const single = await makeTempDir('pods-single');
  const pods = await makeTempDir('pods');
  try {
    const base = await loadJobConfig();
    const config = { ...base, output: { ...base.output, segments: { ...base.output.segments, shards: 2 } } };
    const configHash = hashJobConfig(config);
    const stores = [new LocalStore(single.path), new LocalStore(pods.path)] as const;
    for (const s of stores) await writeSampleDay(s, { date, rows: 40_000, seed: 5 });
    await runRollup({ store: stores[0], config, configHash, date, workers: 0 });
    const results = await Promise.all(
      [0, 1, 2].map((index) =>
        runPod({ store: stores[1], config, configHash, date, workers: 1, pod: { index, count: 3 }, pollMs: 50 }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.filesDecoded).reduce((a, b) => a + b, 0),
      (await listAll(stores[1], `raw/dt=${date}/`)).length,
      'every raw file decoded once, by the pod of its hour folder',
    );
    assert.ok(results.every((r) => r.segmentsBuilt > 0));
    assert.equal(results[0]!.committed?.outcome, 'committed');
    assert.equal(results[1]!.committed, undefined);
    const [a, b] = await Promise.all(
      stores.map(
        async (s) =>
          JSON.parse(new TextDecoder().decode(await s.get(`rollup/hour/dt=${date}/_manifest.json`))) as Manifest,
      ),
    );
    assert.deepEqual(b!.outputs, a!.outputs);
    assert.deepEqual(b!.segments, a!.segments);
    assert.deepEqual(b!.cube, a!.cube);
    assert.deepEqual(b!.rows, a!.rows);
    const keysOf = (m: Manifest): unknown[] => m.inputs.map((i) => [i.key, i.size]);
    assert.deepEqual(keysOf(b!), keysOf(a!));
    const accountOf = (m: Manifest): unknown[] => m.inputs.map((i) => [i.key, i.hours, i.rows]);
    assert.deepEqual(accountOf(b!), accountOf(a!), 'per-input hours and rows, so an hourly run can carry them');
    assert.ok(b!.inputs.every((i) => i.hours !== undefined && i.rows !== undefined));
    assert.deepEqual(await listAll(stores[1], `rollup/hour/dt=${date}/_exchange/`), [], 'the exchange is cleaned up');
    const day = await stores[1].get(`rollup/day/dt=${date}/_manifest.json`);
    const dayA = await stores[0].get(`rollup/day/dt=${date}/_manifest.json`);
    const parse = (x: Uint8Array): Manifest => JSON.parse(new TextDecoder().decode(x)) as Manifest;
    assert.deepEqual(parse(day).outputs, parse(dayA).outputs);
    assert.deepEqual(parse(day).segments, parse(dayA).segments);
    // the day tier is spread too: its units (one per shard here) go to pods 0 and 1
    assert.deepEqual(
      results.map((r) => r.dayUnitsBuilt),
      [1, 1, 0],
    );
    assert.deepEqual(
      await listAll(stores[1], `rollup/day/dt=${date}/_exchange/`),
      [],
      'the day exchange is cleaned up',
    );
    const again = await runPod({ store: stores[1], config, configHash, date, workers: 0, pod: { index: 1, count: 3 } });
    assert.equal(again.skipped, true, 'a committed day is not built again');
  } finally {
    await single.remove();
    await pods.remove();
  }
});

it('after hourly runs, pods that find the hour tier committed build its stale day tier, as one process does', async () => {
  const single = await makeTempDir('pods-stale-single');
  const pods = await makeTempDir('pods-stale');
  try {
    const base = await loadJobConfig();
    const config = { ...base, output: { ...base.output, segments: { ...base.output.segments, shards: 2 } } };
    const configHash = hashJobConfig(config);
    const stores = [new LocalStore(single.path), new LocalStore(pods.path)] as const;
    const pods3 = () => threePods(stores[1], config, configHash);
    for (const s of stores) await writeSampleDay(s, { date, rows: 20_000, seed: 8 });
    await runRollup({ store: stores[0], config, configHash, date, workers: 0 });
    await pods3();
    const dayKey = `rollup/day/dt=${date}/_manifest.json`;
    const builtBefore = (await manifestAt(stores[1], dayKey)).runId;
    // a late file lands in hr=07 of both stores; the hourly run takes it (and builds no day tier)
    for (const s of stores) {
      const [first] = (await listAll(s, `raw/dt=${date}/hr=07/`)).map((o) => o.key).sort();
      await s.put(`raw/dt=${date}/hr=07/late.parquet`, await s.get(first!));
      await runRollup({ store: s, config, configHash, date, workers: 0, hour: 7 });
    }
    assert.equal((await manifestAt(stores[1], dayKey)).runId, builtBefore, 'the day tier is stale now');
    await runRollup({ store: stores[0], config, configHash, date, workers: 0 });
    const results = await pods3();
    assert.equal(results[0]!.committed?.outcome, 'skipped', 'the hour tier as committed');
    assert.equal(results[0]!.committed?.dayTier?.outcome, 'committed');
    assert.deepEqual(
      results.map((r) => [r.filesDecoded, r.segmentsBuilt, r.dayUnitsBuilt]),
      [
        [0, 0, 1],
        [0, 0, 1],
        [0, 0, 0],
      ],
    );
    const [a, b] = [await manifestAt(stores[0], dayKey), await manifestAt(stores[1], dayKey)];
    assert.notEqual(b.runId, builtBefore);
    assert.deepEqual(b.inputs, a.inputs);
    assert.deepEqual(b.outputs, a.outputs);
    assert.deepEqual(b.segments, a.segments);
    assert.deepEqual(
      await listAll(stores[1], `rollup/day/dt=${date}/_exchange/`),
      [],
      'the day exchange is cleaned up',
    );
    assert.ok(
      (await pods3()).every((r) => r.skipped === true && r.dayUnitsBuilt === undefined),
      'then nothing',
    );
  } finally {
    await single.remove();
    await pods.remove();
  }
});

it('pods that find a day built in part by hourly runs commit it whole, as one process does', async () => {
  const single = await makeTempDir('pods-partial-single');
  const pods = await makeTempDir('pods-partial');
  try {
    const config = await loadJobConfig();
    const configHash = hashJobConfig(config);
    const stores = [new LocalStore(single.path), new LocalStore(pods.path)] as const;
    for (const s of stores) {
      await writeSampleDay(s, { date, rows: 12_000, seed: 2 });
      // only hours 05 and 07 have data: every other hour folder is removed
      for (const o of await listAll(s, `raw/dt=${date}/`)) if (!/\/hr=0[57]\//.test(o.key)) await s.delete(o.key);
      for (const hour of [5, 7]) await runRollup({ store: s, config, configHash, date, workers: 0, hour });
    }
    const hourKey = `rollup/hour/dt=${date}/_manifest.json`;
    assert.deepEqual((await manifestAt(stores[1], hourKey)).hourFolders, [5, 7]);
    await runRollup({ store: stores[0], config, configHash, date, workers: 0 });
    const results = await threePods(stores[1], config, configHash);
    assert.equal(results[0]!.committed?.outcome, 'committed');
    assert.equal(results[0]!.committed?.dayTier?.outcome, 'committed');
    const [a, b] = [await manifestAt(stores[0], hourKey), await manifestAt(stores[1], hourKey)];
    assert.equal(a.hourFolders, undefined, 'one process: the whole day listed, no longer partial');
    assert.equal(b.hourFolders, undefined);
    assert.deepEqual(b.outputs, a.outputs);
    assert.deepEqual(b.segments, a.segments);
    const dayKey = `rollup/day/dt=${date}/_manifest.json`;
    assert.deepEqual((await manifestAt(stores[1], dayKey)).outputs, (await manifestAt(stores[0], dayKey)).outputs);
  } finally {
    await single.remove();
    await pods.remove();
  }
});

it('three pods split a hot key into the same parts as one process, byte for byte', async () => {
  const single = await makeTempDir('pods-hot-single');
  const pods = await makeTempDir('pods-hot');
  const db = await openOracle();
  try {
    const base = await loadJobConfig();
    const config = { ...base, output: { ...base.output, segments: { ...base.output.segments, shards: 2 } } };
    const configHash = hashJobConfig(config);
    const memoryBytes = 8 * 1024 * 1024; // the hot cluster's segments do not fit: they are built as parts
    const stores = [new LocalStore(single.path), new LocalStore(pods.path)] as const;
    for (const s of stores) await writeHotKeyDay(db, s.root);
    await runRollup({ store: stores[0], config, configHash, date: hotKeyDay, workers: 0, memoryBytes });
    const results = await Promise.all(
      [0, 1, 2].map((index) =>
        runPod({
          store: stores[1],
          config,
          configHash,
          date: hotKeyDay,
          workers: 0,
          memoryBytes,
          pod: { index, count: 3 },
          pollMs: 50,
        }),
      ),
    );
    assert.equal(results[0]!.committed?.outcome, 'committed');
    const read = async (s: LocalStore, tier: string): Promise<Manifest> =>
      JSON.parse(new TextDecoder().decode(await s.get(`rollup/${tier}/dt=${hotKeyDay}/_manifest.json`))) as Manifest;
    const [a, b] = await Promise.all(stores.map((s) => read(s, 'hour')));
    const split = a!.segments!.list.filter((s) => s.parts !== undefined);
    assert.ok(split.length >= 8, `${split.length} parts`);
    assert.deepEqual(b!.segments, a!.segments);
    assert.deepEqual(b!.outputs, a!.outputs);
    assert.deepEqual(b!.cube, a!.cube);
    assert.deepEqual(b!.rows, a!.rows);
    // the parts of a hot segment are units of their own: every pod builds some
    assert.ok(results.every((r) => r.segmentsBuilt > 0));
    const [dayA, dayB] = await Promise.all(stores.map((s) => read(s, 'day')));
    assert.deepEqual(dayB!.segments, dayA!.segments);
    // a day shard built as parts, spread too: each pod cuts the shard's hour files into the parts it builds
    assert.ok(
      dayA!.segments!.list.some((s) => (s.parts ?? 1) > 1),
      'a day shard built as parts',
    );
    assert.ok(
      results.every((r) => (r.dayUnitsBuilt ?? 0) > 0),
      JSON.stringify(results.map((r) => r.dayUnitsBuilt)),
    );
    assert.deepEqual(await listAll(stores[1], `rollup/hour/dt=${hotKeyDay}/_exchange/`), []);
  } finally {
    db.close();
    await single.remove();
    await pods.remove();
  }
});

it('pods rebuilding a committed day keep its shard count, as one process does (they planned it again from the listing)', async () => {
  const single = await makeTempDir('pods-kept-single');
  const pods = await makeTempDir('pods-kept');
  try {
    const config = await loadJobConfig();
    const configHash = hashJobConfig(config);
    const memoryBytes = 64 * 1024 * 1024;
    const stores = [new LocalStore(single.path), new LocalStore(pods.path)] as const;
    await writeSampleDay(stores[0], { date, rows: 100_000, seed: 8 });
    await runRollup({ store: stores[0], config, configHash, date, workers: 0, memoryBytes });
    await cp(single.path, pods.path, { recursive: true }); // the same committed day in both stores
    const committed = (await manifestAt(stores[0], `rollup/hour/dt=${date}/_manifest.json`)).segments!.shards;
    // late copies make hour 05 far bigger: planned afresh, the day would get more shards
    for (const s of stores) {
      const [first] = await listAll(s, `raw/dt=${date}/hr=05/`);
      const bytes = await s.get(first!.key);
      // past 16 bytes of build memory per raw byte over a shard's ~9.4 MB at 64 MiB: 1.2 MB in one hour folder
      for (let k = 0; k * bytes.length < 1.2e6; k++) await s.put(`raw/dt=${date}/hr=05/late-${k}.parquet`, bytes);
    }
    const listing = await listRawInputs(stores[1], config.raw.prefix, date, config.raw.lateArrivalHours);
    const afresh = await planShardsWithHistory(stores[1], config, date, memoryBytes, listing.inputs);
    assert.ok(afresh > committed, `a fresh plan (${afresh} shards) differs from the committed ${committed}`);
    await runRollup({ store: stores[0], config, configHash, date, workers: 0, memoryBytes });
    await Promise.all(
      [0, 1, 2].map((index) =>
        runPod({
          ...{ store: stores[1], config, configHash, date, workers: 0, memoryBytes },
          pod: { index, count: 3 },
        }),
      ),
    );
    const [a, b] = await Promise.all(stores.map((s) => manifestAt(s, `rollup/hour/dt=${date}/_manifest.json`)));
    assert.equal(b!.segments!.shards, committed);
    assert.deepEqual(b!.outputs, a!.outputs);
  } finally {
    await single.remove();
    await pods.remove();
  }
});

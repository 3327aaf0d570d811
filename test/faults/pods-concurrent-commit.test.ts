import assert from 'node:assert/strict';
import { copyFile, readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { runPod } from '../../src/rollup/run-pod.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const date = '2026-11-21';

/** `inner`, except that the first put of a key ending in `suffix` runs `before` first. */
function withHookBeforePut(inner: ObjectStore, suffix: string, before: () => Promise<void>): ObjectStore {
  let fired = false;
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'put')
        return async (...args: Parameters<ObjectStore['put']>) => {
          if (!fired && args[0].endsWith(suffix)) {
            fired = true;
            await before();
          }
          return target.put(...args);
        };
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

it('pod 0 does not undo a commit made while the pods built (run --hour with a new file): it exits as a retry naming both', async () => {
  const dir = await makeTempDir('pods-concurrent');
  try {
    const inner = new LocalStore(dir.path);
    const config = await loadJobConfig();
    const configHash = hashJobConfig(config);
    await writeSampleDay(inner, { date, rows: 20_000, seed: 3 });
    const added = `raw/dt=${date}/hr=05/part-9.parquet`;
    // while the pods build, a file lands in hr=05 and an hourly run commits the day with it
    const store = withHookBeforePut(inner, '/built/pod-0.json', async () => {
      await copyFile(`${dir.path}/raw/dt=${date}/hr=04/part-0.parquet`, `${dir.path}/${added}`);
      const hourly = await runRollup({ store: inner, config, configHash, date, hour: 5, workers: 0 });
      assert.equal(hourly.outcome, 'committed');
    });
    await assert.rejects(
      runPod({ store, config, configHash, date, workers: 0, pod: { index: 0, count: 1 } }),
      (e: Error & { transient?: boolean }) => {
        assert.equal(e.transient, true, 'a retry (exit 75)');
        assert.match(
          e.message,
          /pods planned rollup\/hour\/dt=2026-11-21\/_manifest.json against no commit, but found the commit of run \S+ when committing/,
        );
        return true;
      },
    );
    const manifest = JSON.parse(await readFile(`${dir.path}/rollup/hour/dt=${date}/_manifest.json`, 'utf8')) as {
      inputs: { key: string }[];
    };
    assert.ok(
      manifest.inputs.some((i) => i.key === added),
      'the hourly commit stands',
    );
  } finally {
    await dir.remove();
  }
});

it('pods that listed different raw objects (one landed as they started) halt as a retry at once, naming the other plan', async () => {
  const dir = await makeTempDir('pods-listings');
  try {
    const store = new LocalStore(dir.path);
    const config = await loadJobConfig();
    const configHash = hashJobConfig(config);
    await writeSampleDay(store, { date, rows: 20_000, seed: 3 });
    const options = { store, config, configHash, date, workers: 0, pollMs: 20, waitMs: 60_000 };
    const started = Date.now();
    // pods 0 and 1 list the day as it is; then an object lands, and pod 2 lists it too
    const first = [0, 1].map((index) => runPod({ ...options, pod: { index, count: 3 } }));
    await new Promise((r) => setTimeout(r, 200));
    await copyFile(
      `${dir.path}/raw/dt=${date}/hr=04/part-0.parquet`,
      `${dir.path}/raw/dt=${date}/hr=05/late-9.parquet`,
    );
    const third = runPod({ ...options, pod: { index: 2, count: 3 } });
    const outcomes = await Promise.allSettled([...first, third]);
    for (const [index, o] of outcomes.entries()) {
      assert.equal(o.status, 'rejected', `pod ${index} halts`);
      const e = (o as PromiseRejectedResult).reason as Error & { transient?: boolean };
      assert.equal(e.transient, true, `pod ${index}: a retry (exit 75): ${e.message}`);
      assert.match(
        e.message,
        new RegExp(`^pod ${index}/3 planned from another listing of the raw objects than \\w+/decoded/pod-`),
      );
      assert.match(e.message, /an object landed or changed while the pods started; every pod retries and lists again/);
    }
    assert.ok(Date.now() - started < 50_000, 'not the 60 s wait');
  } finally {
    await dir.remove();
  }
});

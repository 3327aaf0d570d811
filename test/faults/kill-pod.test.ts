import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import {
  entries,
  killDay,
  killRunArgs,
  prepareKillStores,
  stableManifest,
  startCli,
  storeFiles,
  waitFor,
} from '../helpers/killed-run.js';
import { makeTempDir } from '../helpers/temp-dir.js';

it('kill -9 of a pod mid-build: the day stays invisible, the rerun of that pod completes it byte-identically', async () => {
  const dir = await makeTempDir('kill-pod');
  try {
    const { reference, killed, job } = await prepareKillStores(dir.path);
    const tmp = join(dir.path, 'tmp');
    await mkdir(tmp);
    const env = { TMPDIR: tmp, CI: 'true' };
    const args = (store: string, pod?: string): string[] => killRunArgs(store, job, pod);
    const clean = await runCli(args(reference), env);
    assert.equal(clean.code, 0, clean.stderr);

    const partition = join(killed, `rollup/hour/dt=${killDay}`);
    const pod0 = startCli(args(killed, '0/2'), env);
    const pod1 = startCli(args(killed, '1/2'), env);
    let exchange = '';
    await waitFor('both pods decoded, pod 1 building', pod1, async () => {
      const [plan] = await entries(join(partition, '_exchange'));
      if (!plan) return false;
      exchange = join(partition, '_exchange', plan);
      const decoded = await entries(join(exchange, 'decoded'));
      return decoded.length === 2 && !(await entries(join(exchange, 'built'))).includes('pod-1.json');
    });
    await pod1.kill();
    assert.equal(existsSync(join(partition, '_manifest.json')), false, 'pod 0 cannot commit without pod 1');
    assert.ok(!(await entries(join(exchange, 'built'))).includes('pod-1.json'));

    const rerun = await runCli(args(killed, '1/2'), env);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(await pod0.exited, { code: 0, signal: null }, 'pod 0 committed once pod 1 had built');
    assert.deepEqual(await entries(join(partition, '_exchange')), [], 'the exchange is cleaned up');
    assert.deepEqual(await storeFiles(killed), await storeFiles(reference));
    assert.deepEqual(await stableManifest(killed, 'hour'), await stableManifest(reference, 'hour'));
  } finally {
    await dir.remove();
  }
});

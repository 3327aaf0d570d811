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
  queryKillDay,
  stableManifest,
  startCli,
  storeFiles,
  waitFor,
} from '../helpers/killed-run.js';
import { makeTempDir } from '../helpers/temp-dir.js';

it('kill -9 after some segments are uploaded, before the manifest: nothing visible, the rerun is byte-identical', async () => {
  const dir = await makeTempDir('kill-upload');
  try {
    const { reference, killed, job } = await prepareKillStores(dir.path);
    const spillRoot = join(dir.path, 'tmp');
    await mkdir(spillRoot);
    const env = { TMPDIR: spillRoot, CI: 'true' };
    const args = (store: string): string[] => killRunArgs(store, job);
    const clean = await runCli(args(reference), env);
    assert.equal(clean.code, 0, clean.stderr);

    const partition = join(killed, `rollup/hour/dt=${killDay}`);
    const run = startCli(args(killed), env);
    await waitFor('an uploaded segment file', run, async () =>
      (await entries(partition)).some((f) => f.startsWith('part-h') && f.endsWith('.parquet')),
    );
    await run.kill();
    const left = await entries(partition);
    assert.ok(
      left.some((f) => f.startsWith('part-h')),
      left.join(', '),
    );
    assert.equal(left.includes('_manifest.json'), false, 'killed before the commit');
    const query = await queryKillDay(killed);
    assert.equal(query.code, 3, `${query.stdout}\n${query.stderr}`); // the uploaded files are not visible
    assert.match(query.stdout + query.stderr, /2026-11-24/);

    const rerun = await runCli(args(killed), env);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.ok(existsSync(join(partition, '_manifest.json')));
    // files are named by content: the killed run's uploads are the rerun's own files, nothing else is left
    assert.deepEqual(await storeFiles(killed), await storeFiles(reference));
    assert.deepEqual(await stableManifest(killed, 'hour'), await stableManifest(reference, 'hour'));
    assert.deepEqual(await entries(spillRoot), [], 'no spill folder is left behind');
  } finally {
    await dir.remove();
  }
});

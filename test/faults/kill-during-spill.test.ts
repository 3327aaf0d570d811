import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
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

it('kill -9 while spilling: nothing visible, the rerun removes the stale spill and is byte-identical', async () => {
  const dir = await makeTempDir('kill-spill');
  try {
    const { reference, killed, job } = await prepareKillStores(dir.path);
    const spillRoot = join(dir.path, 'tmp');
    await mkdir(spillRoot);
    const env = { TMPDIR: spillRoot, CI: 'true' };
    const args = (store: string): string[] => killRunArgs(store, job);
    const clean = await runCli(args(reference), env);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stderr, /"event":"segment_split"/, 'the hot hour is split');
    assert.deepEqual(await entries(spillRoot), [], 'a finished run leaves no spill behind');

    const run = startCli(args(killed), env);
    let spill = '';
    await waitFor('a spilled piece', run, async () => {
      for (const d of await entries(spillRoot)) if ((await entries(join(spillRoot, d))).length > 0) spill = d;
      return spill !== '';
    });
    await run.kill();
    assert.equal(existsSync(join(killed, `rollup/hour/dt=${killDay}/_manifest.json`)), false);
    const query = await queryKillDay(killed);
    assert.equal(query.code, 3, `${query.stdout}\n${query.stderr}`); // no data: the day is missing, not zero
    assert.match(query.stdout + query.stderr, /2026-11-24/);
    // the killed run's spill folder stays behind (the process had no chance to remove it) until the next run
    assert.deepEqual(await entries(spillRoot), [spill]);
    assert.match(spill, /^telemetry-rollup-spill-.+\.\d+-/);

    const rerun = await runCli(args(killed), env);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(await entries(spillRoot), [], "the rerun removed the killed run's spill folder");
    assert.deepEqual(await storeFiles(killed), await storeFiles(reference));
    assert.deepEqual(await stableManifest(killed, 'hour'), await stableManifest(reference, 'hour'));
    const manifest = JSON.parse(await readFile(join(killed, `rollup/hour/dt=${killDay}/_manifest.json`), 'utf8')) as {
      segments: { list: { parts?: number }[] };
    };
    assert.ok(
      manifest.segments.list.some((s) => (s.parts ?? 1) > 1),
      'the rerun splits the hot hour too',
    );
  } finally {
    await dir.remove();
  }
});

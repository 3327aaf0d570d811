import assert from 'node:assert/strict';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

const day = '2026-11-23';
const next = '2026-11-24'; // its first hour folders hold late rows of `day`: a build from them alone is possible

// Raw retention (or anyone) deletes a rolled-up day's raw objects: its rollups are then the only copy of its rows.
// No run may rebuild them from what is left (the next day's late objects), whatever its flags or config.
describe('a day whose raw objects are gone keeps its rollups', { timeout: 300_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  const store = (): string => dir.path;
  const manifest = (grain: 'hour' | 'day'): string =>
    path.join(dir.path, 'rollup', grain, `dt=${day}`, '_manifest.json');

  before(async () => {
    dir = await makeTempDir('raw-gone');
    for (const date of [day, next]) {
      const g = await runCli(['generate', '--date', date, '--rows', '20000', '--seed', '9', '--store', store()]);
      assert.equal(g.code, 0, g.stderr);
    }
    assert.equal((await runCli(['run', '--date', day, '--store', store()])).code, 0);
    // the raw day expires: only the next day's late objects still hold rows of it
    await rename(path.join(dir.path, 'raw', `dt=${day}`), path.join(dir.path, 'expired'));
  });
  after(async () => dir.remove());

  it('the hour partition: every run keeps it (plain, --force, --allow-empty, a changed config, --hour, pods, backfill)', async () => {
    const [hour, dayTier] = [await readFile(manifest('hour')), await readFile(manifest('day'))];
    const jobFile = path.join(dir.path, 'changed-job.json');
    const job = JSON.parse(await readFile(new URL('../../../jobs/default-job.json', import.meta.url), 'utf8')) as {
      output: Record<string, unknown>;
    };
    // a change to what the files hold (a job's name or the metrics' text would rebuild nothing)
    await writeFile(jobFile, JSON.stringify({ ...job, output: { ...job.output, rowGroupRows: 4096 } }));
    const kept =
      /^skipped \(kept as committed: the \d+ raw objects of its own day it was built from are gone \(raw retention, or deleted\), so it is the only copy of their rows; no run rebuilds it \(not --force, not a changed config\)\) rollup\/hour\/dt=2026-11-23\/_manifest.json\n/;
    for (const flags of [[], ['--force'], ['--allow-empty', '--force'], ['--config', jobFile]]) {
      const r = await runCli(['run', '--date', day, '--store', store(), ...flags]);
      assert.equal(r.code, 0, `${flags.join(' ')}: ${r.stderr}`); // it halted (no raw input) or rebuilt before
      assert.match(r.stdout, kept, flags.join(' '));
    }
    // an hourly run finds its folder empty, lists the whole day, and plans it as a plain run would (no halt)
    for (const flags of [[], ['--allow-empty']]) {
      const hourly = await runCli(['run', '--date', day, '--store', store(), '--hour', '05', ...flags]);
      assert.equal(hourly.code, 0, hourly.stderr);
      assert.match(hourly.stdout, kept, flags.join(' '));
    }
    const pod = await runCli(['run', '--date', day, '--store', store(), '--pod', '0/1', '--allow-empty']);
    assert.equal(pod.code, 0, pod.stderr);
    assert.match(pod.stdout, /^pod 0\/1: skipped \(kept as committed: the \d+ raw objects of its own day/);
    const backfill = await runCli(['backfill', '--from', day, '--to', next, '--allow-empty', '--store', store()]);
    assert.equal(backfill.code, 0, backfill.stderr);
    assert.match(backfill.stdout, new RegExp(`${day}  keep   0 raw objects of its own  kept as committed: `));
    assert.match(backfill.stdout, new RegExp(`${day}  skipped `));
    assert.deepEqual(await readFile(manifest('hour')), hour);
    assert.deepEqual(await readFile(manifest('day')), dayTier);
    // verify under the changed config: a note that it stays as built, not a mismatch no run can repair
    const verify = await runCli(['verify', '--date', day, '--store', store(), '--config', jobFile]);
    assert.equal(verify.code, 0, verify.stdout);
    assert.match(
      verify.stdout,
      /^2026-11-23 {2}hour {2}note {6}rollup\/hour\/dt=2026-11-23\/_manifest\.json: built with another config \(configHash sha256:\w+, now sha256:\w+\); its own raw objects are gone, so no run rebuilds it: kept as built/m,
    );
    assert.match(verify.stdout, /0 mismatches/);
  });

  it('only the day tier left (the hour tier expired too): nothing is built from the late objects', async () => {
    const dayTier = await readFile(manifest('day'));
    await rm(path.dirname(manifest('hour')), { recursive: true });
    const said =
      "no raw objects of the day's own and no hour partition, but its day tier is committed: the only copy of its " +
      "rows, kept as it is (nothing is built from the next day's late objects alone)";
    for (const flags of [[], ['--allow-empty']]) {
      const r = await runCli(['run', '--date', day, '--store', store(), ...flags]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.startsWith(`nothing to do (${said}) `), r.stdout);
    }
    const pod = await runCli(['run', '--date', day, '--store', store(), '--pod', '0/1', '--allow-empty']);
    assert.equal(pod.code, 0, pod.stderr);
    assert.equal(pod.stdout, `pod 0/1: skipped (${said})\n`);
    const plan = await runCli(['plan', '--date', day, '--store', store()]);
    assert.match(plan.stdout, new RegExp(`^${day}  keep   0 raw objects of its own  no raw objects of the day's own`));
    await assert.rejects(stat(manifest('hour')), /ENOENT/);
    assert.deepEqual(await readFile(manifest('day')), dayTier);
  });
});

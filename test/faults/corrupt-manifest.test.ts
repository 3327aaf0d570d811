import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Manifest } from '../../src/partition/manifest.js';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

const date = '2026-11-24';
const key = `rollup/hour/dt=${date}/_manifest.json`;

/** The manifest without its per-run fields. */
function stable(m: Manifest): unknown {
  const { runId: _r, createdAt: _c, ...rest } = m;
  return rest;
}

describe('a corrupt committed manifest never blocks run, run --force, gc or plan', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let good: string;
  before(async () => {
    dir = await makeTempDir('corrupt-manifest');
    assert.equal(
      (await runCli(['generate', '--date', date, '--rows', '3000', '--seed', '6', '--store', dir.path])).code,
      0,
    );
    assert.equal((await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0'])).code, 0);
    good = await readFile(`${dir.path}/${key}`, 'utf8');
  });
  after(() => dir.remove());

  const corruptions: [string, (m: string) => string, RegExp][] = [
    ['truncated', (m) => m.slice(0, Math.floor(m.length / 2)), /is not valid JSON/],
    ['empty', () => '', /is empty \(0 bytes\)/],
    ['of an unknown formatVersion', (m) => m.replace('"formatVersion": 1', '"formatVersion": 99'), /formatVersion: /],
    ['of the wrong shape', () => '{"outputs": 5}\n', /is invalid/],
  ];
  for (const [name, corrupt, problem] of corruptions) {
    it(`${name}: plan says rebuild, gc keeps every file and says why, a plain run rebuilds it`, async () => {
      await writeFile(`${dir.path}/${key}`, corrupt(good));
      const plan = await runCli(['plan', '--date', date, '--store', dir.path]);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(
        plan.stdout,
        new RegExp(`${date} {2}build {2}\\d+ raw objects {2}rebuild: manifest unreadable \\(manifest ${key}`),
      );
      assert.match(plan.stdout, problem);
      const before = (await readdir(`${dir.path}/rollup/hour/dt=${date}`)).sort();
      const gc = await runCli(['gc', '--date', date, '--store', dir.path, '--grace', '0']);
      assert.equal(gc.code, 0, gc.stderr);
      assert.match(gc.stdout, /0 unreferenced files removed/);
      assert.match(
        gc.stdout,
        /1 partitions left untouched:\n {2}rollup\/hour\/dt=2026-11-24\/: manifest .*kept every file of the partition/,
      );
      assert.deepEqual(
        (await readdir(`${dir.path}/rollup/hour/dt=${date}`)).sort(),
        before,
        'gc deleted nothing on the basis of an unreadable manifest',
      );
      const run = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^committed /);
      assert.match(
        run.stdout,
        /built because rebuild: manifest unreadable \(manifest rollup\/hour\/dt=2026-11-24\/_manifest\.json/,
      );
      assert.match(run.stderr, /"event":"partition_repairing".*rebuild: manifest unreadable/);
      assert.deepEqual(
        stable(JSON.parse(await readFile(`${dir.path}/${key}`, 'utf8')) as Manifest),
        stable(JSON.parse(good) as Manifest),
        'the rebuild equals the original commit',
      );
    });
  }

  it('run --force rebuilds over a truncated manifest, and a query before that names the manifest key (exit 1)', async () => {
    await writeFile(`${dir.path}/${key}`, good.slice(0, 100));
    const q = await runCli([
      'query',
      '--store',
      dir.path,
      '--metric',
      'cpu_usage',
      '--from',
      date,
      '--to',
      '2026-11-25',
      '--format',
      'json',
    ]);
    assert.equal(q.code, 1, q.stderr);
    assert.ok(q.stderr.includes(`manifest ${key} is not valid JSON`), q.stderr);
    assert.ok(q.stderr.includes(`telemetry-rollup run --date ${date}`), q.stderr);
    const run = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0', '--force']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /built because rebuild: manifest unreadable/);
    assert.equal(
      (
        await runCli([
          'query',
          '--store',
          dir.path,
          '--metric',
          'cpu_usage',
          '--from',
          date,
          '--to',
          '2026-11-25',
          '--format',
          'json',
        ])
      ).code,
      0,
    );
  });

  it('values halts on an unreadable manifest, naming it, instead of leaving its day out (or reading a stale day tier)', async () => {
    const dayKey = `rollup/day/dt=${date}/_manifest.json`;
    const values = (tier: string) =>
      runCli(['values', '--store', dir.path, '--dim', 'cluster', '--tier', tier, '--format', 'json']);
    const before = await values('day');
    assert.equal(before.code, 0, before.stderr);
    const hourGood = await readFile(`${dir.path}/${key}`, 'utf8');
    const dayGood = await readFile(`${dir.path}/${dayKey}`, 'utf8');
    try {
      for (const [corrupted, tier] of [
        [key, 'hour'],
        [key, 'day'], // the day tier's hour partition is read to tell whether the day tier is stale
        [dayKey, 'day'],
      ] as const) {
        await writeFile(`${dir.path}/${corrupted}`, '{"outputs": 5}\n');
        const r = await values(tier);
        assert.equal(r.code, 1, `${corrupted} --tier ${tier}: ${r.stdout}`);
        assert.ok(r.stderr.includes(`manifest ${corrupted}`), r.stderr);
        assert.equal(r.stdout, '');
        await writeFile(`${dir.path}/${key}`, hourGood);
        await writeFile(`${dir.path}/${dayKey}`, dayGood);
      }
    } finally {
      await writeFile(`${dir.path}/${key}`, hourGood);
      await writeFile(`${dir.path}/${dayKey}`, dayGood);
    }
    const again = await values('day');
    assert.deepEqual([again.code, again.stdout], [before.code, before.stdout]);
  });

  it('a corrupt day-tier manifest is rebuilt by the next run; the hour tier stays skipped', async () => {
    const dayKey = `rollup/day/dt=${date}/_manifest.json`;
    const dayGood = await readFile(`${dir.path}/${dayKey}`, 'utf8');
    await writeFile(`${dir.path}/${dayKey}`, '{');
    const run = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^skipped /);
    assert.match(run.stdout, /day tier committed rollup\/day\/dt=2026-11-24\/_manifest\.json/);
    assert.deepEqual(
      stable(JSON.parse(await readFile(`${dir.path}/${dayKey}`, 'utf8')) as Manifest),
      stable(JSON.parse(dayGood) as Manifest),
    );
  });
});

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { defaultJobConfigPath } from '../../src/config/load-job-config.js';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

describe('plan, backfill and gc', () => {
  let dir: { path: string; remove: () => Promise<void> };
  before(async () => {
    dir = await makeTempDir('maintenance');
    for (const date of ['2026-11-20', '2026-11-21'])
      assert.equal(
        (await runCli(['generate', '--date', date, '--rows', '8000', '--seed', '2', '--store', dir.path])).code,
        0,
      );
  });
  after(() => dir.remove());

  it('backfill plans, runs every day once, resumes by skipping committed days, and prints a per-day table', async () => {
    const first = await runCli([
      'backfill',
      '--from',
      '2026-11-20',
      '--to',
      '2026-11-22',
      '--parallel',
      '2',
      '--store',
      dir.path,
    ]);
    assert.equal(first.code, 1, 'a day with no raw input is a halt unless --allow-empty');
    assert.match(first.stdout, /2026-11-20 {2}build {2}\d+ raw objects {2}not committed yet/);
    assert.match(
      first.stdout,
      /2026-11-22 {2}empty {2}0 raw objects {2}no raw object under raw\/dt=2026-11-22\/: run halts \(exit 1\) unless --allow-empty, which commits nothing\n/,
    );
    // the day before the first holds late rows in the first day's hr=00/01: --allow-empty builds it from them
    const before = await runCli(['plan', '--date', '2026-11-19', '--store', dir.path]);
    assert.match(
      before.stdout,
      /^2026-11-19 {2}empty .*unless --allow-empty, which builds the day from the \d+ late objects? of the next day\n/,
    );
    assert.match(first.stdout, /2026-11-20 {2}committed +8000/);
    assert.match(
      first.stdout,
      /2026-11-22 {2}no-input .*no raw input for 2026-11-22: no \.parquet object in an hour folder under file:\/\/.*\/raw\/dt=2026-11-22\//,
    );
    const allowed = await runCli([
      'backfill',
      '--from',
      '2026-11-21',
      '--to',
      '2026-11-22',
      '--allow-empty',
      '--store',
      dir.path,
    ]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /2026-11-21 {2}skipped/);
    assert.match(allowed.stdout, /2026-11-22 {2}no-input {2}/);
    const again = await runCli(['backfill', '--from', '2026-11-20', '--to', '2026-11-21', '--store', dir.path]);
    assert.match(again.stdout, /2026-11-20 {2}skipped/);
    assert.match(again.stdout, /2026-11-21 {2}skipped/);
    // its plan says what --force does: a committed day rebuilt, its every hour and its day tier
    const forced = await runCli([
      'backfill',
      '--from',
      '2026-11-20',
      '--to',
      '2026-11-20',
      '--force',
      '--store',
      dir.path,
    ]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /^2026-11-20 {2}build {2}\d+ raw objects {2}--force$/m);
    assert.match(forced.stdout, /^2026-11-20 {9}every hour rebuilt: --force$/m);
    assert.match(forced.stdout, /^2026-11-20 {2}day tier build /m);
    assert.match(forced.stdout, /2026-11-20 {2}committed/);
    await writeFile(`${dir.path}/raw/dt=2026-11-21/hr=07/part-late.parquet`, new Uint8Array(0));
    const plan = await runCli(['plan', '--date', '2026-11-21', '--store', dir.path]);
    assert.match(
      plan.stdout,
      /2026-11-21 {2}build {2}\d+ raw objects {2}1 raw objects added \(raw\/dt=2026-11-21\/hr=07\/part-late\.parquet\)/,
    );
    const failed = await runCli(['backfill', '--from', '2026-11-20', '--to', '2026-11-21', '--store', dir.path]);
    assert.equal(failed.code, 1, 'the worst outcome decides the exit code');
    assert.match(failed.stdout, /2026-11-21 {2}failed .*part-late\.parquet is not a Parquet file/);
  });

  it('plan names the hours whose committed files are missing or cut short, the hours a run rebuilds', async () => {
    const own = await makeTempDir('maintenance-damaged');
    try {
      const date = '2026-11-23';
      assert.equal(
        (await runCli(['generate', '--date', date, '--rows', '3000', '--seed', '6', '--store', own.path])).code,
        0,
      );
      assert.equal((await runCli(['run', '--date', date, '--store', own.path])).code, 0);
      const partition = `${own.path}/rollup/hour/dt=${date}`;
      const names = await readdir(partition);
      await truncate(`${partition}/${names.find((n) => n.startsWith('part-h03-'))!}`, 100);
      await rm(`${partition}/${names.find((n) => n.startsWith('cuboids-h05-'))!}`);
      const plan = await runCli(['plan', '--date', date, '--store', own.path]);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, /hours to rebuild 03,05 \(kept as committed: 00,01,02,04,06,/);
      const run = await runCli(['run', '--date', date, '--store', own.path]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /hours rebuilt 03,05 \(kept as committed: 00,01,02,04,06,/);
    } finally {
      await own.remove();
    }
  });

  it('gc removes files no manifest lists once they are older than the grace period, and keeps the rest', async () => {
    const partition = `${dir.path}/rollup/hour/dt=2026-11-20`;
    const old = `${partition}/part-00009-deadbeef0000.parquet`;
    const young = `${partition}/part-00010-deadbeef0001.parquet`;
    await writeFile(old, 'left by a crashed run');
    await writeFile(young, 'being written by a run in flight');
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(old, hourAgo, hourAgo);
    const r = await runCli(['gc', '--store', dir.path, '--grace', '3600']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 unreferenced files removed, 1 younger than 3600 s kept for now/);
    assert.equal(existsSync(old), false);
    assert.equal(existsSync(young), true);
    assert.equal(existsSync(`${partition}/_manifest.json`), true);
    const q = await runCli([
      'query',
      '--store',
      dir.path,
      '--metric',
      'cpu_usage',
      '--from',
      '2026-11-20',
      '--to',
      '2026-11-21',
      '--grain',
      'day',
      '--format',
      'json',
    ]);
    assert.equal(q.code, 0, 'the committed partition still answers');
    assert.equal((JSON.parse(q.stdout) as unknown[]).length, 1);
  });

  it('every command but generate, on a local store that is no directory, halts naming it (a mistyped --store)', async () => {
    const absent = `${dir.path}/no-such-store`;
    const file = `${dir.path}/a-file`;
    await writeFile(file, 'not a store');
    const commands = [
      ['gc'],
      ['retention', '--apply'],
      ['ls'],
      ['verify', '--date', '2026-11-20'],
      ['plan', '--date', '2026-11-20'],
      // these answered "no data" (exit 3) or "nothing to do" (exit 0: the CronJob's catch-up run stayed green)
      ['run', '--date', '2026-11-20', '--allow-empty'],
      ['backfill', '--from', '2026-11-20', '--to', '2026-11-21', '--allow-empty'],
      ['query', '--metric', 'cpu_usage', '--from', '2026-11-20', '--to', '2026-11-21'],
      ['facts', '--tenant', 't', '--hour', '2026-11-20T05:00Z'],
      ['trend', '--cluster', 'c', '--days', '1', '--end', '2026-11-21'],
      ['diagnose', '--cluster', 'c', '--at', '2026-11-20T05:00Z'],
      ['attribute', '--cluster', 'c', '--days', '1', '--end', '2026-11-21'],
      ['values', '--dim', 'cluster'],
      ['inspect', '--date', '2026-11-20'],
      ['report', '--date', '2026-11-20', '--out', `${dir.path}/report.html`],
    ];
    for (const root of [absent, file])
      for (const command of commands) {
        const r = await runCli([...command, '--store', root]);
        assert.equal(r.code, 1, `${command[0]} ${root}: ${r.stdout}`);
        assert.match(r.stderr, new RegExp(`store root ${root} is not a directory that exists`));
      }
    const bad = await runCli(['retention', '--store', dir.path, '--now', 'soon']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /retention --now 'soon' is not an instant in a form read here/);
  });

  it('refuses --date with --from or --to, and an inverted ls range; plan of a day without raw exits 1 as run does', async () => {
    for (const command of ['verify', 'plan']) {
      const r = await runCli([command, '--date', '2026-11-20', '--from', '2026-11-19', '--store', dir.path]);
      assert.equal(r.code, 1, `${command}: ${r.stdout}`);
      assert.match(r.stderr, /option '--from <YYYY-MM-DD>' cannot be used with option '--date <YYYY-MM-DD>'/);
    }
    const ls = await runCli(['ls', '--from', '2026-11-25', '--to', '2026-11-24', '--store', dir.path]);
    assert.equal(ls.code, 1);
    assert.match(ls.stderr, /date range --from 2026-11-25 --to 2026-11-24 is empty: --from is after --to/);
    const empty = await runCli(['plan', '--date', '2030-01-01', '--store', dir.path]);
    assert.equal(empty.code, 1, empty.stderr);
    assert.match(
      empty.stdout,
      /^2030-01-01 {2}empty {2}0 raw objects {2}no raw object under raw\/dt=2030-01-01\/: run halts/,
    );
    const allowed = await runCli(['plan', '--date', '2030-01-01', '--allow-empty', '--store', dir.path]);
    assert.equal(allowed.code, 0, allowed.stderr);
  });

  it('verify notes an hour partition that retention removed while the day tier keeps the day, instead of failing', async () => {
    const job = JSON.parse(await readFile(defaultJobConfigPath, 'utf8')) as {
      output: { tiers: { grain: string; retentionDays?: number }[] };
    };
    for (const tier of job.output.tiers) tier.retentionDays = tier.grain === 'hour' ? 2 : 30;
    const config = `${dir.path}/retention-job.json`;
    await writeFile(config, JSON.stringify(job));
    const applied = await runCli([
      'retention',
      '--apply',
      '--now',
      '2026-11-24T00:00:00Z',
      '--store',
      dir.path,
      '--config',
      config,
    ]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(
      existsSync(`${dir.path}/rollup/hour/dt=2026-11-20/_manifest.json`),
      false,
      'the hour partition is gone',
    );
    const verify = await runCli(['verify', '--date', '2026-11-20', '--store', dir.path, '--config', config]);
    assert.equal(verify.code, 0, verify.stdout);
    assert.match(
      verify.stdout,
      /2026-11-20 {2}hour {2}note {6}rollup\/hour\/dt=2026-11-20\/_manifest\.json: removed by retention \(the hour tier's retentionDays\); the day tier keeps the day\n2026-11-20 {2}day {3}ok/,
    );
  });
});

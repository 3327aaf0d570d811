import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the lease, not the
// process.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

const date = '2026-11-24';
const leaseKey = `rollup/hour/dt=${date}/_lease.json`;

/** A lease record as another host would write it. */
function lease(expiresAt: Date): string {
  return (
    JSON.stringify({
      runId: 'r-other',
      host: 'some-other-host',
      pid: 4242,
      acquiredAt: new Date().toISOString(),
      expiresAt: expiresAt.toISOString(),
    }) + '\n'
  );
}

describe('a lease that cannot be honoured halts (exit 1) and says which key to delete; a live one is still a retry (75)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  const leasePath = (): string => `${dir.path}/${leaseKey}`;
  before(async () => {
    dir = await makeTempDir('stuck-lease');
    assert.equal(
      (await runCli(['generate', '--date', date, '--rows', '3000', '--seed', '5', '--store', dir.path])).code,
      0,
    );
    await mkdir(`${dir.path}/rollup/hour/dt=${date}`, { recursive: true });
  });
  after(() => dir.remove());

  const cases: [string, () => Promise<void>, RegExp][] = [
    [
      'expiresAt far in the future (a clock that ran ahead, a hand-edited file)',
      () => writeFile(leasePath(), lease(new Date('2099-01-01T00:00:00Z'))),
      /expires at 2099-01-01T00:00:00\.000Z, \d+ s from now, further ahead than its TTL of 120 s allows/,
    ],
    [
      'expiresAt one hour ahead',
      () => writeFile(leasePath(), lease(new Date(Date.now() + 3600_000))),
      /further ahead than its TTL/,
    ],
    ['not JSON', () => writeFile(leasePath(), '{"runId": "r-other", "expiresAt": "20'), /is not valid JSON/],
    [
      'JSON that is no lease record',
      () => writeFile(leasePath(), '{"holder": 7}\n'),
      /is not a lease record \(runId: /,
    ],
    ['empty', () => writeFile(leasePath(), ''), /is not valid JSON \(0 bytes/],
    [
      'a directory at the lease path',
      async () => {
        await mkdir(leasePath());
        await writeFile(`${leasePath()}/x`, 'x');
      },
      /exists but is not a readable object/,
    ],
  ];
  for (const [name, make, message] of cases) {
    it(`${name}: run and gc exit 1 with the key to delete, and after deleting it the run commits`, async () => {
      await make();
      const run = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0', '--force']);
      assert.equal(run.code, 1, `${run.code} ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.ok(run.stderr.includes(`delete the key ${leaseKey}`), run.stderr);
      assert.doesNotMatch(run.stderr, /retry later/);
      const gc = await runCli(['gc', '--date', date, '--store', dir.path]);
      assert.equal(gc.code, 1, `${gc.code} ${gc.stdout} ${gc.stderr}`);
      assert.ok(gc.stdout.includes(`delete the key ${leaseKey}`), gc.stdout); // the partition left, and why
      assert.ok(
        gc.stderr.includes(`gc skipped 1 partition whose lease no run can take: ${leaseKey}; delete it`),
        gc.stderr,
      );
      assert.ok(existsSync(leasePath()), 'nothing removed the lease by itself');
      await rm(leasePath(), { recursive: true });
      const again = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0', '--force']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^committed /);
      await mkdir(`${dir.path}/rollup/hour/dt=${date}`, { recursive: true });
    });
  }

  it('gc leaves a partition whose lease no run can take, collects the others, and then exits 1 naming the key', async () => {
    assert.equal((await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0'])).code, 0);
    const old = new Date(Date.now() - 3600_000);
    const garbage = [`rollup/hour/dt=${date}/part-stale.parquet`, `rollup/day/dt=${date}/part-stale.parquet`];
    for (const key of garbage) {
      await writeFile(`${dir.path}/${key}`, 'an unlisted file of a replaced run');
      await utimes(`${dir.path}/${key}`, old, old);
    }
    await writeFile(leasePath(), '{not json');
    const gc = await runCli(['gc', '--store', dir.path, '--grace', '0']);
    assert.equal(gc.code, 1, `${gc.stdout} ${gc.stderr}`);
    assert.match(gc.stdout, /^gc: \d+ partitions checked, 1 unreferenced files removed/);
    assert.equal(existsSync(`${dir.path}/${garbage[0]}`), true, 'the hour partition is left as it is');
    assert.equal(existsSync(`${dir.path}/${garbage[1]}`), false, 'the day partition is collected');
    assert.match(gc.stderr, /telemetry-rollup: gc skipped 1 partition whose lease no run can take: rollup\/hour\//);
    await rm(leasePath());
    await rm(`${dir.path}/${garbage[0]}`);
  });

  it('plan says that a day to build halts on a lease no run can take (exit 1), as the run does', async () => {
    const folder = `${dir.path}/raw/dt=${date}/hr=05`;
    const [object] = (await readdir(folder)).filter((n) => n.endsWith('.parquet'));
    await utimes(`${folder}/${object!}`, new Date(), new Date()); // changed since the commit: the run rebuilds
    await writeFile(leasePath(), '{not json');
    const plan = await runCli(['plan', '--date', date, '--store', dir.path]);
    assert.equal(plan.code, 1, `${plan.stdout} ${plan.stderr}`);
    assert.match(plan.stdout, new RegExp(`^${date}  build .*1 raw objects? changed`, 'm'));
    assert.ok(
      plan.stdout.includes(`${date}  halt   lease ${leaseKey} is not valid JSON`) &&
        plan.stdout.includes('run halts (exit 1) until the key is deleted'),
      plan.stdout,
    );
    const run = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0']);
    assert.equal(run.code, 1, run.stderr);
    assert.ok(run.stderr.includes(`delete the key ${leaseKey}`), run.stderr);
    await rm(leasePath());
    const after = await runCli(['plan', '--date', date, '--store', dir.path]);
    assert.equal(after.code, 0, after.stdout);
    assert.doesNotMatch(after.stdout, /halt/);
  });

  it('a live lease of another host within its TTL is still a retry (75), and gc leaves that partition alone', async () => {
    await writeFile(leasePath(), lease(new Date(Date.now() + 90_000)));
    const run = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0', '--force']);
    assert.equal(run.code, 75, run.stderr);
    assert.match(run.stderr, /is held by run r-other on some-other-host/);
    const gc = await runCli(['gc', '--date', date, '--store', dir.path, '--grace', '0']);
    assert.equal(gc.code, 0, gc.stderr);
    assert.match(
      gc.stdout,
      /1 partitions left untouched:\n {2}rollup\/hour\/dt=2026-11-24\/: lease .* is held by run r-other/,
    );
    await rm(leasePath());
  });

  it('verify lists a lease no run can take as a mismatch (exit 1) and inspect shows it; a live one is only shown', async () => {
    assert.equal((await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0'])).code, 0);
    await writeFile(leasePath(), '{not json');
    const verify = await runCli(['verify', '--date', date, '--store', dir.path]);
    assert.equal(verify.code, 1, `${verify.stdout} ${verify.stderr}`);
    assert.match(verify.stdout, new RegExp(`^${date}  hour  MISMATCH  lease ${leaseKey} is not valid JSON`, 'm'));
    assert.match(verify.stdout, new RegExp(`^${date}  day   ok$`, 'm'), 'the day tier has its own lease');
    assert.match(verify.stdout, /verify: 2 partitions, \d+ files re-hashed, 1 mismatches\n/);
    assert.match(verify.stdout, /no run can take a lease above: every run, gc and retention of its partition halts/);
    assert.doesNotMatch(verify.stdout, /rebuilds a partition with missing files/, 'no rebuild repairs a lease');
    const inspect = await runCli(['inspect', '--date', date, '--store', dir.path]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, new RegExp(`^lease {6}lease ${leaseKey} is not valid JSON.*: every run, gc`, 'm'));
    await writeFile(leasePath(), lease(new Date(Date.now() + 90_000)));
    const live = await runCli(['verify', '--date', date, '--store', dir.path]);
    assert.equal(live.code, 0, `a run at work is no mismatch: ${live.stdout}`);
    const shown = await runCli(['inspect', '--date', date, '--store', dir.path]);
    assert.match(
      shown.stdout,
      new RegExp(`^lease {6}${leaseKey} held by run r-other on some-other-host \\(pid 4242\\)`, 'm'),
    );
    await rm(leasePath());
    const clean = await runCli(['inspect', '--date', date, '--store', dir.path]);
    assert.doesNotMatch(clean.stdout, /^lease/m);
  });
});

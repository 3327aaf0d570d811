import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

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
      assert.ok(gc.stderr.includes(`delete the key ${leaseKey}`), gc.stderr);
      assert.ok(existsSync(leasePath()), 'nothing removed the lease by itself');
      await rm(leasePath(), { recursive: true });
      const again = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0', '--force']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^committed /);
      await mkdir(`${dir.path}/rollup/hour/dt=${date}`, { recursive: true });
    });
  }

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
});

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { after, it } from 'node:test';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const host = startCliHost();
after(() => host.stop());

it("retention's dry run judges a lease as --apply does: a dead run's is taken over, an unusable one skipped (exit 1) while the rest goes", async () => {
  const dir = await makeTempDir('retention-leases');
  try {
    const cli = (...args: string[]) => host.run([...args, '--store', dir.path]);
    for (const date of ['2026-11-19', '2026-11-20']) {
      assert.equal((await cli('generate', '--date', date, '--rows', '4000')).code, 0);
      assert.equal((await cli('run', '--date', date)).code, 0);
    }
    const job = JSON.parse(await readFile('jobs/default-job.json', 'utf8')) as {
      output: { tiers: { retentionDays?: number }[] };
    };
    job.output.tiers[0]!.retentionDays = 2;
    job.output.tiers[1]!.retentionDays = 3;
    const config = `${dir.path}/retention.json`;
    await writeFile(config, JSON.stringify(job));
    // a run killed on this host (its process is gone) and a lease no run could have written
    const dead = {
      runId: 'killed-run',
      host: hostname(),
      pid: 2 ** 22 + 12_345,
      acquiredAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      ttlMs: 120_000,
      purpose: 'run',
    };
    await writeFile(`${dir.path}/rollup/hour/dt=2026-11-19/_lease.json`, JSON.stringify(dead));
    await writeFile(`${dir.path}/rollup/day/dt=2026-11-19/_lease.json`, '{bad');
    const args = ['retention', '--config', config, '--now', '2026-12-30T00:00:00Z'];
    const dry = await cli(...args);
    assert.equal(dry.code, 1, dry.stderr);
    const lines = (r: { stdout: string }) =>
      r.stdout.split('\n').map((l) => /^ {2}(\S+) +(\S+) +(\S+)/.exec(l)?.slice(1, 4).join(' '));
    assert.deepEqual(lines(dry).slice(1, 5), [
      'would-delete hour 2026-11-19',
      'would-delete hour 2026-11-20',
      'skipped day 2026-11-19',
      'would-delete day 2026-11-20',
    ]);
    assert.match(
      dry.stdout,
      /skipped +day +2026-11-19 .*\(its lease is unusable: lease rollup\/day\/dt=2026-11-19\/_lease.json is not valid JSON/,
    );
    assert.match(
      dry.stderr,
      /retention skipped 1 partition whose lease no run can take: rollup\/day\/dt=2026-11-19\/_lease.json/,
    );
    const applied = await cli(...args, '--apply');
    assert.equal(applied.code, 1, applied.stderr);
    assert.deepEqual(lines(applied).slice(1, 5), [
      'deleted hour 2026-11-19',
      'deleted hour 2026-11-20',
      'skipped day 2026-11-19',
      'deleted day 2026-11-20',
    ]);
    assert.ok(existsSync(`${dir.path}/rollup/day/dt=2026-11-19/_manifest.json`), 'the skipped partition stays whole');
    assert.ok(!existsSync(`${dir.path}/rollup/day/dt=2026-11-20/_manifest.json`));
  } finally {
    await dir.remove();
  }
});

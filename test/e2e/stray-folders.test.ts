import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const host = startCliHost();
after(() => host.stop());

/** `dt=` folders under the rollup prefix that are no partition day: one is no calendar day, one no date at all. */
const strays = ['rollup/hour/dt=2026-02-30/part-x.parquet', 'rollup/day/dt=2026-11-30x/a.parquet'];

describe('a dt= folder that is no partition day is listed as stray and left alone; the store stays usable', () => {
  let dir: { path: string; remove: () => Promise<void> };
  const cli = (args: string[]) => host.run([...args, '--store', dir.path]);
  before(async () => {
    dir = await makeTempDir('stray');
    assert.equal((await cli(['generate', '--date', '2026-11-20', '--rows', '4000'])).code, 0);
    assert.equal((await cli(['run', '--date', '2026-11-20'])).code, 0);
    for (const key of strays) {
      await mkdir(`${dir.path}/${key.slice(0, key.lastIndexOf('/'))}`, { recursive: true });
      await writeFile(`${dir.path}/${key}`, 'not ours');
    }
  });
  after(async () => dir.remove());

  it('ls lists them as stray (state, keys) beside the committed partitions, exit 0', async () => {
    const table = await cli(['ls']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /: 2 committed, 0 leftover, 0 unreadable, 2 stray\n/);
    assert.match(table.stdout, /\nhour +2026-02-30 +stray .*no partition day/);
    assert.match(table.stdout, /\nday +2026-11-30x +stray /);
    const json = JSON.parse((await cli(['ls', '--format', 'json'])).stdout) as { state: string; keys?: string[] }[];
    assert.deepEqual(
      json.filter((p) => p.state === 'stray').map((p) => p.keys),
      strays.map((k) => [k]),
    );
  });

  it('gc and retention --apply run through, name them and leave them', async () => {
    const gc = await cli(['gc', '--grace', '0']);
    assert.equal(gc.code, 0, gc.stderr);
    assert.match(gc.stdout, /rollup\/hour\/dt=2026-02-30\/: a dt= folder that is no partition day/);
    assert.match(gc.stdout, /rollup\/day\/dt=2026-11-30x\/: a dt= folder that is no partition day/);
    const config = `${dir.path}/short-retention.json`;
    const job = JSON.parse(await readFile('jobs/default-job.json', 'utf8')) as {
      output: { tiers: { retentionDays?: number }[] };
    };
    job.output.tiers[0]!.retentionDays = 2;
    await writeFile(config, JSON.stringify(job));
    const retention = await cli(['retention', '--apply', '--config', config, '--now', '2026-12-30T00:00:00Z']);
    assert.equal(retention.code, 0, retention.stderr);
    assert.match(
      retention.stdout,
      /\n {2}deleted +hour 2026-11-20 .*\n {2}kept +hour 2026-02-30 {2}folder dt=2026-02-30 is no partition day.*\n1 partitions deleted, 0 skipped, 3 kept\n/,
    );
    for (const key of strays) assert.ok(existsSync(`${dir.path}/${key}`), key);
  });
});

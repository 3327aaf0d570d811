import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import type { Manifest } from '../../src/partition/manifest.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

it('three shard processes plus a merging run commit byte-identical files to a single process', async () => {
  const single = await makeTempDir('single');
  const sharded = await makeTempDir('sharded');
  try {
    const date = '2026-11-24';
    for (const dir of [single.path, sharded.path]) {
      assert.equal(
        (await runCli(['generate', '--date', date, '--rows', '30000', '--seed', '12', '--store', dir])).code,
        0,
      );
    }
    assert.equal((await runCli(['run', '--date', date, '--store', single.path])).code, 0);
    const shards = await Promise.all(
      [0, 1, 2].map((i) =>
        runCli(['run', '--date', date, '--store', sharded.path, '--shard', `${i}/3`, '--workers', '1']),
      ),
    );
    for (const s of shards) assert.equal(s.code, 0, s.stderr);
    assert.equal(
      await readFile(`${sharded.path}/rollup/hour/dt=${date}/_manifest.json`).catch(() => undefined),
      undefined,
      'shards commit nothing',
    );
    const merge = await runCli(['run', '--date', date, '--store', sharded.path]);
    assert.equal(merge.code, 0, merge.stderr);
    const aggregated = merge.stderr
      .split('\n')
      .filter((l) => l.includes('"inputs_aggregated"'))
      .map((l) => JSON.parse(l) as { fromShards: number })[0]!;
    assert.equal(aggregated.fromShards, 120, 'the merging run read every file from the shards, no raw file');
    const [a, b] = await Promise.all(
      [single.path, sharded.path].map(
        async (d) => JSON.parse(await readFile(`${d}/rollup/hour/dt=${date}/_manifest.json`, 'utf8')) as Manifest,
      ),
    );
    assert.deepEqual(b!.outputs, a!.outputs);
    assert.deepEqual(b!.cube, a!.cube);
    assert.deepEqual(b!.rows, a!.rows);
    assert.equal((await runCli(['run', '--date', 'x', '--store', sharded.path, '--shard', '3/3'])).code, 1);
  } finally {
    await single.remove();
    await sharded.remove();
  }
});

it('three pod processes (--pod i/3) build and commit byte-identical files to a single process', async () => {
  const single = await makeTempDir('single-pods');
  const pods = await makeTempDir('pods-cli');
  try {
    const date = '2026-11-24';
    for (const dir of [single.path, pods.path]) {
      const g = await runCli(['generate', '--date', date, '--rows', '30000', '--seed', '12', '--store', dir]);
      assert.equal(g.code, 0, g.stderr);
    }
    assert.equal((await runCli(['run', '--date', date, '--store', single.path, '--workers', '0'])).code, 0);
    const ran = await Promise.all(
      [0, 1, 2].map((i) =>
        runCli([
          'run',
          '--date',
          date,
          '--store',
          pods.path,
          '--pod',
          `${i}/3`,
          '--workers',
          '1',
          '--memory',
          '256MiB',
        ]),
      ),
    );
    for (const r of ran) assert.equal(r.code, 0, r.stderr);
    assert.match(ran[1]!.stdout, /^pod 1\/3: decoded \d+ files, built 8 segments/);
    assert.match(ran[0]!.stdout, /^committed rollup\/hour\/dt=2026-11-24\/_manifest\.json$/m);
    const [a, b] = await Promise.all(
      [single.path, pods.path].map(
        async (d) => JSON.parse(await readFile(`${d}/rollup/hour/dt=${date}/_manifest.json`, 'utf8')) as Manifest,
      ),
    );
    assert.deepEqual(b!.segments, a!.segments);
    assert.deepEqual(b!.cube, a!.cube);
    assert.deepEqual(b!.rows, a!.rows);
    const both = await runCli(['run', '--date', date, '--store', pods.path, '--pod', '0/3', '--shard', '0/3']);
    assert.equal(both.code, 1);
    assert.equal((await runCli(['run', '--date', date, '--store', pods.path, '--memory', '1MiB'])).code, 1);
  } finally {
    await single.remove();
    await pods.remove();
  }
});

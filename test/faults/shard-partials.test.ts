import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { after, it } from 'node:test';
import { partialKey } from '../../src/ingest/file-partial-codec.js';
import type { Manifest } from '../../src/partition/manifest.js';
import { toolVersion } from '../../src/version.js';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): the tests are about the commands' output,
// not the process.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

const date = '2026-11-24';

it('a damaged shard partial, or one of another tool version, is not merged: the file is decoded from raw, with a warning and a count', async () => {
  const single = await makeTempDir('partials-single');
  const sharded = await makeTempDir('partials-sharded');
  try {
    for (const d of [single.path, sharded.path])
      assert.equal(
        (await runCli(['generate', '--date', date, '--rows', '4000', '--seed', '14', '--store', d])).code,
        0,
      );
    assert.equal((await runCli(['run', '--date', date, '--store', single.path, '--workers', '0'])).code, 0);
    const shard = await runCli(['run', '--date', date, '--store', sharded.path, '--shard', '0/1', '--workers', '0']);
    assert.equal(shard.code, 0, shard.stderr);
    const shardDir = `${sharded.path}/rollup/hour/dt=${date}/_shards`;
    const partials = (await readdir(shardDir)).sort();
    assert.ok(partials.length > 10);
    for (const name of partials)
      assert.ok(name.endsWith(`.v${toolVersion.version}.partial`), `${name} names the tool version`);
    // damage: one byte in the middle of the arrays of the first partial
    const damaged = await readFile(`${shardDir}/${partials[0]}`);
    damaged[Math.floor(damaged.length * 0.6)]! ^= 0x5a;
    await writeFile(`${shardDir}/${partials[0]}`, damaged);
    // another version: the second partial's seal names version 0.0.0-other (its checksum still matches its payload)
    const foreign = await readFile(`${shardDir}/${partials[1]}`);
    const newline = foreign.indexOf(10);
    const seal = foreign.subarray(0, newline).toString('utf8').split(' ');
    await writeFile(
      `${shardDir}/${partials[1]}`,
      Buffer.concat([Buffer.from(`${seal[0]} 0.0.0-other ${seal[2]}`), foreign.subarray(newline)]),
    );
    // a partial left by an older version (its key names that version): never looked up, reported
    await writeFile(`${shardDir}/0123456789abcdef0123456789abcdef.v0.0.1.partial`, 'telemetry-rollup/file-partial/1\n');
    const merge = await runCli(['run', '--date', date, '--store', sharded.path, '--workers', '0']);
    assert.equal(merge.code, 0, merge.stderr);
    const events = merge.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ignored = events.filter((e) => e.event === 'shard_partial_ignored');
    assert.equal(ignored.length, 2, merge.stderr);
    assert.ok(
      ignored.some((e) =>
        /is damaged: sha256 of its \d+ payload bytes is [0-9a-f]{64}, its header says [0-9a-f]{64}/.test(
          String(e.reason),
        ),
      ),
    );
    assert.ok(
      ignored.some((e) =>
        String(e.reason).includes(`was written by version 0.0.0-other, this is ${toolVersion.version}`),
      ),
    );
    const aggregated = events.find((e) => e.event === 'inputs_aggregated')!;
    assert.equal(aggregated.shardPartialsIgnored, 2);
    assert.equal(aggregated.foreignShardPartials, 1);
    assert.deepEqual(events.find((e) => e.event === 'shard_partials_foreign')?.keys, [
      `rollup/hour/dt=${date}/_shards/0123456789abcdef0123456789abcdef.v0.0.1.partial`,
    ]);
    assert.equal(aggregated.fromShards, partials.length - 2);
    const [a, b] = await Promise.all(
      [single.path, sharded.path].map(
        async (d) => JSON.parse(await readFile(`${d}/rollup/hour/dt=${date}/_manifest.json`, 'utf8')) as Manifest,
      ),
    );
    assert.deepEqual(b!.outputs, a!.outputs, 'the output is byte-identical to a run without shards');
    assert.deepEqual(b!.rows, a!.rows);
  } finally {
    await single.remove();
    await sharded.remove();
  }
});

it('the key of a shard partial depends on the tool version', () => {
  const input = { key: 'raw/dt=2026-11-24/hr=03/a.parquet', size: 10, mtimeMs: 1 };
  const spec = {} as Parameters<typeof partialKey>[2];
  const here = partialKey('rollup/hour/dt=2026-11-24/', input, spec, 'sha256:x');
  assert.ok(here.endsWith(`.v${toolVersion.version}.partial`), here);
  assert.notEqual(partialKey('rollup/hour/dt=2026-11-24/', input, spec, 'sha256:x', '9.9.9'), here);
});

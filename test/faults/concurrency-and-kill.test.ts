import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Manifest } from '../../src/partition/manifest.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const date = '2026-11-24';
const bin = fileURLToPath(new URL('../../../bin/telemetry-rollup.js', import.meta.url));
const manifestPath = (root: string): string => `${root}/rollup/hour/dt=${date}/_manifest.json`;

/** Every file a manifest lists exists with the recorded size and sha256: the partition is whole. */
async function assertWhole(root: string): Promise<Manifest | undefined> {
  if (!existsSync(manifestPath(root))) return undefined;
  const m = JSON.parse(await readFile(manifestPath(root), 'utf8')) as Manifest;
  const files = [...m.outputs, ...(m.cube ? [...m.cube.records, ...m.cube.cuboidFiles] : [])];
  for (const f of files) {
    const bytes = await readFile(`${root}/${f.key}`);
    assert.equal(bytes.length, f.bytes, f.key);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), f.sha256, f.key);
  }
  return m;
}

/** The manifest without its per-run fields. */
function stable(m: Manifest): unknown {
  const { runId: _r, createdAt: _c, ...rest } = m;
  return rest;
}

describe('commit safety', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let reference: Manifest;
  before(async () => {
    dir = await makeTempDir('reliability');
    assert.equal(
      (await runCli(['generate', '--date', date, '--rows', '6000', '--seed', '8', '--store', dir.path])).code,
      0,
    );
  });
  after(() => dir.remove());

  it('eight runs of the same partition at once: exactly one commits, the others skip or report the lease', async () => {
    const runs = await Promise.all(
      Array.from({ length: 8 }, () => runCli(['run', '--date', date, '--store', dir.path, '--workers', '1'])),
    );
    const committed = runs.filter((r) => r.code === 0 && r.stdout.startsWith('committed'));
    assert.equal(
      committed.length,
      1,
      runs.map((r) => `${r.code} ${r.stdout.split('\n')[0]} ${r.stderr.slice(-200)}`).join('\n'),
    );
    for (const r of runs.filter((x) => x !== committed[0])) {
      const skipped = r.code === 0 && r.stdout.startsWith('skipped');
      const held = r.code === 75 && /lease .* is held by run/.test(r.stderr);
      assert.ok(skipped || held, `${r.code} ${r.stdout} ${r.stderr}`);
    }
    reference = (await assertWhole(dir.path))!;
    assert.ok(reference);
    assert.equal(existsSync(`${dir.path}/rollup/hour/dt=${date}/_lease.json`), false);
  });

  it('killed with SIGKILL at 30 random points, never shows a partial partition, and a rerun is byte-identical', async () => {
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 48271) >>> 0) % 2147483647) / 2147483647;
    let killedBeforeCommit = 0;
    for (let i = 0; i < 30; i++) {
      const child = spawn(
        process.execPath,
        [bin, 'run', '--date', date, '--store', dir.path, '--force', '--workers', '1'],
        { stdio: 'ignore', env: { ...process.env, CI: 'true' } },
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await new Promise((r) => setTimeout(r, 50 + next() * 1200));
      child.kill('SIGKILL');
      const code = await exited;
      if (code === null) killedBeforeCommit++;
      const m = await assertWhole(dir.path);
      assert.ok(m, 'a committed partition stays visible (the previous manifest is replaced atomically)');
      assert.deepEqual(stable(m), stable(reference));
    }
    assert.ok(killedBeforeCommit >= 10, `only ${killedBeforeCommit} of 30 runs were killed mid-way`);
    const rerun = await runCli(['run', '--date', date, '--store', dir.path, '--force']);
    assert.equal(rerun.code, 0, rerun.stderr);
    const final = (await assertWhole(dir.path))!;
    assert.deepEqual(stable(final), stable(reference));
    assert.notEqual(final.runId, reference.runId);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { listedFiles, type Manifest } from '../../src/partition/manifest.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const date = '2026-11-24';
const bin = fileURLToPath(new URL('../../../bin/telemetry-rollup.js', import.meta.url));
const tiers = ['hour', 'day'] as const; // the default job commits both, the day tier after the hour tier
type Tier = (typeof tiers)[number];
const manifestPath = (root: string, tier: Tier): string => `${root}/rollup/${tier}/dt=${date}/_manifest.json`;

/** The committed manifest of each tier (undefined where none is), each checked whole. */
type Committed = Record<Tier, Manifest | undefined>;

/**
 * Every file each tier's committed manifest lists (data files, star-tree indexes and records, cuboids, the day tier's
 * hour cuboids) exists with the recorded size and sha256: the partitions are whole.
 */
async function assertWhole(root: string): Promise<Committed> {
  const committed: Committed = { hour: undefined, day: undefined };
  for (const tier of tiers) {
    if (!existsSync(manifestPath(root, tier))) continue;
    const m = JSON.parse(await readFile(manifestPath(root, tier), 'utf8')) as Manifest;
    for (const f of listedFiles(m)) {
      const bytes = await readFile(`${root}/${f.key}`);
      assert.equal(bytes.length, f.bytes, f.key);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), f.sha256, f.key);
    }
    committed[tier] = m;
  }
  return committed;
}

/** The manifest without its per-run fields. */
function stable(m: Manifest | undefined): unknown {
  if (!m) return undefined;
  const { runId: _r, createdAt: _c, ...rest } = m;
  return rest;
}

describe('commit safety', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let reference: Committed;
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
    reference = await assertWhole(dir.path);
    assert.ok(reference.hour && reference.day, 'both tiers committed');
    assert.equal(existsSync(`${dir.path}/rollup/hour/dt=${date}/_lease.json`), false);
  });

  it('killed with SIGKILL at 16 random points of either tier, never shows a partial partition, and a rerun is byte-identical', async (t) => {
    // decoded on the main thread (a small day): kill-during-spill and kill-during-upload kill runs with a decode thread
    const args = [bin, 'run', '--date', date, '--store', dir.path, '--force'];
    const env = { ...process.env, CI: 'true' };
    // kill points spread over most of a whole uninterrupted run, so the day tier's phase is hit as well as the hour
    // tier's, and few runs end before their kill (a run that ends tests nothing here)
    const started = performance.now();
    assert.equal((await runCli(args.slice(1))).code, 0);
    const wholeRunMs = performance.now() - started;
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 48271) >>> 0) % 2147483647) / 2147483647;
    const kills = 16;
    const killedIn = { hour: 0, day: 0, none: 0 }; // the tier a run was in when killed (none: it had exited)
    for (let i = 0; i < kills; i++) {
      const hourRun = (await assertWhole(dir.path)).hour?.runId;
      const child = spawn(process.execPath, args, { stdio: 'ignore', env });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await new Promise((r) => setTimeout(r, 50 + next() * 0.9 * wholeRunMs));
      child.kill('SIGKILL');
      const code = await exited;
      const m = await assertWhole(dir.path);
      assert.ok(m.hour && m.day, 'committed partitions stay visible (a manifest is replaced atomically)');
      assert.deepEqual(stable(m.hour), stable(reference.hour));
      assert.deepEqual(stable(m.day), stable(reference.day));
      killedIn[code !== null ? 'none' : m.hour.runId !== hourRun ? 'day' : 'hour']++;
    }
    t.diagnostic(`whole run ${wholeRunMs.toFixed(0)} ms; killed in ${JSON.stringify(killedIn)}`);
    assert.ok(
      killedIn.hour + killedIn.day >= kills / 2,
      `only ${killedIn.hour + killedIn.day} of ${kills} runs were killed mid-way`,
    );
    const rerun = await runCli(['run', '--date', date, '--store', dir.path, '--force']);
    assert.equal(rerun.code, 0, rerun.stderr);
    const final = await assertWhole(dir.path);
    assert.deepEqual(stable(final.hour), stable(reference.hour));
    assert.deepEqual(stable(final.day), stable(reference.day));
    assert.notEqual(final.hour?.runId, reference.hour?.runId);
  });
});

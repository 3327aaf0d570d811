import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listedFiles, type Manifest } from '../src/partition/manifest.js';

// make soak: kill -9 `telemetry-rollup run` at SOAK_KILLS random points (default 200) and check after each kill that
// the committed hour and day partitions are whole and equal to an uninterrupted run's (the test suite does the same
// 30 times).
const kills = Number(process.env.SOAK_KILLS ?? 200);
const bin = fileURLToPath(new URL('../../bin/telemetry-rollup.js', import.meta.url));
const date = '2026-11-24';
const root = await mkdtemp(join(tmpdir(), 'telemetry-rollup-soak-'));
const cli = (args: string[]): number =>
  spawnSync(process.execPath, [bin, ...args, '--store', root], { stdio: 'ignore', env: { ...process.env, CI: 'true' } })
    .status ?? -1;
// the default job commits the hour tier, then the day tier: both are checked after every kill
const tiers = ['hour', 'day'] as const;
const manifestPath = (tier: string): string => `${root}/rollup/${tier}/dt=${date}/_manifest.json`;
/** Each tier's committed manifest without its per-run fields, every file it lists checked against its sha256. */
const whole = (): string | undefined => {
  const stable: unknown[] = [];
  for (const tier of tiers) {
    if (!existsSync(manifestPath(tier))) return undefined;
    const m = JSON.parse(readFileSync(manifestPath(tier), 'utf8')) as Manifest;
    for (const f of listedFiles(m))
      if (
        createHash('sha256')
          .update(readFileSync(`${root}/${f.key}`))
          .digest('hex') !== f.sha256
      )
        throw new Error(`soak: ${f.key} does not match its manifest`);
    stable.push({ ...m, runId: '', createdAt: '' });
  }
  return JSON.stringify(stable);
};
try {
  if (cli(['generate', '--date', date, '--rows', '20000', '--seed', '3']) !== 0 || cli(['run', '--date', date]) !== 0)
    throw new Error('soak: setup failed');
  const reference = whole();
  if (!reference) throw new Error('soak: the uninterrupted run committed no hour and day tiers');
  // kill points spread over a whole uninterrupted run (with the slowest worker count), so both tiers' phases are hit
  const started = performance.now();
  if (cli(['run', '--date', date, '--force', '--workers', '0']) !== 0) throw new Error('soak: the timed run failed');
  const wholeRunMs = performance.now() - started;
  const hourRunId = (): string => (JSON.parse(readFileSync(manifestPath('hour'), 'utf8')) as Manifest).runId;
  let midway = 0;
  let inDayTier = 0; // kills after the run had committed its hour tier, before its day tier
  for (let i = 0; i < kills; i++) {
    const before = hourRunId();
    const child = spawn(
      process.execPath,
      [bin, 'run', '--date', date, '--store', root, '--force', '--workers', String(i % 3)],
      { stdio: 'ignore', env: { ...process.env, CI: 'true' } },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise((r) => setTimeout(r, Math.random() * wholeRunMs));
    child.kill('SIGKILL');
    if ((await exited) === null) {
      midway++;
      if (hourRunId() !== before) inDayTier++;
    }
    if (whole() !== reference)
      throw new Error(`soak: after kill ${i + 1} the committed partitions differ from the uninterrupted run`);
  }
  if (cli(['run', '--date', date, '--force']) !== 0 || whole() !== reference)
    throw new Error('soak: the final rerun differs');
  process.stdout.write(
    `soak: ${kills} kills (${midway} mid-run, ${inDayTier} of them in the day tier; over a ${wholeRunMs.toFixed(0)}` +
      ' ms run), both tiers were whole and' +
      ' identical after every one\n',
  );
} finally {
  await rm(root, { recursive: true, force: true });
}

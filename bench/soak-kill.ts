import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Manifest } from '../src/partition/manifest.js';

// make soak: kill -9 `telemetry-rollup run` at SOAK_KILLS random points (default 200) and check after each kill that
// the committed partition is whole and equal to an uninterrupted run's (the test suite does the same 30 times).
const kills = Number(process.env.SOAK_KILLS ?? 200);
const bin = fileURLToPath(new URL('../../bin/telemetry-rollup.js', import.meta.url));
const date = '2026-11-24';
const root = await mkdtemp(join(tmpdir(), 'telemetry-rollup-soak-'));
const cli = (args: string[]): number =>
  spawnSync(process.execPath, [bin, ...args, '--store', root], { stdio: 'ignore', env: { ...process.env, CI: 'true' } })
    .status ?? -1;
const manifestPath = `${root}/rollup/hour/dt=${date}/_manifest.json`;
const whole = (): Manifest | undefined => {
  if (!existsSync(manifestPath)) return undefined;
  const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  for (const f of [...m.outputs, ...(m.cube ? [...m.cube.records, ...m.cube.cuboidFiles] : [])]) {
    if (
      createHash('sha256')
        .update(readFileSync(`${root}/${f.key}`))
        .digest('hex') !== f.sha256
    )
      throw new Error(`soak: ${f.key} does not match its manifest`);
  }
  return m;
};
const stable = (m: Manifest): string => JSON.stringify({ ...m, runId: '', createdAt: '' });
try {
  if (cli(['generate', '--date', date, '--rows', '20000', '--seed', '3']) !== 0 || cli(['run', '--date', date]) !== 0)
    throw new Error('soak: setup failed');
  const reference = stable(whole()!);
  let midway = 0;
  for (let i = 0; i < kills; i++) {
    const child = spawn(
      process.execPath,
      [bin, 'run', '--date', date, '--store', root, '--force', '--workers', String(i % 3)],
      { stdio: 'ignore', env: { ...process.env, CI: 'true' } },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise((r) => setTimeout(r, Math.random() * 1500));
    child.kill('SIGKILL');
    if ((await exited) === null) midway++;
    const m = whole();
    if (!m || stable(m) !== reference)
      throw new Error(`soak: after kill ${i + 1} the committed partition differs from the uninterrupted run`);
  }
  if (cli(['run', '--date', date, '--force']) !== 0 || stable(whole()!) !== reference)
    throw new Error('soak: the final rerun differs');
  process.stdout.write(
    `soak: ${kills} kills (${midway} mid-run), the partition was whole and identical after every one\n`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}

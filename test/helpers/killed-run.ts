import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openOracle } from './duckdb.js';
import { hotKeyDay, writeWideHotKeyDay } from './hot-key-day.js';
import { runCli } from './run-cli.js';

const bin = fileURLToPath(new URL('../../../bin/telemetry-rollup.js', import.meta.url));
const defaultJob = fileURLToPath(new URL('../../../jobs/default-job.json', import.meta.url));

/** A CLI child process that a test kills with SIGKILL. */
export interface KillableRun {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly kill: () => Promise<void>; // SIGKILL, then waits for the exit
}

/** Starts `telemetry-rollup ...args` as a child process with `env` added (stdio ignored). */
export function startCli(args: readonly string[], env: Readonly<Record<string, string>>): KillableRun {
  const child = spawn(process.execPath, [bin, ...args], { stdio: 'ignore', env: { ...process.env, ...env } });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    exited,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Polls `ready` every 10 ms until it holds; fails when `run` exits first (it finished before the point the test
 * waits for) or after `deadlineMs`.
 */
export async function waitFor(what: string, run: KillableRun, ready: () => Promise<boolean>, deadlineMs = 60_000) {
  let exited: unknown;
  void run.exited.then((e) => (exited = e));
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (await ready()) return;
    assert.equal(exited, undefined, `the run exited (${JSON.stringify(exited)}) before ${what}`);
    assert.ok(Date.now() < deadline, `no ${what} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Names of the entries of a directory, or [] when it does not exist. */
export async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** Every file under `root`/rollup/ (key relative to root) with its sha256; leases and manifests (see below) left out. */
export async function storeFiles(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.name !== '_lease.json' && e.name !== '_manifest.json')
        out.set(
          relative(root, path),
          createHash('sha256')
            .update(await readFile(path))
            .digest('hex'),
        );
    }
  };
  await walk(join(root, 'rollup'));
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A committed manifest without what differs between runs and stores: run id, commit time, raw file mtimes. */
export async function stableManifest(root: string, tier: 'hour' | 'day'): Promise<unknown> {
  const m = JSON.parse(await readFile(join(root, `rollup/${tier}/dt=${hotKeyDay}/_manifest.json`), 'utf8')) as {
    runId?: string;
    createdAt?: string;
    inputs: { mtimeMs?: number }[];
  };
  const { runId: _r, createdAt: _c, ...rest } = m;
  return { ...rest, inputs: m.inputs.map(({ mtimeMs: _m, ...i }) => i) };
}

/**
 * Two stores holding the same wide hot-key day (spills and splits at `--memory 64MiB`), a job without cube and day
 * tier (the commit is what the fault tests are about, so the builds stay short) and a spill folder per store.
 */
export async function prepareKillStores(root: string): Promise<{ reference: string; killed: string; job: string }> {
  const reference = join(root, 'reference');
  const killed = join(root, 'killed');
  const db = await openOracle();
  try {
    await writeWideHotKeyDay(db, reference);
  } finally {
    db.close();
  }
  await cp(join(reference, 'raw'), join(killed, 'raw'), { recursive: true, preserveTimestamps: true });
  const job = JSON.parse(await readFile(defaultJob, 'utf8')) as {
    cube?: unknown;
    output: { tiers: { grain: string }[] };
  };
  delete job.cube;
  job.output.tiers = job.output.tiers.filter((t) => t.grain === 'hour');
  const jobPath = join(root, 'job.json');
  await writeFile(jobPath, JSON.stringify(job));
  return { reference, killed, job: jobPath };
}

/** The day the kill tests roll up. */
export const killDay = hotKeyDay;

/**
 * `telemetry-rollup run` of the kill day on `store` with `job` in a 64 MiB budget (the day spills and splits), one
 * decode worker; `pod` adds `--pod i/N`.
 */
export function killRunArgs(store: string, job: string, pod?: string): string[] {
  const args = ['run', '--date', killDay, '--store', store, '--config', job, '--memory', '64MiB', '--workers', '1'];
  return pod ? [...args, '--pod', pod] : args;
}

/** `telemetry-rollup query` of the kill day on `store` with the default job (its cube spec; reads manifests first). */
export function queryKillDay(store: string): ReturnType<typeof runCli> {
  return runCli(['query', '--metric', 'received_bytes', '--from', killDay, '--to', '2026-11-25', '--store', store]);
}

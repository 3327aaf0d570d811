import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/** What one whole child process cost, and what it printed. */
export interface ProcessMeasurement {
  readonly wallMs: number; // spawn to exit, start-up and module loading included
  readonly cpuS: number; // user + system CPU seconds of the process, all its threads
  readonly maxRssMb: number; // peak resident set, MiB
  readonly workMs: number | undefined; // the child's own timing of its work, from its `BENCH {"ms":..}` line if any
  readonly stdout: string;
  readonly stderr: string;
  readonly failure: string | undefined; // how it failed (exit code, last stderr line); undefined when it exited 0
}

/**
 * The environment without NODE_EXTRA_CA_CERTS, or undefined when it does not set it. Node 20 reads and parses that
 * file at every process start, before any script runs (~40 ms for a system bundle of ~140 certificates): benchmarks of
 * whole processes also time both sides without it.
 */
export function withoutExtraCaCerts(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv | undefined {
  if (env.NODE_EXTRA_CA_CERTS === undefined) return undefined;
  return Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS'));
}

const timeBin = '/usr/bin/time'; // GNU time: CPU and peak RSS of the child itself

/**
 * Runs `node <args>` as its own process under GNU time (`%U %S %M`) and measures it; without GNU time, CPU and peak
 * RSS come from the child's `BENCH` line (process.resourceUsage(), as bench/measure-child.ts prints it).
 */
export async function measureProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProcessMeasurement> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-scale-'));
  const timeFile = path.join(dir, 'time.txt');
  const gnuTime = existsSync(timeBin);
  const [cmd, argv] = gnuTime
    ? [timeBin, ['-f', '%U %S %M', '-o', timeFile, process.execPath, ...args]]
    : [process.execPath, [...args]];
  try {
    const started = performance.now();
    const { code, stdout, stderr } = await run(cmd, argv, { ...env, CI: 'true' });
    const wallMs = performance.now() - started;
    // a run that fails (out of memory at scale, say) is measured and reported, not the end of the benchmark
    const lines = stderr.trim().split('\n');
    const lastLine =
      lines.find((l) => /FATAL ERROR|out of memory/i.test(l)) ?? lines.findLast((l) => !l.startsWith('Command ')) ?? '';
    const failure = code === 0 ? undefined : `exit ${code}: ${lastLine.slice(0, 200)}`;
    const bench = stderr
      .split('\n')
      .reverse()
      .find((l) => l.startsWith('BENCH '));
    const own = bench ? (JSON.parse(bench.slice(6)) as { ms: number; maxRssKb: number; cpuMs?: number }) : undefined;
    if (gnuTime) {
      const [user, sys, rssKb] = (await readFile(timeFile, 'utf8')).trim().split('\n').pop()!.split(' ').map(Number);
      return { wallMs, cpuS: user! + sys!, maxRssMb: rssKb! / 1024, workMs: own?.ms, stdout, stderr, failure };
    }
    return {
      wallMs,
      cpuS: (own?.cpuMs ?? Number.NaN) / 1000,
      maxRssMb: (own?.maxRssKb ?? Number.NaN) / 1024,
      workMs: own?.ms,
      stdout,
      stderr,
      failure,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The measurement of a process that must succeed (generating data, say); throws with its stderr otherwise. */
export function succeeded(m: ProcessMeasurement, what: string): ProcessMeasurement {
  if (m.failure) throw new Error(`bench-scale ${what} failed, ${m.failure}\n${m.stderr.slice(-2000)}`);
  return m;
}

function run(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The JSON-lines events a run printed on stderr (other lines skipped). */
export function eventsOf(stderr: string): Record<string, unknown>[] {
  return stderr.split('\n').flatMap((l) => {
    if (!l.startsWith('{')) return [];
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

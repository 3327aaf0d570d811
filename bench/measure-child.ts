import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** Wall time and peak memory of one child process run. */
export interface Measurement {
  readonly ms: number; // wall time of the work inside the child, milliseconds
  readonly maxRssMb: number; // peak resident set of the child, MiB
  readonly processMs: number; // spawn to exit of the child process: start-up and module loading included
}

/**
 * Runs `node <script> ...args` and reads the `BENCH {"ms":..,"maxRssKb":..}` line it prints last on stderr.
 * Each measured run is its own process so that peak memory is its own.
 */
export function measureChild(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const spawned = performance.now();
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...env, CI: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stderr
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('BENCH '));
      if (code !== 0 || !line) return reject(new Error(`bench child ${script} exited ${code}: ${stderr.slice(-2000)}`));
      const m = JSON.parse(line.slice(6)) as { ms: number; maxRssKb: number };
      resolve({ ms: m.ms, maxRssMb: m.maxRssKb / 1024, processMs: performance.now() - spawned });
    });
  });
}

/** Prints the BENCH line a measured child ends with. */
export function reportFromChild(ms: number): void {
  const usage = process.resourceUsage();
  const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
  process.stderr.write(`BENCH ${JSON.stringify({ ms, maxRssKb: usage.maxRSS, cpuMs })}\n`);
}

/** The median of some numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

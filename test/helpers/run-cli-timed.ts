import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What one time-bounded CLI process did. */
export interface TimedCliRun {
  readonly code: number | null; // null when killed
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number; // wall time until the process closed
  readonly timedOut: boolean; // killed (SIGKILL) after `timeoutMs`
}

const bin = fileURLToPath(new URL('../../../bin/telemetry-rollup.js', import.meta.url));

/** Runs `telemetry-rollup ...args` as a child process and kills it after `timeoutMs` (ms). */
export function runCliTimed(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<TimedCliRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
}

/**
 * `make bench-startup`: whole-process wall time of the CLI's start-up paths, median of 10 runs each: `--help`,
 * `<command> --help`, and a query on a tiny committed day (20K rows, generated once under .cache/). A bare `node -e 0`
 * is timed alongside: the machines are shared, and its time says how loaded the run was. Node 20 parses the
 * NODE_EXTRA_CA_CERTS file at every process start (~40 ms for a system bundle): when the environment sets it, each
 * case is also timed without it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { withoutExtraCaCerts } from './measure-process.js';

const bin = fileURLToPath(new URL('../../bin/telemetry-rollup.js', import.meta.url));
const store = fileURLToPath(new URL('../../.cache/bench-startup-20k', import.meta.url));
const date = '2026-05-01';
const runs = 10;

const extraCa = process.env.NODE_EXTRA_CA_CERTS;
const withoutExtraCa = withoutExtraCaCerts();

/** Runs `node ...args` and fails on a non-zero exit. */
function run(args: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...env, CI: 'true' },
  });
  if (r.status !== 0) throw new Error(`bench-startup: node ${args.join(' ')} exited ${r.status}: ${String(r.stderr)}`);
}

/** Median wall milliseconds of `runs` whole processes. */
function medianMs(args: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    run(args, env);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return (times[(runs - 1) >> 1]! + times[runs >> 1]!) / 2;
}

if (!existsSync(`${store}/rollup`)) {
  process.stdout.write(`generating and rolling up a 20K-row day under ${store} (cached for later runs)\n`);
  run([bin, 'generate', '--date', date, '--rows', '20000', '--store', store]);
  run([bin, 'run', '--date', date, '--store', store]);
}
const query = ['query', '--store', store, '--metric', 'cpu_usage', '--from', `${date}T10:00:00Z`, '--to'];
const cases: ReadonlyArray<readonly [string, readonly string[], string]> = [
  ['node -e 0 (this machine now)', ['-e', '0'], ''],
  ['--help', [bin, '--help'], '<= 100 ms'],
  ['run --help', [bin, 'run', '--help'], '<= 100 ms'],
  ['query --help', [bin, 'query', '--help'], '<= 100 ms'],
  ['query on a 20K-row day', [bin, ...query, `${date}T12:00:00Z`, '--agg', 'avg'], '<= 150 ms'],
];
process.stdout.write(
  `whole processes, median of ${runs}${extraCa ? `; then without NODE_EXTRA_CA_CERTS=${extraCa}` : ''}\n`,
);
for (const [name, args, goal] of cases) {
  const bare = withoutExtraCa ? ` ${medianMs(args, withoutExtraCa).toFixed(0).padStart(6)} ms` : '';
  process.stdout.write(`${name.padEnd(30)} ${medianMs(args).toFixed(0).padStart(6)} ms${bare}  ${goal}\n`);
}

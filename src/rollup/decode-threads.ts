import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** The most decode threads a run starts: past the cores they only add memory (~20 MiB each, outside the budget). */
export const maxDecodeThreads = 32;

/**
 * Raw bytes below which a run that was not told how many threads to use decodes and builds on its main thread. Each
 * thread pays its own start-up and JIT warm-up (~0.3-0.5 s of CPU), more than it saves on a small day (one process,
 * default job, wall and CPU seconds, 2 cores): 6,000 rows (0.6 MB) 2.0 s / 2.9 s on the main thread against 2.2 s /
 * 3.4 s with 2 threads; 1M rows (5.5 MB) 2.7 / 3.9 against 3.0 / 4.7; 5M rows (25 MB) 4.4 / 6.1 against 4.6 / 7.8;
 * past it threads pay: 15M rows (71 MB) 6.2 / 8.0 against 5.4 / 9.8, 50M rows (282 MB) 19.0 / 22.1 against 12.7 / 23.9.
 */
export const mainThreadDecodeBytes = 32 * 2 ** 20;

/**
 * Raw bytes below which a run on its main thread has parquet-wasm compiled by V8's baseline compiler only (Liftoff, no
 * tier-up): tiering its hot functions up costs more CPU, on V8's background threads, than the faster code saves on so
 * little data. One process, default job, medians of interleaved runs, CPU and wall seconds against tiering up: 3,000
 * rows (0.3 MB) 2.52 / 2.12 against 2.89 / 2.05; 1M rows (5.3 MB) 3.73 / 2.91 against 4.14 / 2.94; past it tiering
 * pays in wall time: 5M rows (25 MB, the hour tier) 5.44 / 4.45 against 5.87 / 4.18.
 */
export const baselineWasmBytes = 8 * 2 ** 20;

/**
 * Decode threads for `bytes` of raw input when none are asked for: none below mainThreadDecodeBytes, else
 * defaultDecodeThreads().
 */
export function decodeThreadsFor(bytes: number): number {
  return bytes < mainThreadDecodeBytes ? 0 : defaultDecodeThreads();
}

/**
 * Decode threads when none are asked for: the cores this process may use, that is availableParallelism() capped by
 * a cgroup v2 CPU quota (a pod's CPU limit: on a 64-core node a pod limited to 2 CPUs starts 2 threads, not 64), and
 * at most maxDecodeThreads.
 */
export function defaultDecodeThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), cgroupCpus() ?? maxDecodeThreads, maxDecodeThreads));
}

/** The CPUs a cgroup v2 quota allows (`cpu.max`: "quota period", or "max"), rounded up; undefined without one. */
function cgroupCpus(): number | undefined {
  let text: string;
  try {
    text = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8');
  } catch {
    return undefined; // no cgroup v2 (or not Linux): no quota to honour
  }
  const [quota, period] = text.trim().split(/\s+/);
  const cpus = Number(quota) / Number(period);
  return Number.isFinite(cpus) && cpus > 0 ? Math.ceil(cpus) : undefined;
}

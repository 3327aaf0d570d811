import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** The most decode threads a run starts: past the cores they only add memory (~20 MiB each, outside the budget). */
export const maxDecodeThreads = 32;

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

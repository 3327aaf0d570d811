import type { Logger } from '../logger.js';
import type { DayTierError } from '../rollup/day-tier-error.js';
import { classifyFailure } from './exit-code.js';
import type { JobRunReport, MetricsTargets } from './job-metrics.js';

/**
 * Runs a `run` or `backfill` body and exports its metrics (file and/or Pushgateway) whatever its outcome; an error is
 * rethrown after the export, so it still becomes the exit code in `main`. prom-client loads only when a target is set.
 */
export async function withJobMetrics(
  command: JobRunReport['command'],
  targets: MetricsTargets,
  logger: Logger,
  body: () => Promise<Pick<JobRunReport, 'results' | 'exitCode' | 'failed'>>,
): Promise<void> {
  const startedMs = Date.now();
  const warn = (event: string, fields: Record<string, unknown>): void => {
    logger.event(event, { ...fields, level: 'warn' });
    process.stderr.write(`telemetry-rollup: ${event}: ${String(fields.error)}\n`);
  };
  const wanted = targets.metricsFile !== undefined || targets.pushgateway !== undefined;
  const exportJobMetrics = async (report: JobRunReport): Promise<void> =>
    (await import('./job-metrics.js')).exportJobMetrics(report, targets, warn);
  try {
    const report = await body();
    if (wanted) await exportJobMetrics({ command, startedMs, finishedMs: Date.now(), ...report });
  } catch (error) {
    if (wanted)
      await exportJobMetrics({
        command,
        startedMs,
        finishedMs: Date.now(),
        exitCode: classifyFailure(error).code,
        // a run whose day tier failed committed its hour tier: counted as such, the failure as the day tier's
        ...(isDayTierError(error)
          ? { results: [error.hour], failed: { hour: 0, day: 1 } }
          : { results: [], failed: { hour: 1, day: 0 } }),
      });
    throw error;
  }
}

/** By name, not instanceof: importing the class here would load it with every command's declarations. */
export function isDayTierError(error: unknown): error is DayTierError {
  return error instanceof Error && error.name === 'DayTierError';
}

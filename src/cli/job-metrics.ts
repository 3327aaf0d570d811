import { readFile } from 'node:fs/promises';
import { Gauge, Pushgateway, Registry } from 'prom-client';
import { rejectReasons } from '../ingest/reject-reason.js';
import type { RollupResult } from '../rollup/rollup-result.js';
import { addDays } from '../storage/partition-path.js';
import { writeOutputFile } from './write-output-file.js';

/** What one `run` or `backfill` did, for its metrics. */
export interface JobRunReport {
  readonly command: 'run' | 'run-hour' | 'backfill'; // `run --hour` is a group of its own (exportJobMetrics)
  readonly startedMs: number; // epoch ms
  readonly finishedMs: number; // epoch ms
  readonly exitCode: number; // 0 success, 1 halt, 75 retry
  // hour-tier results (each with its day tier), one per date whose hour tier finished (committed, skipped, no input)
  readonly results: readonly RollupResult[];
  // dates whose hour tier failed, and dates whose day tier failed after their hour tier committed (in `results`)
  readonly failed: { readonly hour: number; readonly day: number };
}

/** Where to export them: a textfile-collector file and/or a Pushgateway. */
export interface MetricsTargets {
  readonly metricsFile?: string; // node-exporter textfile collector: a *.prom file, replaced atomically
  readonly pushgateway?: string; // http(s)://host:port of a Pushgateway
  // an `instance` grouping label of the push: runs side by side (the pods of an Indexed Job) in groups of their own,
  // so that one's success does not replace another's halt
  readonly pushgatewayInstance?: string;
}

/** The metric names this job exports (the PrometheusRule alerts use them). */
export const jobMetricNames = {
  lastSuccess: 'telemetry_rollup_last_success_timestamp_seconds',
  lastRun: 'telemetry_rollup_last_run_timestamp_seconds',
  duration: 'telemetry_rollup_last_run_duration_seconds',
  tierDuration: 'telemetry_rollup_last_run_tier_duration_seconds',
  exitCode: 'telemetry_rollup_last_run_exit_code',
  outcome: 'telemetry_rollup_last_run_outcome',
  rows: 'telemetry_rollup_last_run_rows',
  rejected: 'telemetry_rollup_last_run_rejected_rows',
  bytes: 'telemetry_rollup_last_run_bytes',
  partitions: 'telemetry_rollup_last_run_partitions',
  routedNotRead: 'telemetry_rollup_routed_rows_not_read',
} as const;

/**
 * The Pushgateway job label; runs and backfills are separate groups, so a backfill does not replace the daily run's
 * metrics.
 */
export const pushgatewayJob = 'telemetry-rollup';

/**
 * Builds the run's metrics. `previousSuccess` (tier -> epoch seconds) carries the last success over a failed run, so a
 * textfile rewritten by a failure still says when the job last succeeded; absent for a tier, the gauge has no sample.
 */
export function buildJobMetrics(r: JobRunReport, previousSuccess: ReadonlyMap<string, number> = new Map()): Registry {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: readonly string[] = []): Gauge =>
    new Gauge({ name, help, labelNames: [...labelNames], registers: [registry] });
  const hours = r.results;
  const days = r.results.flatMap((x) => (x.dayTier ? [x.dayTier] : []));
  const tiers: ReadonlyArray<readonly [string, readonly RollupResult[]]> = [
    ['hour', hours],
    ['day', days],
  ];
  const success = r.exitCode === 0;
  const lastSuccess = gauge(
    jobMetricNames.lastSuccess,
    'End of the last run that exited 0, per tier it produced (epoch seconds)',
    ['tier'],
  );
  for (const [tier, results] of tiers) {
    if (success && results.length > 0) lastSuccess.set({ tier }, r.finishedMs / 1000);
    else if (previousSuccess.has(tier)) lastSuccess.set({ tier }, previousSuccess.get(tier)!);
  }
  gauge(jobMetricNames.lastRun, 'End of the last run, whatever its outcome (epoch seconds)').set(r.finishedMs / 1000);
  gauge(jobMetricNames.duration, 'Wall time of the last run (seconds)').set((r.finishedMs - r.startedMs) / 1000);
  gauge(jobMetricNames.exitCode, 'Exit code of the last run: 0 done, 1 halt, 75 retry').set(r.exitCode);
  const outcome = gauge(jobMetricNames.outcome, 'Outcome of the last run: 1 for the one it had', ['outcome']);
  const kind = r.exitCode === 0 ? 'success' : r.exitCode === 75 ? 'retry' : 'halt';
  for (const o of ['success', 'halt', 'retry']) outcome.set({ outcome: o }, o === kind ? 1 : 0);
  const tierDuration = gauge(jobMetricNames.tierDuration, 'Time spent on each tier in the last run (seconds)', [
    'tier',
  ]);
  const rows = gauge(
    jobMetricNames.rows,
    'Rows of the partitions the last run committed, per tier: in (own raw rows), late, routed, accepted, out ' +
      '(records written)',
    ['tier', 'kind'],
  );
  const rejected = gauge(jobMetricNames.rejected, 'Rows the last run did not aggregate, per tier and reason', [
    'tier',
    'reason',
  ]);
  const bytes = gauge(
    jobMetricNames.bytes,
    'Bytes the last run read (in: the inputs it decoded) and wrote (out: every file it wrote), per tier',
    ['tier', 'direction'],
  );
  const partitions = gauge(jobMetricNames.partitions, 'Partitions of the last run by outcome, per tier', [
    'tier',
    'outcome',
  ]);
  for (const [tier, results] of tiers) {
    // a job without a day tier
    if (tier === 'day' && results.length === 0 && hours.length > 0 && r.failed.day === 0) continue;
    const built = results.filter((x) => x.outcome === 'committed');
    const total = (f: (x: RollupResult) => number): number => built.reduce((a, x) => a + f(x), 0);
    tierDuration.set({ tier }, results.reduce((a, x) => a + x.ms, 0) / 1000);
    for (const [k, f] of [
      ['in', (x: RollupResult) => x.rowsIn],
      ['late', (x: RollupResult) => x.rowsLate],
      ['routed', (x: RollupResult) => x.rowsRouted],
      ['accepted', (x: RollupResult) => x.rowsAccepted],
      ['out', (x: RollupResult) => x.rowsOut],
    ] as const)
      rows.set({ tier, kind: k }, total(f));
    for (const reason of rejectReasons)
      rejected.set(
        { tier, reason },
        total((x) => x.rejected[reason] ?? 0),
      );
    bytes.set(
      { tier, direction: 'in' },
      total((x) => x.read.bytes),
    );
    bytes.set(
      { tier, direction: 'out' },
      total((x) => x.written.bytes),
    );
    for (const o of ['committed', 'skipped', 'no-input'] as const)
      partitions.set({ tier, outcome: o }, results.filter((x) => x.outcome === o).length);
    partitions.set({ tier, outcome: 'failed' }, r.failed[tier === 'hour' ? 'hour' : 'day']);
  }
  const routedNotRead = gauge(
    jobMetricNames.routedNotRead,
    "Rows of the previous day (date) that the last run's days routed to it (its late rows, in their first hour " +
      "folders) in raw objects that day's committed run has not read as they are now: in no committed partition " +
      'until `run --date <date>` (no sample for a previous day never rolled up)',
    ['date'],
  );
  for (const x of hours)
    if (x.outcome !== 'no-input' && x.rowsRouted > 0 && x.routedNotRead?.previous !== 'absent')
      routedNotRead.set({ date: addDays(x.date, -1) }, x.routedNotRead?.rows ?? 0);
  return registry;
}

/**
 * Writes and/or pushes the run's metrics; a failure to export is reported on `warn` and never changes the run's exit
 * code.
 */
export async function exportJobMetrics(
  r: JobRunReport,
  targets: MetricsTargets,
  warn: (event: string, fields: Record<string, unknown>) => void,
): Promise<void> {
  if (targets.metricsFile !== undefined) {
    try {
      const registry = buildJobMetrics(r, await readPreviousSuccess(targets.metricsFile));
      // replaced whole, through a temporary file not named *.prom: the collector never reads a half-written file
      await writeOutputFile('--metrics-file', targets.metricsFile, await registry.metrics());
    } catch (error) {
      warn('metrics_file_failed', { file: targets.metricsFile, error: (error as Error).message });
    }
  }
  if (targets.pushgateway !== undefined) {
    try {
      // POST replaces only the metrics pushed: a failed run leaves the group's last success timestamp as it was.
      // Hourly runs (`run --hour`, hour tier only) push to a group of their own: POST replaces every series of a
      // pushed name, so in the daily run's group they would drop its last success of the day tier every hour
      await new Pushgateway(targets.pushgateway, { timeout: 10_000 }, buildJobMetrics(r)).pushAdd({
        jobName: pushgatewayJob,
        groupings: {
          command: r.command,
          ...(targets.pushgatewayInstance !== undefined ? { instance: targets.pushgatewayInstance } : {}),
        },
      });
    } catch (error) {
      warn('metrics_push_failed', { pushgateway: targets.pushgateway, error: (error as Error).message });
    }
  }
}

/** The last success timestamps a previous metrics file recorded (tier -> epoch seconds); empty when there is none. */
async function readPreviousSuccess(file: string): Promise<Map<string, number>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return new Map();
  }
  const found = new Map<string, number>();
  const line = new RegExp(`^${jobMetricNames.lastSuccess}\\{tier="(\\w+)"\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(line)) {
    const v = Number(m[2]);
    if (Number.isFinite(v)) found.set(m[1]!, v);
  }
  return found;
}

import { hashJobConfig, loadJobConfig } from '../../config/load-job-config.js';
import type { Logger } from '../../logger.js';
import { runShard } from '../../rollup/decode-inputs.js';
import { describeRoutedRowsNotRead } from '../../rollup/late-inputs-read.js';
import { DayTierError } from '../../rollup/day-tier-error.js';
import { runPod } from '../../rollup/run-pod.js';
import { runRollup, type RollupResult } from '../../rollup/run-rollup.js';
import { openStore } from '../../storage/open-store.js';
import { parsePartitionDate } from '../../storage/partition-path.js';
import { hourList } from '../hour-list.js';

/** Options of `telemetry-rollup run`. */
export interface RunCommandOptions {
  readonly date: string;
  readonly store: string;
  readonly config?: string;
  readonly force: boolean;
  readonly workers?: number;
  readonly maxWorkers?: number; // --max-workers: at most this many threads when the run chooses them
  readonly allowEmpty?: boolean; // --allow-empty: a day with no raw object exits 0 ('nothing to do') instead of 1
  readonly memory?: number; // --memory: the run's memory budget in bytes
  readonly hour?: number; // --hour: only this hour folder, no day tier
  readonly runId?: string; // the process's run id (its log lines'): the committed manifests and leases carry it
}

/** Rolls up one day and prints a short summary on stdout. */
export async function runCommand(options: RunCommandOptions, logger: Logger): Promise<RollupResult> {
  const date = parsePartitionDate(options.date);
  const config = await loadJobConfig(options.config);
  const store = openStore(options.store);
  logger.event('run_started', { partition: date, store: store.description });
  const result = await runRollup({
    store,
    config,
    configHash: hashJobConfig(config),
    date,
    force: options.force,
    allowEmpty: options.allowEmpty ?? false,
    logger,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.maxWorkers !== undefined ? { maxWorkers: options.maxWorkers } : {}),
    ...(options.memory !== undefined ? { memoryBytes: options.memory } : {}),
    ...(options.runId !== undefined ? { runId: options.runId } : {}),
    ...(options.hour !== undefined ? { hour: options.hour } : {}),
  }).catch((error: unknown) => {
    if (error instanceof DayTierError) printSummary(error.hour); // the hour tier is committed: say so, then fail
    throw error;
  });
  printSummary(result);
  return result;
}

/** Runs one pod of a day spread over an Indexed Job (see rollup/run-pod.ts); pod 0 prints the commit's summary. */
export async function podCommand(
  options: RunCommandOptions & { pod: { index: number; count: number } },
  logger: Logger,
): Promise<void> {
  const date = parsePartitionDate(options.date);
  const config = await loadJobConfig(options.config);
  const store = openStore(options.store);
  logger.event('pod_started', { partition: date, store: store.description, pod: options.pod.index });
  const result = await runPod({
    store,
    config,
    configHash: hashJobConfig(config),
    date,
    force: options.force,
    allowEmpty: options.allowEmpty ?? false,
    logger,
    pod: options.pod,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.maxWorkers !== undefined ? { maxWorkers: options.maxWorkers } : {}),
    ...(options.memory !== undefined ? { memoryBytes: options.memory } : {}),
    ...(options.runId !== undefined ? { runId: options.runId } : {}),
  });
  const { index, count } = options.pod;
  process.stdout.write(
    result.skipped
      ? `pod ${index}/${count}: skipped (${result.keptBecause ?? 'already committed with the same inputs and config'})\n`
      : `pod ${index}/${count}: decoded ${result.filesDecoded} files, built ${result.segmentsBuilt} segments` +
          `${result.dayUnitsBuilt !== undefined ? ` and ${result.dayUnitsBuilt} day-tier segments` : ''} ` +
          `(plan ${result.plan})\n`,
  );
  if (result.committed) printSummary(result.committed);
}

/** The summary of a run on stdout. */
function printSummary(result: RollupResult): void {
  const rejected =
    Object.entries(result.rejected)
      .filter(([, n]) => n > 0)
      .map(([r, n]) => `${r}=${n}`)
      .join(' ') || 'none';
  process.stdout.write(
    [
      `${
        result.keptBecause !== undefined && result.outcome !== 'committed'
          ? `${result.outcome === 'skipped' ? 'skipped' : 'nothing to do'} (${result.keptBecause})`
          : {
              skipped: 'skipped (already committed with the same inputs and config; --force rebuilds)',
              'no-input': 'nothing to do (no raw objects for the day; --allow-empty)',
              committed: 'committed',
            }[result.outcome]
      } ${result.manifestKey}`,
      `  inputs        ${result.inputs} files${inputsRead(result)}`,
      ...(result.ignored !== undefined
        ? [
            `  ignored       ${result.ignored} objects${
              result.ignored === 0
                ? ''
                : (result.ignoredNew ?? 0) > 0
                  ? ` (not read: named with their reasons in the log; ${result.ignoredNew} came since the commit, ` +
                    'which does not list them: `plan` names them, and the next rebuild lists them)'
                  : ' (not read: listed with their reasons in the manifest and the log)'
            }`,
          ]
        : []),
      `  rows in       ${result.rowsIn}`,
      `  rows accepted ${result.rowsAccepted}`,
      `  rows rejected ${rejected}`,
      `  rows late     ${result.rowsLate} (this day's rows found in the next day's first hours)`,
      ...(result.routedNotRead
        ? [
            `  rows routed   ${result.rowsRouted} (the previous day's late rows, left to its run)`,
            `  not read yet  ${describeRoutedRowsNotRead(result.routedNotRead)}`,
          ]
        : [`  rows routed   ${result.rowsRouted} (the previous day's late rows, counted by its run)`]),
      `  rows out      ${result.rowsOut}`,
      `  files written ${filesWritten(result)}`,
      `  time taken    ${result.ms} ms`,
      ...(result.reasons && result.outcome === 'committed' ? [`  built because ${result.reasons.join('; ')}`] : []),
      ...(result.hoursRebuilt && result.outcome === 'committed'
        ? [
            `  hours rebuilt ${hourList(result.hoursRebuilt)}` +
              ((result.hoursKept?.length ?? 0) > 0 ? ` (kept as committed: ${hourList(result.hoursKept ?? [])})` : ''),
          ]
        : []),
      ...(result.hourFolders
        ? [`  partial day   hour folders built so far: ${hourList(result.hourFolders)} (run without --hour for all)`]
        : []),
      ...(result.dayTier
        ? [
            `day tier ${result.dayTier.outcome} ${result.dayTier.manifestKey}: ` +
              `${result.dayTier.rowsIn} hour records -> ${result.dayTier.rowsOut} day records, ` +
              `files written ${filesWritten(result.dayTier)}, ${result.dayTier.ms} ms`,
          ]
        : []),
      '',
    ].join('\n'),
  );
}

/** What a run wrote: its files, or on a skip none, naming the earlier run whose files stay committed. */
export function filesWritten(r: RollupResult): string {
  if (r.outcome === 'skipped') {
    const by = r.committedBy ? ` by run ${r.committedBy.runId} at ${r.committedBy.createdAt}` : '';
    return `none: unchanged, committed earlier${by} (${r.files} files, ${r.bytes} bytes)`;
  }
  const { files, bytes } = r.written;
  return files === r.files
    ? `${files} (${bytes} bytes)`
    : `${files} (${bytes} bytes) of the ${r.files} the manifest lists (${r.bytes} bytes; the others carried as committed)`;
}

/** On a run that decoded only some of the inputs (an incremental hour run): how many, and that the rest were kept. */
function inputsRead(r: RollupResult): string {
  if (r.outcome !== 'committed' || r.read.files === r.inputs) return '';
  return ` (${r.read.files} decoded by this run, ${r.read.bytes} bytes; the rows of the others as committed)`;
}

/** Decodes one shard of a day (as one pod of an Indexed Job would) and leaves its partials for the merging run. */
export async function shardCommand(
  options: RunCommandOptions & { shard: { index: number; count: number } },
  logger: Logger,
): Promise<void> {
  const date = parsePartitionDate(options.date);
  const config = await loadJobConfig(options.config);
  const started = Date.now();
  const r = await runShard({
    store: openStore(options.store),
    config,
    configHash: hashJobConfig(config),
    date,
    logger,
    shard: options.shard,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.maxWorkers !== undefined ? { maxWorkers: options.maxWorkers } : {}),
  });
  logger.event('shard_done', {
    partition: date,
    shard: `${options.shard.index}/${options.shard.count}`,
    rows: r.rows,
    ms: Date.now() - started,
  });
  process.stdout.write(
    `shard ${options.shard.index}/${options.shard.count} of ${date}: ${r.files} raw objects, ${r.rows} rows decoded; ` +
      `run without --shard to merge and commit\n`,
  );
}

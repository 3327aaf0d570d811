import { type Command, InvalidArgumentError, Option } from 'commander';
import type { RollupResult } from '../rollup/rollup-result.js';
import type { GenerateCommandOptions } from './commands/generate.js';
import {
  type CommandDeclaration,
  decodeThreadCount,
  filePath,
  httpUrl,
  sampleSeed,
  parseByteSize,
  parseHour,
  parseShard,
  partitionDay,
  positiveInt,
  withCommonFlags as common,
  withDayOrRange,
} from './cli-flags.js';
import { exitCodes } from './exit-code.js';
import type { MetricsTargets } from './job-metrics.js';
import { isDayTierError, withJobMetrics } from './with-job-metrics.js';
import { maxDecodeThreads } from '../rollup/decode-threads.js';

const pushgatewayInstanceHelp =
  'an instance label of the push, so that runs side by side (the pods of an Indexed Job) do not replace each ' +
  "other's figures (e.g. index-$JOB_COMPLETION_INDEX)";

/** A Pushgateway grouping value: it goes into the push URL's path, so a plain name. */
function pushgatewayInstance(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(value))
    throw new InvalidArgumentError(`'${value}' is not a plain name (letters, digits, '.', '_', '-'; at most 63)`);
  return value;
}

/** Seconds between samples: 1 to a day's 86,400. */
function daySeconds(value: string): number {
  const n = positiveInt(value);
  if (n > 86_400) throw new InvalidArgumentError(`'${value}' is more than a day (86400 seconds)`);
  return n;
}

/** `generate`: one day of sample telemetry. */
export const declareGenerate: CommandDeclaration = (program, { logger }) => {
  common(program.command('generate'))
    .description('write one day of deterministic sample Kafka fleet telemetry as raw Parquet')
    .requiredOption('--date <YYYY-MM-DD>', 'UTC day to generate', partitionDay)
    .option('--rows <n>', 'rows for the day', positiveInt, 5_000_000)
    .option('--seed <n>', 'random seed, 0 to 4294967295: the same seed gives the same bytes', sampleSeed, 42)
    .option(
      '--series <n>',
      'series to sample (the fleet grows more clusters to hold them); default: from --rows',
      positiveInt,
    )
    .addOption(
      new Option('--step <seconds>', 'size the series count for one sample every this many seconds (default 60)')
        .argParser(daySeconds)
        .conflicts('series'),
    )
    .action(async (o: GenerateCommandOptions) => {
      const { generateCommand } = await import('./commands/generate.js');
      await generateCommand(o, logger);
    });
};

/** `run`: roll up one day; with --pod build a share of its segments; with --shard decode a share of its hours. */
export const declareRun: CommandDeclaration = (program, { logger, runId }) => {
  common(program.command('run'))
    .description(
      'roll up one UTC day of raw telemetry into the hour tier, then the day tier, each committed manifest last',
    )
    .requiredOption('--date <YYYY-MM-DD>', 'UTC day to roll up', partitionDay)
    .option(
      '--hour <HH>',
      'list only the hour folder hr=HH (00-23) and rebuild the hours its new or changed files touch; the other ' +
        'hours stay as committed; no day tier',
      parseHour,
    )
    .option('--force', 'rebuild even if the day is committed with the same inputs and config', false)
    .option(
      '--workers <n>',
      `decode threads, 0..${maxDecodeThreads} (0: on the main thread); default: 0 for a day of under 32 MiB of raw ` +
        'objects, else the CPUs of the process (a cgroup quota too)',
      decodeThreadCount,
    )
    .option(
      '--max-workers <n>',
      'at most n decode threads when the run chooses them (not with --workers): a pod without a CPU limit on a ' +
        'large node',
      decodeThreadCount,
    )
    .option(
      '--shard <i/n>',
      'only decode the hours whose folder hour % n = i ' +
        'and leave their partials for a later plain run to merge and commit',
      parseShard,
    )
    .option(
      '--metrics-file <path>',
      "write the run's metrics in Prometheus text format (node-exporter textfile collector, *.prom); not with " +
        '--pod or --shard',
      filePath,
    )
    .option(
      '--pushgateway <url>',
      "push the run's metrics to this Prometheus Pushgateway (job telemetry-rollup, command run, or run-hour with " +
        '--hour); not with --pod or --shard',
      httpUrl,
    )
    .option('--pushgateway-instance <name>', pushgatewayInstanceHelp, pushgatewayInstance)
    .option('--allow-empty', 'a day with no raw object is "nothing to do" (exit 0) instead of a halt (exit 1)', false)
    .option(
      '--memory <bytes>',
      "this run's memory budget (512MiB, 2GiB, or bytes); default: the job's output.limits.memoryBytes",
      parseByteSize,
    )
    .option(
      '--pod <i/n>',
      'one pod of n: decode the hour folders with hour % n = i, build the segments (and parts) k with k % n = i; ' +
        'pod 0 commits',
      parseShard,
    )
    .action(
      async (
        o: {
          date: string;
          store: string;
          config?: string;
          force: boolean;
          workers?: number;
          maxWorkers?: number;
          shard?: { index: number; count: number };
          pod?: { index: number; count: number };
          memory?: number;
          allowEmpty: boolean;
          hour?: number;
        } & MetricsTargets,
        command: Command,
      ) => {
        // a usage error: printed and exit 1 (an error thrown here would read as one commander already printed)
        if (o.shard && o.pod) command.error('error: run takes --shard or --pod, not both');
        if (o.workers !== undefined && o.maxWorkers !== undefined)
          command.error('error: run takes --workers (this many threads) or --max-workers (at most), not both');
        if (o.hour !== undefined && (o.shard || o.pod))
          command.error(
            `error: run --hour ${String(o.hour).padStart(2, '0')} builds one process's hour: it does not take ` +
              `${o.pod ? '--pod' : '--shard'} (run the hour without it)`,
          );
        if ((o.shard || o.pod) && (o.metricsFile !== undefined || o.pushgateway !== undefined)) {
          // said, not refused: the day's plain run (pod 0's run of the day before, or the merging run) exports them
          const reason = `run ${o.pod ? '--pod' : '--shard'} exports no job metrics: --metrics-file and --pushgateway are ignored`;
          logger.event('metrics_not_exported', { level: 'warn', reason });
          process.stderr.write(`telemetry-rollup: ${reason}\n`);
        }
        const { podCommand, runCommand, shardCommand } = await import('./commands/run.js');
        if (o.shard) await shardCommand({ ...o, shard: o.shard }, logger);
        else if (o.pod) await podCommand({ ...o, pod: o.pod, runId }, logger);
        else
          await withJobMetrics(o.hour === undefined ? 'run' : 'run-hour', o, logger, async () => ({
            results: [await runCommand({ ...o, runId }, logger)],
            exitCode: exitCodes.done,
            failed: { hour: 0, day: 0 },
          }));
      },
    );
};

interface PlanOptions {
  readonly store: string;
  readonly config?: string;
  readonly date?: string;
  readonly from?: string;
  readonly to?: string;
  readonly allowEmpty: boolean;
}

/** `plan`: the dry run of run/backfill. */
export const declarePlan: CommandDeclaration = (program, { setExit }) => {
  withDayOrRange(common(program.command('plan')))
    .description('dry run: say for each date whether run would skip or rebuild it, and why')
    .option('--allow-empty', 'plan as run --allow-empty: a day with no raw object is no halt', false)
    .action(async (o: PlanOptions) => {
      const { planCommand } = await import('./commands/maintenance.js');
      // a date the run would halt on (a bad hour folder, no raw object): the dry run exits as the run would, 1
      if ((await planCommand(o)).halts > 0) setExit(exitCodes.halt);
    });
};

/** `backfill`: a range of days with bounded parallelism. */
export const declareBackfill: CommandDeclaration = (program, { logger, setExit }) => {
  common(program.command('backfill'))
    .description('roll up a range of days: plan, run with bounded parallelism, resume by skipping committed days')
    .requiredOption('--from <YYYY-MM-DD>', 'first day', partitionDay)
    .requiredOption('--to <YYYY-MM-DD>', 'last day, inclusive', partitionDay)
    .option('--parallel <n>', 'days at once', positiveInt, 1)
    .option('--force', 'rebuild committed days too', false)
    .option(
      '--metrics-file <path>',
      "write the backfill's metrics in Prometheus text format (node-exporter textfile collector, *.prom)",
      filePath,
    )
    .option(
      '--pushgateway <url>',
      "push the backfill's metrics to this Prometheus Pushgateway (job telemetry-rollup, command backfill)",
      httpUrl,
    )
    .option('--pushgateway-instance <name>', pushgatewayInstanceHelp, pushgatewayInstance)
    .option('--allow-empty', 'days with no raw object are "no-input" (exit 0) instead of halts (exit 1)', false)
    .action(
      async (
        o: {
          store: string;
          config?: string;
          from: string;
          to: string;
          parallel: number;
          force: boolean;
          allowEmpty: boolean;
        } & MetricsTargets,
      ) => {
        const { backfillCommand } = await import('./commands/maintenance.js');
        await withJobMetrics('backfill', o, logger, async () => {
          const results: RollupResult[] = [];
          const failed = { hour: 0, day: 0 };
          const code = await backfillCommand(o, logger, (outcomes) => {
            for (const x of outcomes) {
              if (x.kind === 'done') results.push(x.result);
              // a day whose day tier failed after its hour tier committed: counted as a single run counts it
              else if (isDayTierError(x.error)) {
                results.push(x.error.hour);
                failed.day++;
              } else failed.hour++;
            }
          });
          setExit(code);
          return { results, exitCode: code, failed };
        });
      },
    );
};

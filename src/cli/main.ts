// Over 300 lines: the whole command tree (every command's flags and help) is declared here, in one place, so the
// argument parsing and the error -> exit-code mapping stay together; the commands' bodies live in commands/.
import { newRunId } from '../partition/run-id.js';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { defaultStoreLocation, isInteractive, silenceKnownRuntimeNotices } from '../config/environment.js';
import type { Logger } from '../logger.js';
import { toolVersion } from '../version.js';
import { jsonLinesLogger, progressBarLogger } from './cli-logger.js';
import { generateCommand, type GenerateCommandOptions } from './commands/generate.js';
import { backfillCommand, gcCommand, planCommand } from './commands/maintenance.js';
import {
  attributeCommand,
  diagnoseCommand,
  factsCommand,
  trendCommand,
  type PatternOptions,
} from './commands/patterns.js';
import { queryCommand, type QueryCommandOptions } from './commands/query.js';
import { podCommand, runCommand, shardCommand } from './commands/run.js';
import { inspectCommand } from './commands/inspect.js';
import { lsCommand } from './commands/ls.js';
import { retentionCommand } from './commands/retention.js';
import { valuesCommand } from './commands/values.js';
import { exportJobMetrics, type JobRunReport, type MetricsTargets } from './job-metrics.js';
import type { RollupResult } from '../rollup/rollup-result.js';
import { verifyCommand, type VerifyOptions } from './commands/verify.js';
import { openRollups } from '../serve/open-rollups.js';
import { queryAggregates } from '../query/run-query.js';
import { parseInstant as parseSharedInstant, queryGrains } from '../query/query-parameters.js';
import { parseCorsOrigin } from '../serve/cors-origin.js';
import { serveRollups } from '../serve/serve-rollups.js';
import { renderHtmlReport } from '../serve/html-report.js';
import { parsePartitionDate } from '../storage/partition-path.js';
import { openStore } from '../storage/open-store.js';
import { writeFile } from 'node:fs/promises';
import { classifyFailure, exitCodes } from './exit-code.js';

/** Parses argv, runs one command, and maps its outcome to an exit code: the one place errors become exit codes. */
export async function main(argv: readonly string[]): Promise<number> {
  silenceKnownRuntimeNotices();
  const runId = newRunId(new Date());
  const output: Logger = isInteractive() ? progressBarLogger() : jsonLinesLogger(runId);
  let phase = 'start'; // the step a failure happened in: the last progress step or event seen
  const logger: Logger = {
    event: (name, fields) => {
      phase = name;
      output.event(name, fields);
    },
    progress: (step, done, total) => {
      phase = step;
      output.progress(step, done, total);
    },
  };
  let exit: number = exitCodes.done;
  const program = buildProgram(logger, (code) => (exit = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help, --version, or a usage error already printed
      return error.exitCode === 0 ? exitCodes.done : exitCodes.halt;
    }
    const failure = classifyFailure(error);
    const message = printable(error instanceof Error ? error.message : String(error));
    const key = objectKeyOf(error);
    output.event('run_failed', {
      outcome: failure.kind,
      exitCode: failure.code,
      phase,
      ...(key ? { key } : {}),
      error: message,
    });
    process.stderr.write(
      `telemetry-rollup: ${message}\n${failure.kind === 'retry' ? 'transient failure: retry later (exit 75)\n' : ''}`,
    );
    return failure.code;
  }
}

/** Builds the command tree; `setExit` lets a command that reports failures without throwing (backfill) set the code. */
function buildProgram(logger: Logger, setExit: (code: number) => void): Command {
  const program = new Command('telemetry-rollup')
    .description('Roll raw telemetry Parquet on an object store up into committed, query-ready cubes.')
    .version(toolVersion.version)
    .exitOverride()
    .showHelpAfterError();
  const common = (cmd: Command): Command =>
    cmd
      .addOption(
        new Option('--store <url>', 'object store: a directory, file:///path or s3://bucket/prefix').default(
          defaultStoreLocation(),
          '$ROLLUP_STORE or ./data',
        ),
      )
      .option('--config <file>', 'job definition (JSON); default jobs/default-job.json')
      .exitOverride();
  common(program.command('generate'))
    .description('write one day of deterministic sample Kafka fleet telemetry as raw Parquet')
    .requiredOption('--date <YYYY-MM-DD>', 'UTC day to generate')
    .option('--rows <n>', 'rows for the day', positiveInt, 5_000_000)
    .option('--seed <n>', 'random seed: the same seed gives the same bytes', nonNegativeInt, 42)
    .option(
      '--series <n>',
      'series to sample (the fleet grows more clusters to hold them); default: from --rows',
      positiveInt,
    )
    .option(
      '--step <seconds>',
      'size the series count for one sample every this many seconds (default 60)',
      positiveInt,
    )
    .action(async (o: GenerateCommandOptions) => {
      await generateCommand(o, logger);
    });
  common(program.command('run'))
    .description('roll up one UTC day of raw telemetry into the hour tier and commit it (manifest last)')
    .requiredOption('--date <YYYY-MM-DD>', 'UTC day to roll up')
    .option('--force', 'rebuild even if the day is committed with the same inputs and config', false)
    .option('--workers <n>', 'decode threads (0: on the main thread); default: CPU cores', nonNegativeInt)
    .option(
      '--shard <i/n>',
      'only decode the hours whose folder hour % n = i and leave their partials for a later plain run to merge and commit',
      parseShard,
    )
    .option(
      '--metrics-file <path>',
      "write the run's metrics in Prometheus text format (node-exporter textfile collector, *.prom)",
    )
    .option(
      '--pushgateway <url>',
      "push the run's metrics to this Prometheus Pushgateway (job telemetry-rollup, command run)",
    )
    .option('--allow-empty', 'a day with no raw object is "nothing to do" (exit 0) instead of a halt (exit 1)', false)
    .option(
      '--memory <bytes>',
      "this run's memory budget (512MiB, 2GiB, or bytes); default: the job's output.limits.memoryBytes",
      parseByteSize,
    )
    .option(
      '--pod <i/n>',
      'one pod of n: decode the hour folders with hour % n = i, build the segments with index % n = i; pod 0 commits',
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
          shard?: { index: number; count: number };
          pod?: { index: number; count: number };
          memory?: number;
          allowEmpty: boolean;
        } & MetricsTargets,
      ) => {
        if (o.shard && o.pod) throw new InvalidArgumentError('run takes --shard or --pod, not both');
        if (o.shard) await shardCommand({ ...o, shard: o.shard }, logger);
        else if (o.pod) await podCommand({ ...o, pod: o.pod }, logger);
        else
          await withJobMetrics('run', o, logger, async () => ({
            results: [await runCommand(o, logger)],
            exitCode: exitCodes.done,
            failedDates: 0,
          }));
      },
    );
  common(program.command('plan'))
    .description('dry run: say for each date whether run would skip or rebuild it, and why')
    .option('--date <YYYY-MM-DD>', 'one UTC day')
    .option('--from <YYYY-MM-DD>', 'first day of a range')
    .option('--to <YYYY-MM-DD>', 'last day of a range, inclusive')
    .action(async (o: { store: string; config?: string; date?: string; from?: string; to?: string }) => {
      if (!o.date && !(o.from && o.to)) throw new InvalidArgumentError('plan needs --date, or --from and --to');
      await planCommand(o);
    });
  common(program.command('backfill'))
    .description('roll up a range of days: plan, run with bounded parallelism, resume by skipping committed days')
    .requiredOption('--from <YYYY-MM-DD>', 'first day')
    .requiredOption('--to <YYYY-MM-DD>', 'last day, inclusive')
    .option('--parallel <n>', 'days at once', positiveInt, 1)
    .option('--force', 'rebuild committed days too', false)
    .option(
      '--metrics-file <path>',
      "write the backfill's metrics in Prometheus text format (node-exporter textfile collector, *.prom)",
    )
    .option(
      '--pushgateway <url>',
      "push the backfill's metrics to this Prometheus Pushgateway (job telemetry-rollup, command backfill)",
    )
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
        await withJobMetrics('backfill', o, logger, async () => {
          let results: RollupResult[] = [];
          let failed = 0;
          const code = await backfillCommand(o, logger, (outcomes) => {
            results = outcomes.flatMap((x) => (x.kind === 'done' ? [x.result] : []));
            failed = outcomes.length - results.length;
          });
          setExit(code);
          return { results, exitCode: code, failedDates: failed };
        });
      },
    );
  common(program.command('gc'))
    .description('remove rollup files no manifest lists (crashed or replaced runs) once older than the grace period')
    .option('--date <YYYY-MM-DD>', 'one UTC day; default: every partition')
    .option(
      '--grace <seconds>',
      'keep unreferenced files younger than this (readers of a replaced manifest)',
      nonNegativeInt,
      3600,
    )
    .action(async (o: { store: string; config?: string; date?: string; grace: number }) => {
      await gcCommand({ ...o, graceSeconds: o.grace }, logger);
    });
  common(program.command('ls'))
    .description(
      'list the partitions of the rollup tiers: committed ones (rows, bytes, files, run, created, config hash, late rows) and leftovers (files without a manifest)',
    )
    .addOption(new Option('--tier <tier>', 'one tier (default: every tier the job declares)').choices(['hour', 'day']))
    .option('--from <YYYY-MM-DD>', 'first day, inclusive')
    .option('--to <YYYY-MM-DD>', 'last day, inclusive')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(
      async (o: {
        store: string;
        config?: string;
        tier?: 'hour' | 'day';
        from?: string;
        to?: string;
        format: 'table' | 'json';
      }) => {
        await lsCommand(o);
      },
    );
  common(program.command('inspect'))
    .description(
      "one committed partition's manifest in human form: inputs, outputs, rows rejected by reason, cube shape, cuboids",
    )
    .requiredOption('--date <YYYY-MM-DD>', 'the partition day')
    .addOption(new Option('--tier <tier>', 'tier').choices(['hour', 'day']).default('hour'))
    .addOption(
      new Option('--format <format>', 'table: human form; json: the manifest as stored')
        .choices(['table', 'json'])
        .default('table'),
    )
    .action(
      async (o: { store: string; config?: string; date: string; tier: 'hour' | 'day'; format: 'table' | 'json' }) => {
        await inspectCommand(o);
      },
    );
  common(program.command('values'))
    .description('distinct values of a dimension in the committed partitions (Grafana template variables)')
    .requiredOption('--dim <dimension>', "a dimension, or 'metric'")
    .option(
      '--where <dim=v1,v2>',
      'only rows whose dimension holds one of these values (repeatable)',
      collect,
      [] as string[],
    )
    .option('--from <YYYY-MM-DD>', 'first day, inclusive (default: the first committed)')
    .option('--to <YYYY-MM-DD>', 'last day, inclusive (default: the last committed)')
    .addOption(new Option('--tier <tier>', 'tier to read').choices(['hour', 'day']).default('hour'))
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(
      async (o: {
        store: string;
        config?: string;
        dim: string;
        where: string[];
        from?: string;
        to?: string;
        tier: 'hour' | 'day';
        format: 'table' | 'json';
      }) => {
        await valuesCommand(o);
      },
    );
  common(program.command('retention'))
    .description(
      "delete whole partitions older than their tier's retentionDays (job config): manifest first, then files; dry run unless --apply",
    )
    .option('--apply', 'delete (default: only say what would be deleted)', false)
    .option('--now <iso>', 'judge ages as of this instant (default: now)', parseInstant)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (o: { store: string; config?: string; apply: boolean; now?: Date; format: 'table' | 'json' }) => {
      await retentionCommand(o, logger, () => o.now ?? new Date());
    });
  common(program.command('verify'))
    .description(
      're-hash every file the committed manifests list (sha256), check sizes and the config hash; exit 1 on any mismatch',
    )
    .option('--date <YYYY-MM-DD>', 'one UTC day')
    .option('--from <YYYY-MM-DD>', 'first day of a range')
    .option('--to <YYYY-MM-DD>', 'last day of a range, inclusive')
    .addOption(
      new Option('--tier <grain>', 'only this tier (default: every tier the job declares)').choices(['hour', 'day']),
    )
    .action(async (o: VerifyOptions) => {
      if (!o.date && !(o.from && o.to)) throw new InvalidArgumentError('verify needs --date, or --from and --to');
      setExit(await verifyCommand(o));
    });
  common(program.command('query'))
    .description('answer a query from the committed cubes, reading a bounded number of records')
    .requiredOption('--metric <name>', 'metric from the catalog')
    .requiredOption('--from <iso>', `start, inclusive (${instantHelp})`)
    .requiredOption('--to <iso>', `end, exclusive (${instantHelp})`)
    .option('--grain <grain>', `time bucket: ${queryGrains.join(', ')} (default: hour)`)
    .option('--group-by <dims>', 'comma-separated dimensions')
    .option(
      '--where <dim=v1,v2>',
      'keep only these values (repeatable; values of one dimension merge)',
      collect,
      [] as string[],
    )
    .option(
      '--where-not <dim=v1,v2>',
      'drop these values (repeatable; values of one dimension merge)',
      collect,
      [] as string[],
    )
    .option(
      '--agg <agg>',
      `aggregate: ${queryAggregates.join(', ')} (default by the metric's kind: delta sum, cumulative increase, gauge avg, distribution avg, distinct count); last = sum over series of each series' last value`,
    )
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .option('--explain', 'print nodes visited and records read on stderr', false)
    .action(async (o: QueryCommandOptions) => {
      await queryCommand(o);
    });
  const pattern = (name: string, description: string): Command =>
    common(program.command(name))
      .description(description)
      .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'));
  pattern('facts', 'network bytes (received + sent) of a tenant or cluster in one hour')
    .option('--tenant <tenant>', 'tenant')
    .option('--cluster <cluster>', 'cluster')
    .requiredOption('--hour <iso>', `the hour (an instant within it: ${instantHelp})`)
    .action(async (o: PatternOptions) => factsCommand(o));
  pattern('trend', "a gauge of a cluster's brokers, hourly over the last days")
    .requiredOption('--cluster <cluster>', 'cluster')
    .option('--metric <metric>', "gauge metric (default: the job's patterns.load)")
    .option('--days <n>', 'days back from --end (default: 7)')
    .option('--end <iso>', `end of the range (${instantHelp}; default: now)`)
    .option('--chart <file.svg>', 'also write an SVG chart')
    .action(async (o: PatternOptions) => trendCommand(o));
  pattern('diagnose', 'storage (retained bytes, point-in-time total) of a cluster or topic at an hour')
    .option('--cluster <cluster>', 'cluster')
    .option('--topic <topic>', 'topic')
    .requiredOption('--at <iso>', `the hour (an instant within it: ${instantHelp})`)
    .action(async (o: PatternOptions) => diagnoseCommand(o));
  pattern('attribute', "a cluster's CPU next to its fetch requests, hourly, with their correlation")
    .requiredOption('--cluster <cluster>', 'cluster')
    .option('--days <n>', 'days back from --end (default: 7)')
    .option('--end <iso>', `end of the range (${instantHelp}; default: now)`)
    .option('--chart <file.svg>', 'also write an SVG chart')
    .action(async (o: PatternOptions) => attributeCommand(o));
  common(program.command('report'))
    .description('an HTML page with the four usage patterns for a day (facts, trends, diagnose, attribution)')
    .requiredOption('--date <YYYY-MM-DD>', 'the day')
    .requiredOption('--out <file.html>', 'where to write the page')
    .option('--cluster <cluster>', 'cluster to show (default: the busiest)')
    .option('--tenant <tenant>', 'tenant to show (default: the busiest)')
    .action(
      async (o: { store: string; config?: string; date: string; out: string; cluster?: string; tenant?: string }) => {
        const store = openStore(o.store);
        const html = await renderHtmlReport(await openRollups({ ...o, store }), {
          date: parsePartitionDate(o.date),
          ...(o.cluster ? { cluster: o.cluster } : {}),
          ...(o.tenant ? { tenant: o.tenant } : {}),
          store,
          now: () => new Date(),
        });
        await writeFile(o.out, html);
        process.stdout.write(`wrote ${o.out} (${html.length} bytes)\n`);
      },
    );
  common(program.command('serve'))
    .description('read-only HTTP endpoint answering the same queries as JSON (for dashboards); loopback by default')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0: any free port)', nonNegativeInt, 8377)
    .option(
      '--cors-origin <origin>',
      'the one browser origin allowed to read answers (CORS), e.g. a Grafana URL',
      parseCorsOrigin,
    )
    .action(async (o: { store: string; config?: string; host: string; port: number; corsOrigin?: string }) => {
      const server = await serveRollups(await openRollups(o), {
        host: o.host,
        port: o.port,
        logger,
        ...(o.corsOrigin !== undefined ? { corsOrigin: o.corsOrigin } : {}),
      });
      const address = server.address();
      logger.event('serving', { host: o.host, port: typeof address === 'object' && address ? address.port : o.port });
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', () => server.close(() => resolve()));
        process.once('SIGINT', () => server.close(() => resolve()));
      });
    });
  return program;
}

/**
 * Runs a `run` or `backfill` body and exports its metrics (file and/or Pushgateway) whatever its outcome; an error is
 * rethrown after the export, so it still becomes the exit code in `main`.
 */
async function withJobMetrics(
  command: JobRunReport['command'],
  targets: MetricsTargets,
  logger: Logger,
  body: () => Promise<Pick<JobRunReport, 'results' | 'exitCode' | 'failedDates'>>,
): Promise<void> {
  const startedMs = Date.now();
  const warn = (event: string, fields: Record<string, unknown>): void => {
    logger.event(event, { ...fields, level: 'warn' });
    process.stderr.write(`telemetry-rollup: ${event}: ${String(fields.error)}\n`);
  };
  const wanted = targets.metricsFile !== undefined || targets.pushgateway !== undefined;
  try {
    const report = await body();
    if (wanted) await exportJobMetrics({ command, startedMs, finishedMs: Date.now(), ...report }, targets, warn);
  } catch (error) {
    if (wanted)
      await exportJobMetrics(
        {
          command,
          startedMs,
          finishedMs: Date.now(),
          exitCode: classifyFailure(error).code,
          results: [],
          failedDates: 1,
        },
        targets,
        warn,
      );
    throw error;
  }
}

/** An instant flag (the one instant rule of the CLI and HTTP), for commander. */
function parseInstant(value: string): Date {
  return parseSharedInstant(value, `'${value}'`);
}

const instantHelp = 'a UTC date 2026-11-24, or an ISO-8601 instant with its zone: 2026-11-24T13:00Z';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A byte count: digits with an optional KiB/MiB/GiB (or K/M/G, also powers of 1024) suffix. */
function parseByteSize(value: string): number {
  const m = /^(\d{1,15})\s*(k|m|g|kib|mib|gib|kb|mb|gb)?$/i.exec(value.trim());
  const unit = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[(m?.[2] ?? '').charAt(0).toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  const n = m ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 64 * 2 ** 20)
    throw new InvalidArgumentError(`'${value}' is not a memory size of at least 64MiB (e.g. 512MiB, 2GiB)`);
  return n;
}

function parseShard(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const [index, count] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(count >= 1 && index >= 0 && index < count))
    throw new InvalidArgumentError(`'${value}' is not a shard i/n with 0 <= i < n`);
  return { index, count };
}

/** A message with control characters escaped, so values from raw data cannot forge log lines. */
function printable(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => JSON.stringify(c).slice(1, -1));
}

function positiveInt(value: string): number {
  const n = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN; // digits only, as query-parameters reads --days
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' is not a positive integer`);
  return n;
}

function nonNegativeInt(value: string): number {
  const n = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a non-negative integer`);
  return n;
}

/** The object key a failure names, from the first error of its cause chain that carries one (storage errors do). */
function objectKeyOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const key = (e as { key?: unknown }).key;
    if (typeof key === 'string') return key;
  }
  return undefined;
}

import { randomBytes } from 'node:crypto';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { defaultStoreLocation, isInteractive, silenceKnownRuntimeNotices } from '../config/environment.js';
import type { Logger } from '../rollup/logger.js';
import { toolVersion } from '../version.js';
import { jsonLinesLogger, progressBarLogger } from './cli-logger.js';
import { generateCommand } from './commands/generate.js';
import { queryCommand, type QueryCommandOptions } from './commands/query.js';
import { runCommand } from './commands/run.js';
import { queryAggregates } from '../query/run-query.js';
import { classifyFailure, exitCodes } from './exit-code.js';

/** Parses argv, runs one command, and maps its outcome to an exit code: the one place errors become exit codes. */
export async function main(argv: readonly string[]): Promise<number> {
  silenceKnownRuntimeNotices();
  const runId = `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
  const logger: Logger = isInteractive() ? progressBarLogger() : jsonLinesLogger(runId);
  const program = buildProgram(logger);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCodes.done;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? exitCodes.done : exitCodes.halt; // --help, --version, or a usage error already printed
    }
    const failure = classifyFailure(error);
    const message = error instanceof Error ? error.message : String(error);
    logger.event('run_failed', { outcome: failure.kind, exitCode: failure.code, error: message });
    process.stderr.write(`telemetry-rollup: ${message}\n${failure.kind === 'retry' ? 'transient failure: retry later (exit 75)\n' : ''}`);
    return failure.code;
  }
}

function buildProgram(logger: Logger): Command {
  const program = new Command('telemetry-rollup')
    .description('Roll raw telemetry Parquet on an object store up into committed, query-ready cubes.')
    .version(toolVersion.version)
    .exitOverride()
    .showHelpAfterError();
  const common = (cmd: Command): Command =>
    cmd
      .addOption(new Option('--store <url>', 'object store: a directory, file:///path or s3://bucket/prefix').default(defaultStoreLocation(), '$ROLLUP_STORE or ./data'))
      .option('--config <file>', 'job definition (JSON); default jobs/default-job.json')
      .exitOverride();
  common(program.command('generate'))
    .description('write one day of deterministic sample Kafka fleet telemetry as raw Parquet')
    .requiredOption('--date <YYYY-MM-DD>', 'UTC day to generate')
    .option('--rows <n>', 'rows for the day', positiveInt, 5_000_000)
    .option('--seed <n>', 'random seed: the same seed gives the same bytes', nonNegativeInt, 42)
    .action(async (o: { date: string; store: string; config?: string; rows: number; seed: number }) => {
      await generateCommand(o, logger);
    });
  common(program.command('run'))
    .description('roll up one UTC day of raw telemetry into the hour tier and commit it (manifest last)')
    .requiredOption('--date <YYYY-MM-DD>', 'UTC day to roll up')
    .option('--force', 'rebuild even if the day is committed with the same inputs and config', false)
    .option('--workers <n>', 'decode threads (0: on the main thread); default: CPU cores', nonNegativeInt)
    .action(async (o: { date: string; store: string; config?: string; force: boolean; workers?: number }) => {
      await runCommand(o, logger);
    });
  common(program.command('query'))
    .description('answer a query from the committed cubes, reading a bounded number of records')
    .requiredOption('--metric <name>', 'metric from the catalog')
    .requiredOption('--from <iso>', 'start, inclusive (UTC date or instant)')
    .requiredOption('--to <iso>', 'end, exclusive (UTC date or instant)')
    .addOption(new Option('--grain <grain>', 'time bucket').choices(['hour', 'day']).default('hour'))
    .option('--group-by <dims>', 'comma-separated dimensions', (v: string) => v.split(',').filter((d) => d.length > 0), [] as string[])
    .option('--where <dim=v1,v2>', 'keep only these values (repeatable)', collect, [] as string[])
    .option('--where-not <dim=v1,v2>', 'drop these values (repeatable)', collect, [] as string[])
    .addOption(new Option('--agg <agg>', 'aggregate; last = sum over series of each series\' last value').choices([...queryAggregates]).default('sum'))
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .option('--explain', 'print nodes visited and records read on stderr', false)
    .action(async (o: QueryCommandOptions) => {
      await queryCommand(o);
    });
  return program;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' is not a positive integer`);
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a non-negative integer`);
  return n;
}

import { type Command, Option } from 'commander';
import { aggregatesByKind, queryAggregates, queryGrains } from '../query/query-choices.js';
import { type CommandDeclaration, collect, filePath, instantHelp, withCommonFlags as common } from './cli-flags.js';
import type { PatternOptions } from './commands/patterns.js';
import type { QueryCommandOptions } from './commands/query.js';

/** `query`: answer a query from the committed cubes. */
export const declareQuery: CommandDeclaration = (program) => {
  common(program.command('query'))
    .description('answer a query from the committed cubes, reading a bounded number of records')
    .requiredOption('--metric <name>', 'metric from the catalog')
    .requiredOption('--from <iso>', `start, inclusive (${instantHelp})`)
    .requiredOption('--to <iso>', `end, exclusive (${instantHelp})`)
    .option('--grain <grain>', `time bucket: ${queryGrains.join(', ')} (default: hour)`)
    .option('--group-by <dims>', 'comma-separated dimensions')
    .option(
      '--where <dim=v1,v2>',
      'keep only these values (repeatable; values of one dimension merge; \\, is a comma of a value)',
      collect,
      [] as string[],
    )
    .option(
      '--where-not <dim=v1,v2>',
      'drop these values (repeatable; values of one dimension merge; \\, is a comma of a value)',
      collect,
      [] as string[],
    )
    .option(
      '--agg <agg>',
      `aggregate: ${queryAggregates.join(', ')} (default by the metric's kind: ` +
        `${Object.entries(aggregatesByKind)
          .map(([kind, aggs]) => `${kind} ${aggs[0]}`)
          .join(', ')}); last = sum over series of each series' last value`,
    )
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .option('--explain', 'print nodes visited and records read on stderr', false)
    .action(async (o: QueryCommandOptions) => {
      const { queryCommand } = await import('./commands/query.js');
      await queryCommand(o);
    });
};

/** A usage-pattern command: the common flags and --format. */
function pattern(program: Command, name: string, description: string): Command {
  return common(program.command(name))
    .description(description)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'));
}

/** `facts`: network bytes of a tenant or cluster in one hour. */
export const declareFacts: CommandDeclaration = (program) => {
  pattern(program, 'facts', 'network bytes (received + sent) of a tenant or cluster in one hour')
    .option('--tenant <tenant>', 'tenant')
    .option('--cluster <cluster>', 'cluster')
    .requiredOption('--hour <iso>', `the hour (an instant within it: ${instantHelp})`)
    .action(async (o: PatternOptions) => (await import('./commands/patterns.js')).factsCommand(o));
};

/** `trend`: a metric (a gauge by default) of a cluster's brokers, hourly. */
export const declareTrend: CommandDeclaration = (program) => {
  pattern(program, 'trend', "a metric (default: the load gauge) of a cluster's brokers, hourly over the last days")
    .requiredOption('--cluster <cluster>', 'cluster')
    .option(
      '--metric <metric>',
      "metric (default: the job's patterns.load), per broker and hour by its kind's default aggregate (query --agg's " +
        'default: gauge avg, delta sum, cumulative increase, distribution p50)',
    )
    .option('--days <n>', 'days back from --end (default: 7)')
    .option('--end <iso>', `end of the range (${instantHelp}; default: now)`)
    .option('--chart <file.svg>', 'also write an SVG chart', filePath)
    .action(async (o: PatternOptions) => (await import('./commands/patterns.js')).trendCommand(o));
};

/** `diagnose`: storage of a cluster or topic at an hour. */
export const declareDiagnose: CommandDeclaration = (program) => {
  pattern(program, 'diagnose', 'storage (retained bytes, point-in-time total) of a cluster or topic at an hour')
    .option('--cluster <cluster>', 'cluster')
    .option('--topic <topic>', 'topic')
    .requiredOption('--at <iso>', `the hour (an instant within it: ${instantHelp})`)
    .action(async (o: PatternOptions) => (await import('./commands/patterns.js')).diagnoseCommand(o));
};

/** `attribute`: a cluster's CPU next to its fetch requests. */
export const declareAttribute: CommandDeclaration = (program) => {
  pattern(program, 'attribute', "a cluster's CPU next to its fetch requests, hourly, with their correlation")
    .requiredOption('--cluster <cluster>', 'cluster')
    .option('--days <n>', 'days back from --end (default: 7)')
    .option('--end <iso>', `end of the range (${instantHelp}; default: now)`)
    .option('--chart <file.svg>', 'also write an SVG chart', filePath)
    .action(async (o: PatternOptions) => (await import('./commands/patterns.js')).attributeCommand(o));
};

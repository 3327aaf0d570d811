import { Option } from 'commander';
import { collect, type CommandDeclaration, partitionDay, withCommonFlags as common } from './cli-flags.js';

/** `ls`: the partitions of the rollup tiers. */
export const declareLs: CommandDeclaration = (program) => {
  common(program.command('ls'))
    .description(
      'list the partitions of the rollup tiers: ' +
        'committed ones (rows, bytes, files, run, created, config hash, late rows) ' +
        'and leftovers (files without a manifest)',
    )
    .addOption(new Option('--tier <tier>', 'one tier (default: every tier the job declares)').choices(['hour', 'day']))
    .option('--from <YYYY-MM-DD>', 'first day, inclusive', partitionDay)
    .option('--to <YYYY-MM-DD>', 'last day, inclusive', partitionDay)
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
        const { lsCommand } = await import('./commands/ls.js');
        await lsCommand(o);
      },
    );
};

/** `inspect`: one committed partition's manifest in human form. */
export const declareInspect: CommandDeclaration = (program) => {
  common(program.command('inspect'))
    .description(
      "one committed partition's manifest in human form: inputs, outputs, rows rejected by reason, cube shape, cuboids",
    )
    .requiredOption('--date <YYYY-MM-DD>', 'the partition day', partitionDay)
    .addOption(new Option('--tier <tier>', 'tier').choices(['hour', 'day']).default('hour'))
    .addOption(
      new Option('--format <format>', 'table: human form; json: the manifest as stored')
        .choices(['table', 'json'])
        .default('table'),
    )
    .action(
      async (o: { store: string; config?: string; date: string; tier: 'hour' | 'day'; format: 'table' | 'json' }) => {
        const { inspectCommand } = await import('./commands/inspect.js');
        await inspectCommand(o);
      },
    );
};

/** `values`: distinct values of a dimension. */
export const declareValues: CommandDeclaration = (program) => {
  common(program.command('values'))
    .description('distinct values of a dimension in the committed partitions (Grafana template variables)')
    .requiredOption('--dim <dimension>', "a dimension, or 'metric'")
    .option(
      '--where <dim=v1,v2>',
      'only rows whose dimension holds one of these values (repeatable; \\, is a comma of a value)',
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
        const { valuesCommand } = await import('./commands/values.js');
        await valuesCommand(o);
      },
    );
};

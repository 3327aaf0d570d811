import { Option } from 'commander';
import {
  type CommandDeclaration,
  nonNegativeInt,
  partitionDay,
  withCommonFlags as common,
  withDayOrRange,
} from './cli-flags.js';
import type { VerifyOptions } from './commands/verify.js';

/** `gc`: remove files no manifest lists. */
export const declareGc: CommandDeclaration = (program, { logger }) => {
  common(program.command('gc'))
    .description('remove rollup files no manifest lists (crashed or replaced runs) once older than the grace period')
    .option('--date <YYYY-MM-DD>', 'one UTC day; default: every partition', partitionDay)
    .option(
      '--grace <seconds>',
      'keep unreferenced files younger than this (readers of a replaced manifest)',
      nonNegativeInt,
      3600,
    )
    .action(async (o: { store: string; config?: string; date?: string; grace: number }) => {
      const { gcCommand } = await import('./commands/maintenance.js');
      await gcCommand({ ...o, graceSeconds: o.grace }, logger);
    });
};

/** `retention`: delete whole partitions past their tier's retention. */
export const declareRetention: CommandDeclaration = (program, { logger }) => {
  common(program.command('retention'))
    .description(
      "delete whole partitions older than their tier's retentionDays (job config): manifest first, then files; " +
        'dry run unless --apply',
    )
    .option('--apply', 'delete (default: only say what would be deleted)', false)
    // parsed in the action, by the query layer's one instant rule, which help need not load
    .option('--now <iso>', 'judge ages as of this instant (default: now)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (o: { store: string; config?: string; apply: boolean; now?: string; format: 'table' | 'json' }) => {
      const instant = o.now;
      const now =
        instant === undefined
          ? undefined
          : (await import('../query/query-parameters.js')).parseInstant(instant, `retention --now '${instant}'`);
      const { retentionCommand } = await import('./commands/retention.js');
      await retentionCommand(o, logger, () => now ?? new Date());
    });
};

/** `verify`: re-hash what the committed manifests list. */
export const declareVerify: CommandDeclaration = (program, { setExit }) => {
  withDayOrRange(common(program.command('verify')))
    .description(
      're-hash every file the committed manifests list (sha256), ' +
        'check sizes and the config hash; exit 1 on any mismatch',
    )
    .addOption(
      new Option('--tier <grain>', 'only this tier (default: every tier the job declares)').choices(['hour', 'day']),
    )
    .action(async (o: VerifyOptions) => {
      const { verifyCommand } = await import('./commands/verify.js');
      setExit(await verifyCommand(o, () => new Date()));
    });
};

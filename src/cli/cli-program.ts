import { Command } from 'commander';
import { toolVersion } from '../version.js';
import { type CommandContext, type CommandDeclaration, collect } from './cli-flags.js';
import { declareInspect, declareLs, declareValues } from './inspection-commands.js';
import { declareGc, declareRetention, declareVerify } from './maintenance-commands.js';
import { declareAttribute, declareDiagnose, declareFacts, declareQuery, declareTrend } from './query-commands.js';
import { declareBackfill, declareGenerate, declarePlan, declareRun } from './rollup-commands.js';
import { declareReport, declareServe } from './serve-commands.js';

/**
 * The command table, in help order. Declarations carry only flags and help; each action imports its command's body
 * when it runs, so help, usage errors and every command load only what they use.
 */
const commandTable: readonly CommandDeclaration[] = [
  declareGenerate,
  declareRun,
  declarePlan,
  declareBackfill,
  declareGc,
  declareLs,
  declareInspect,
  declareValues,
  declareRetention,
  declareVerify,
  declareQuery,
  declareFacts,
  declareTrend,
  declareDiagnose,
  declareAttribute,
  declareReport,
  declareServe,
];

/** Builds the command tree. */
export function buildProgram(context: CommandContext): Command {
  const program = new Command('telemetry-rollup')
    .description('Roll raw telemetry Parquet on an object store up into committed, query-ready cubes.')
    .version(toolVersion.version)
    .exitOverride()
    .showHelpAfterError();
  for (const declare of commandTable) declare(program, context);
  for (const command of program.commands) refuseRepeatedValues(command);
  return program;
}

/**
 * Makes a flag that takes one value a usage error when given twice (`--metric a --metric b`): commander keeps the last
 * silently, so a mistyped or pasted command line would answer another question. Repeatable flags (`--where`) collect.
 */
function refuseRepeatedValues(command: Command): void {
  const given = new Map<string, unknown>();
  for (const option of command.options) {
    if (option.isBoolean() || option.variadic || option.parseArg === collect) continue;
    command.on(`option:${option.name()}`, (value: unknown) => {
      if (given.has(option.name()))
        command.error(
          `error: option '${option.flags}' is given twice ('${String(given.get(option.name()))}', then ` +
            `'${String(value)}'); give it once`,
          { code: 'telemetry-rollup.repeatedOption' },
        );
      given.set(option.name(), value);
    });
  }
}

import { Command } from 'commander';
import { toolVersion } from '../version.js';
import type { CommandContext, CommandDeclaration } from './cli-flags.js';
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
  return program;
}

import { InvalidArgumentError } from 'commander';
import { parseCorsOrigin } from '../serve/cors-origin.js';
import {
  type CommandDeclaration,
  filePath,
  nonNegativeInt,
  parseByteSize,
  partitionDay,
  withCommonFlags as common,
} from './cli-flags.js';
import type { ReportOptions } from './commands/report.js';
import type { ServeOptions } from './commands/serve.js';

/** A TCP port: 0 (any free one) to 65535. */
function tcpPort(value: string): number {
  const n = nonNegativeInt(value);
  if (n > 65535) throw new InvalidArgumentError(`'${value}' is not a port (0..65535)`);
  return n;
}

/** A listen address; an empty one would listen on every interface, not the loopback the default is. */
function nonEmptyHost(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError("'' is not an address (the default is 127.0.0.1)");
  return value;
}

/** `report`: the HTML page of the usage patterns. */
export const declareReport: CommandDeclaration = (program) => {
  common(program.command('report'))
    .description('an HTML page with the four usage patterns for a day (facts, trends, diagnose, attribution)')
    .requiredOption('--date <YYYY-MM-DD>', 'the day', partitionDay)
    .requiredOption('--out <file.html>', 'where to write the page', filePath)
    .option('--cluster <cluster>', 'cluster to show (default: the busiest)')
    .option('--tenant <tenant>', 'tenant to show (default: the busiest)')
    .action(async (o: ReportOptions) => (await import('./commands/report.js')).reportCommand(o));
};

/** `serve`: the read-only HTTP endpoint. */
export const declareServe: CommandDeclaration = (program, { logger }) => {
  common(program.command('serve'))
    .description('read-only HTTP endpoint answering the same queries as JSON (for dashboards); loopback by default')
    .option('--host <host>', 'address to listen on', nonEmptyHost, '127.0.0.1')
    .option('--port <port>', 'port, 0..65535 (0: any free port)', tcpPort, 8377)
    .option(
      '--cache <bytes>',
      'memory for the segments it keeps, least recently used out (default: 512MiB)',
      parseByteSize,
    )
    .option(
      '--cors-origin <origin>',
      'the one browser origin allowed to read answers (CORS), e.g. a Grafana URL',
      parseCorsOrigin,
    )
    .action(async (o: ServeOptions) => (await import('./commands/serve.js')).serveCommand(o, logger));
};

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommanderError, type Command } from 'commander';
import { buildProgram } from '../../../src/cli/cli-program.js';
import { silentLogger } from '../../../src/logger.js';

/** The program with no output and every action replaced by one that records the options it got. */
function quietProgram(): { program: Command; ran: Record<string, unknown>[] } {
  const program = buildProgram({ logger: silentLogger, setExit: () => {}, runId: 'test-run' });
  const ran: Record<string, unknown>[] = [];
  for (const command of program.commands) {
    command.configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
    command.action((options: Record<string, unknown>) => {
      ran.push(options);
    });
  }
  return { program, ran };
}

async function parse(argv: readonly string[]): Promise<Record<string, unknown>[]> {
  const { program, ran } = quietProgram();
  await program.parseAsync([...argv], { from: 'user' });
  return ran;
}

describe('the command line', () => {
  it('refuses a one-value flag given twice, naming it and both values, before anything runs', async () => {
    for (const [argv, flag, first, second] of [
      [['query', '--metric', 'a', '--from', '2026-11-24', '--metric', 'b'], '--metric <name>', 'a', 'b'],
      [['run', '--date', '2026-11-24', '--date', '2026-11-25'], '--date <YYYY-MM-DD>', '2026-11-24', '2026-11-25'],
      [
        ['facts', '--hour=2026-11-24T01:00Z', '--hour', '2026-11-24T02:00Z'],
        '--hour <iso>',
        '2026-11-24T01:00Z',
        '2026-11-24T02:00Z',
      ],
      [['serve', '--store', 's1', '--store=s2'], '--store <url>', 's1', 's2'],
      [['run', '--date', '2026-11-24', '--hour', '3', '--hour', '4'], '--hour <HH>', '3', '4'],
    ] as const) {
      await assert.rejects(
        parse(argv),
        (e: unknown) =>
          e instanceof CommanderError &&
          e.code === 'telemetry-rollup.repeatedOption' &&
          e.exitCode === 1 &&
          e.message === `error: option '${flag}' is given twice ('${first}', then '${second}'); give it once`,
        argv.join(' '),
      );
    }
  });

  it('collects repeatable flags and takes one-value flags given once', async () => {
    const [options] = await parse([
      'query',
      '--metric',
      'a',
      '--from',
      '2026-11-24',
      '--to',
      '2026-11-25',
      '--where',
      'cluster=x',
      '--where',
      'tenant=y',
      '--where-not',
      'topic=z',
      '--explain',
      '--explain',
    ]);
    assert.deepEqual(
      [options?.metric, options?.where, options?.whereNot, options?.explain],
      ['a', ['cluster=x', 'tenant=y'], ['topic=z'], true],
    );
  });

  it('refuses an empty file path and a Pushgateway that is no http(s) URL, naming the flag, before anything runs', async () => {
    const day = ['--date', '2026-11-24'];
    const range = ['--from', '2026-11-24', '--to', '2026-11-25'];
    for (const [argv, flag, reason] of [
      [['trend', '--cluster', 'c', '--chart', ''], '--chart <file.svg>', "'' is not a file path"],
      [['attribute', '--cluster', 'c', '--chart', ''], '--chart <file.svg>', "'' is not a file path"],
      [['report', ...day, '--out', ''], '--out <file.html>', "'' is not a file path"],
      [['query', '--metric', 'm', ...range, '--config', ''], '--config <file>', "'' is not a file path"],
      [['run', ...day, '--metrics-file', ''], '--metrics-file <path>', "'' is not a file path"],
      [['backfill', ...range, '--metrics-file='], '--metrics-file <path>', "'' is not a file path"],
      [['run', ...day, '--pushgateway', ''], '--pushgateway <url>', "'' is not an http:// or https:// URL"],
      [['run', ...day, '--pushgateway', 'pushgw:9091'], '--pushgateway <url>', "'pushgw:9091' is not an http:// or"],
      [['backfill', ...range, '--pushgateway', 'ftp://h/'], '--pushgateway <url>', "'ftp://h/' is not an http:// or"],
    ] as const) {
      await assert.rejects(
        parse(argv),
        (e: unknown) =>
          e instanceof CommanderError &&
          e.exitCode === 1 &&
          e.message.startsWith(`error: option '${flag}' argument '`) &&
          e.message.includes(reason),
        argv.join(' '),
      );
    }
    const [run] = await parse(['run', ...day, '--metrics-file', 'm.prom', '--pushgateway', 'http://pushgw:9091']);
    assert.deepEqual([run?.metricsFile, run?.pushgateway], ['m.prom', 'http://pushgw:9091']);
  });
});

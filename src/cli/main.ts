import { printable } from '../printable.js';
import { CommanderError } from 'commander';
import { ignoreClosedPipes, isInteractive, silenceKnownRuntimeNotices } from '../config/environment.js';
import type { Logger } from '../logger.js';
import { newRunId } from '../partition/run-id.js';
import { jsonLinesLogger, progressBarLogger } from './cli-logger.js';
import { buildProgram } from './cli-program.js';
import { classifyFailure, exitCodes } from './exit-code.js';

/** Parses argv, runs one command, and maps its outcome to an exit code: the one place errors become exit codes. */
export async function main(argv: readonly string[]): Promise<number> {
  silenceKnownRuntimeNotices();
  ignoreClosedPipes();
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
  const program = buildProgram({ logger, setExit: (code) => (exit = code), runId });
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

/** The object key a failure names, from the first error of its cause chain that carries one (storage errors do). */
function objectKeyOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const key = (e as { key?: unknown }).key;
    if (typeof key === 'string') return key;
  }
  return undefined;
}

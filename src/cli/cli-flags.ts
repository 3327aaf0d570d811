import { type Command, InvalidArgumentError, Option } from 'commander';
import { defaultStoreLocation } from '../config/environment.js';
import { InvalidDateError, parsePartitionDate } from '../storage/partition-path.js';
import { maxDecodeThreads } from '../rollup/decode-threads.js';
import type { Logger } from '../logger.js';

/*
 * The pieces every command declaration shares: the common flags and the flag value parsers. Light on purpose: help
 * and argument parsing load only this, commander and the declarations, never a command's body.
 */

/** What a command declaration gets from main: the logger, and a setter for commands that report without throwing. */
export interface CommandContext {
  readonly logger: Logger;
  readonly setExit: (code: number) => void; // backfill and verify set the exit code themselves
  readonly runId: string; // this process's run id, in every log line: a single run commits under it
}

/** Declares one subcommand on `program`: its flags, its help, and an action that loads the command's body on use. */
export type CommandDeclaration = (program: Command, context: CommandContext) => void;

/** Adds the flags every command takes (--store, --config). */
export function withCommonFlags(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--store <url>', 'object store: a directory, file:///path or s3://bucket/prefix').default(
        defaultStoreLocation(),
        '$ROLLUP_STORE or ./data',
      ),
    )
    .option('--config <file>', 'job definition (JSON); default jobs/default-job.json', filePath)
    .exitOverride();
}

/** How help text describes an instant flag. */
export const instantHelp = 'a UTC date 2026-11-24, or an ISO-8601 instant with its zone: 2026-11-24T13:00Z';

/** A flag naming a file to read or write: any path but the empty one (which names no file). */
export function filePath(value: string): string {
  if (value === '') throw new InvalidArgumentError("'' is not a file path");
  return value;
}

/** A flag naming an HTTP endpoint (the Pushgateway): an absolute http:// or https:// URL. */
export function httpUrl(value: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:')
    throw new InvalidArgumentError(`'${value}' is not an http:// or https:// URL`);
  return value;
}

/** Accumulates a repeatable flag. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * A byte count: whole digits with an optional KiB/MiB/GiB suffix (K/M/G and KB/MB/GB too, also powers of 1024: `1GB`
 * is 1,073,741,824 bytes); at least 64 MiB.
 */
export function parseByteSize(value: string): number {
  const m = /^(\d+)\s*(k|m|g|kib|mib|gib|kb|mb|gb)?$/i.exec(value.trim());
  if (!m)
    throw new InvalidArgumentError(
      `'${value}' is not a memory size: whole digits and an optional unit KiB, MiB or GiB (e.g. 512MiB, 2GiB)`,
    );
  const unit = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[(m[2] ?? '').charAt(0).toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  const n = Number(m[1]) * unit;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`'${value}' is more bytes than can be counted exactly`);
  if (n < 64 * 2 ** 20) throw new InvalidArgumentError(`'${value}' is less than 64MiB, the smallest memory budget`);
  return n;
}

/** A `--shard i/n` value. */
export function parseShard(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const [index, count] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(count >= 1 && index >= 0 && index < count))
    throw new InvalidArgumentError(`'${value}' is not a shard i/n with 0 <= i < n`);
  return { index, count };
}

/** An hour of the day for `run --hour`: 00 to 23 (one or two digits). */
export function parseHour(value: string): number {
  if (!/^([01]?\d|2[0-3])$/.test(value)) throw new InvalidArgumentError(`'${value}' is not an hour of the day 00-23`);
  return Number(value);
}

/** A positive integer flag written in decimal digits. */
export function positiveInt(value: string): number {
  const n = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN; // digits only, as query-parameters reads --days
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' is not a positive integer`);
  return n;
}

/** A non-negative integer flag written in decimal digits. */
export function nonNegativeInt(value: string): number {
  const n = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a non-negative integer`);
  return n;
}

/** A `generate --seed`: 0 to 2^32 - 1, the seeds the generator tells apart (2^32 + 42 gave seed 42's bytes). */
export function sampleSeed(value: string): number {
  const n = nonNegativeInt(value);
  if (n > 0xffff_ffff) throw new InvalidArgumentError(`'${value}' is more than 4294967295, the largest seed`);
  return n;
}

/** A partition day (YYYY-MM-DD, a calendar day partitions can have), refused naming the flag. */
export function partitionDay(value: string): string {
  try {
    return parsePartitionDate(value);
  } catch (e) {
    if (e instanceof InvalidDateError) throw new InvalidArgumentError(e.message);
    throw e;
  }
}

/** A `--workers` count: 0 (decode on the main thread) to maxDecodeThreads; more would only add memory. */
export function decodeThreadCount(value: string): number {
  const n = nonNegativeInt(value);
  if (n > maxDecodeThreads)
    throw new InvalidArgumentError(
      `'${value}' is more than ${maxDecodeThreads} decode threads (each takes ~20 MiB outside the memory budget)`,
    );
  return n;
}

/**
 * `--date D`, or `--from D1 --to D2` (not both), each a partition day: the days `plan` and `verify` look at. A
 * command given neither is refused before its action runs.
 */
export function withDayOrRange(cmd: Command): Command {
  return cmd
    .option('--date <YYYY-MM-DD>', 'one UTC day', partitionDay)
    .addOption(new Option('--from <YYYY-MM-DD>', 'first day of a range').argParser(partitionDay).conflicts('date'))
    .addOption(
      new Option('--to <YYYY-MM-DD>', 'last day of a range, inclusive').argParser(partitionDay).conflicts('date'),
    )
    .hook('preAction', (command) => {
      const o = command.opts<{ date?: string; from?: string; to?: string }>();
      if (!o.date && !(o.from && o.to)) command.error(`error: ${command.name()} needs --date, or --from and --to`);
    });
}

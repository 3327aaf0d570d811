/** Hive-style partition keys of the data contract; pure, no I/O. */

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Raised for a partition date that is not a real calendar day in YYYY-MM-DD form. */
export class InvalidDateError extends Error {
  override readonly name = 'InvalidDateError';
}

/**
 * The days a partition can be: output times are int64 nanoseconds since 1970-01-01, which end at
 * 2262-04-11T23:47:16.854775807Z (the last whole day is the 10th).
 */
export const partitionDates = { first: '1970-01-01', last: '2262-04-10' } as const;
const lastDayStartMs = Date.UTC(2262, 3, 10);

/** Refuses a day range whose `from` is after its `to` (it would hold no day): the rule of every command's range. */
export function refuseEmptyRange(from: string, to: string): void {
  if (from > to) throw new InvalidDateError(`date range --from ${from} --to ${to} is empty: --from is after --to`);
}

/** Checks that `date` is a real calendar day written YYYY-MM-DD (nothing else: no '/', '..', spaces), in range. */
export function parsePartitionDate(date: string): string {
  const m = datePattern.exec(date);
  if (!m) throw new InvalidDateError(`date '${shortQuoted(date)}' is not of the form YYYY-MM-DD`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || y < 1970) {
    throw new InvalidDateError(`date '${date}' is not a calendar day on or after ${partitionDates.first}`);
  }
  if (t > lastDayStartMs)
    throw new InvalidDateError(
      `date '${date}' is after ${partitionDates.last}, the last day whose times int64 nanoseconds hold`,
    );
  return date;
}

/** Whether `date` is a partition day (parsePartitionDate accepts it). */
export function isPartitionDate(date: string): boolean {
  try {
    parsePartitionDate(date);
    return true;
  } catch (e) {
    if (e instanceof InvalidDateError) return false;
    throw e;
  }
}

/**
 * The `dt=` folder a rollup object key lies in: its value, and that value as a partition day when it is one (a folder
 * such as `dt=2026-02-30` or `dt=2026-11-30x` is a stray no run writes); undefined when the key is in no such folder.
 */
export function partitionFolderOf(key: string): { readonly value: string; readonly date?: string } | undefined {
  const value = /\/dt=([^/]*)\//.exec(key)?.[1];
  if (value === undefined) return undefined;
  return isPartitionDate(value) ? { value, date: value } : { value };
}

/** The partition day before `date`; undefined for the first one (1970-01-01 has no day before it). */
export function previousDate(date: string): string | undefined {
  return date === partitionDates.first ? undefined : addDays(date, -1);
}

/** The partition day after `date`; undefined for the last one. */
export function nextDate(date: string): string | undefined {
  return parsePartitionDate(date) === partitionDates.last ? undefined : addDays(date, 1);
}

/** Epoch milliseconds of 00:00 UTC on a validated partition date. */
export function dayStartMs(date: string): number {
  const m = datePattern.exec(parsePartitionDate(date));
  return Date.UTC(Number(m![1]), Number(m![2]) - 1, Number(m![3]));
}

/** The partition date `days` after `date` (negative for before). */
export function addDays(date: string, days: number): string {
  return new Date(dayStartMs(date) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Prefix of every raw object of one day: `<raw>/dt=YYYY-MM-DD/`. */
export function rawDayPrefix(rawPrefix: string, date: string): string {
  return `${rawPrefix}/dt=${parsePartitionDate(date)}/`;
}

/** Prefix of the raw objects of one hour: `<raw>/dt=YYYY-MM-DD/hr=HH/`. */
export function rawHourPrefix(rawPrefix: string, date: string, hour: number): string {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new InvalidDateError(`hour ${hour} is not in 0..23`);
  return `${rawDayPrefix(rawPrefix, date)}hr=${String(hour).padStart(2, '0')}/`;
}

/** Prefix of one committed rollup partition: `<rollup>/<grain>/dt=YYYY-MM-DD/`. */
export function rollupPartitionPrefix(rollupPrefix: string, grain: string, date: string): string {
  return `${rollupPrefix}/${grain}/dt=${parsePartitionDate(date)}/`;
}

/** Key of the manifest that commits a rollup partition. */
export function manifestKey(rollupPrefix: string, grain: string, date: string): string {
  return `${rollupPartitionPrefix(rollupPrefix, grain, date)}_manifest.json`;
}

/** Key of the lease a run or gc holds while it writes or deletes in a rollup partition. */
export function leaseKey(rollupPrefix: string, grain: string, date: string): string {
  return `${rollupPartitionPrefix(rollupPrefix, grain, date)}_lease.json`;
}

function shortQuoted(s: string): string {
  return s.length > 40 ? JSON.stringify(s.slice(0, 40)) + '...' : JSON.stringify(s).slice(1, -1);
}

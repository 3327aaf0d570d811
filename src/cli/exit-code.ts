/** Exit codes a CronJob acts on. */
export const exitCodes = {
  done: 0, // done, or nothing to do
  halt: 1, // bad input or config: a human must act, retrying will not help
  retry: 75, // EX_TEMPFAIL: storage or throttling trouble, retry later
  // a query or usage pattern found no data at all (tenant or cluster unknown, days not rolled up, empty store): the
  // answer was printed as "no data", never 0
  noData: 3,
} as const;

/** What kind of failure an error is, decided once here for the whole tool. */
export type Failure = { readonly kind: 'halt' | 'retry' | 'no-data'; readonly code: number };

const haltNames = new Set([
  'ConfigError',
  'InvalidDateError',
  'RawInputError',
  'ParquetReadError',
  'ColumnTypeError',
  'StoreLocationError',
  'CommanderError',
  'QueryError',
  'MissingPartitionError',
]);

/**
 * Classifies an error: transient storage failures are retried, an answer with no data at all is noData (3), everything
 * else halts.
 */
export function classifyFailure(error: unknown): Failure {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    if (e.name === 'StorageError' && (e as { transient?: boolean }).transient === true)
      return { kind: 'retry', code: exitCodes.retry };
    if (e.name === 'NoDataError') return { kind: 'no-data', code: exitCodes.noData };
    if (haltNames.has(e.name)) return { kind: 'halt', code: exitCodes.halt };
    e = e.cause;
  }
  return { kind: 'halt', code: exitCodes.halt };
}

import pLimit from 'p-limit';
import { defaultDecodeThreads } from './decode-threads.js';
import { rollupWorkerScript } from './rollup-worker-script.js';
import { openPool } from './worker-pool.js';
import { addDays, parsePartitionDate, refuseEmptyRange } from '../storage/partition-path.js';
import type { RollupResult } from './run-rollup.js';
import type { RunRollupOptions } from './rollup-options.js';
import { runRollup } from './run-rollup.js';
import { withRoutedRowsCheck } from './late-inputs-read.js';
import { silentLogger } from '../logger.js';

/** The outcome of one date of a backfill. */
export type BackfillOutcome =
  | { readonly date: string; readonly kind: 'done'; readonly result: RollupResult }
  | { readonly date: string; readonly kind: 'failed'; readonly error: unknown };

/** Every date from `from` to `to`, inclusive; a range whose `from` is after its `to` is refused (it would do nothing). */
export function datesBetween(from: string, to: string): string[] {
  refuseEmptyRange(parsePartitionDate(from), parsePartitionDate(to));
  const dates: string[] = [];
  for (let d = parsePartitionDate(from); d <= parsePartitionDate(to); d = addDays(d, 1)) dates.push(d);
  return dates;
}

/**
 * Rolls up each date with at most `parallel` dates at once; a date that fails does not stop the others. Committed
 * dates with unchanged inputs are skipped, so a backfill killed halfway resumes where it stopped. All dates share one
 * set of decode threads: they start and warm up once, and parallel dates do not multiply them.
 */
export async function runBackfill(
  dates: readonly string[],
  parallel: number,
  options: Omit<RunRollupOptions, 'date'>,
  onDone?: (o: BackfillOutcome) => void,
): Promise<BackfillOutcome[]> {
  const limit = pLimit(Math.max(1, parallel));
  const workers = options.workers ?? defaultDecodeThreads();
  const pool = options.pool ?? (workers > 0 ? openPool(rollupWorkerScript, workers) : undefined);
  try {
    const outcomes = await backfillDates(
      dates,
      limit,
      { ...options, ...(pool ? { pool } : {}), deferRoutedRowsCheck: true },
      onDone,
    );
    // once every date is done: a date's routed rows are checked against its previous day as that day ended up
    const logger = options.logger ?? silentLogger;
    const check = (r: RollupResult) => withRoutedRowsCheck(options.store, options.config, logger, r);
    return await Promise.all(
      outcomes.map(async (o) => (o.kind === 'done' ? { ...o, result: await check(o.result) } : o)),
    );
  } finally {
    if (!options.pool) await pool?.close();
  }
}

function backfillDates(
  dates: readonly string[],
  limit: ReturnType<typeof pLimit>,
  options: Omit<RunRollupOptions, 'date'>,
  onDone?: (o: BackfillOutcome) => void,
): Promise<BackfillOutcome[]> {
  return Promise.all(
    dates.map((date) =>
      limit(async (): Promise<BackfillOutcome> => {
        let outcome: BackfillOutcome;
        try {
          outcome = { date, kind: 'done', result: await runRollup({ ...options, date }) };
        } catch (error) {
          outcome = { date, kind: 'failed', error };
        }
        onDone?.(outcome);
        return outcome;
      }),
    ),
  );
}

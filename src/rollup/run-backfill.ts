import pLimit from 'p-limit';
import { addDays, parsePartitionDate } from '../storage/partition-path.js';
import type { RollupResult, RunRollupOptions } from './run-rollup.js';
import { runRollup } from './run-rollup.js';

/** The outcome of one date of a backfill. */
export type BackfillOutcome =
  | { readonly date: string; readonly kind: 'done'; readonly result: RollupResult }
  | { readonly date: string; readonly kind: 'failed'; readonly error: unknown };

/** Every date from `from` to `to`, inclusive. */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let d = parsePartitionDate(from); d <= parsePartitionDate(to); d = addDays(d, 1)) dates.push(d);
  return dates;
}

/**
 * Rolls up each date with at most `parallel` dates at once; a date that fails does not stop the others. Committed
 * dates with unchanged inputs are skipped, so a backfill killed halfway resumes where it stopped.
 */
export async function runBackfill(dates: readonly string[], parallel: number, options: Omit<RunRollupOptions, 'date'>, onDone?: (o: BackfillOutcome) => void): Promise<BackfillOutcome[]> {
  const limit = pLimit(Math.max(1, parallel));
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

import type { RollupResult } from './rollup-result.js';

/**
 * The day tier failed after the hour tier was committed (or skipped as committed): what the run did of the hour tier,
 * and the day tier's error as the cause (which decides the exit code).
 */
export class DayTierError extends Error {
  override readonly name = 'DayTierError';
  constructor(
    readonly hour: RollupResult,
    cause: unknown,
  ) {
    super(
      `day tier of ${hour.date} failed after the hour tier was ${hour.outcome}: ` +
        (cause instanceof Error ? cause.message : String(cause)),
      { cause },
    );
  }
}

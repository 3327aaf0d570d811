/** Which columns of a raw file play which role, and which day is being rolled up. */
export interface RawFileSpec {
  readonly timestampColumn: string;
  readonly metricColumn: string;
  readonly valueColumn: string;
  readonly dimensions: readonly string[];
  readonly dayStartMs: number; // 00:00 UTC of the partition day, epoch milliseconds
  readonly role: 'own' | 'late'; // own: a file of this day; late: a file of the next day read for this day's late rows
  readonly routesPreviousDay: boolean; // own file early in the day: rows of the day before are that day's late data
  readonly limits: RollupLimits;
  // metrics whose samples are logged: counters (increase), distributions (quantiles)
  readonly sampledMetrics: readonly string[];
  readonly distributionMetrics: readonly string[]; // their samples below 0 are rejected (a latency sketch's domain)
}

/**
 * Bounds that keep memory bounded on hostile input: past them the run halts with a clear error instead of being
 * OOM-killed.
 */
export interface RollupLimits {
  readonly distinctValues: number; // distinct values of one dimension in one partition
  readonly valueBytes: number; // the longest value of a dimension (or metric name), in UTF-8 bytes
  readonly groups: number; // series-hours (base records) in one partition
}

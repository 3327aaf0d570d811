import type { JobConfig } from '../config/job-config.js';
import type { Logger } from '../logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { WorkerPool } from './worker-pool.js';

/** What a rollup run needs; everything that varies is injected. */
export interface RunRollupOptions {
  readonly store: ObjectStore;
  readonly config: JobConfig;
  readonly configHash: string;
  readonly date: string; // partition day, YYYY-MM-DD
  readonly workers?: number; // decode threads; 0 decodes on the calling thread; default: available cores
  // at most this many decode threads when the run chooses them by the bytes it will decode (not with `workers`)
  readonly maxWorkers?: number;
  // decode threads shared by several runs (a backfill), used instead of `workers`; not closed here
  readonly pool?: WorkerPool;
  readonly force?: boolean; // rebuild even when the committed partition has the same inputs and config
  readonly now?: () => Date;
  // CPU milliseconds this process has used so far, every thread (the encode phase's CPU, in partition_encoded);
  // default: process.cpuUsage()
  readonly cpuMs?: () => number;
  readonly logger?: Logger;
  readonly runId?: string; // default: start time + random suffix
  // how long the partition lease outlives this run if it dies (renewed while alive); default 2 min
  readonly leaseTtlMs?: number;
  readonly graceMs?: number; // unreferenced files younger than this survive garbage collection; default 1 h
  readonly memoryBytes?: number; // memory budget of this run (--memory); default: the job's output.limits.memoryBytes
  readonly spillFolder?: string; // where decoded pieces spill beyond the budget; default: the OS temporary folder
  readonly hour?: number; // `run --hour`: list only this hour folder (0-23), carry the others; no day tier
  readonly allowEmpty?: boolean; // a day with no raw object is 'no-input' (exit 0) instead of a NoRawInputError halt
  // leave the check of the rows routed to the previous day (withRoutedRowsCheck) to the caller: a backfill, whose
  // previous day may be one of its own dates still running
  readonly deferRoutedRowsCheck?: boolean;
}

import type { RejectReason } from '../ingest/reject-reason.js';
import type { Manifest } from '../partition/manifest.js';

/** The outcome of one partition. */
export interface RollupResult {
  // no-input: no raw objects for the day (allowed by --allow-empty), nothing committed
  readonly outcome: 'committed' | 'skipped' | 'no-input';
  readonly date: string;
  readonly grain: 'hour' | 'day';
  readonly manifestKey: string;
  readonly inputs: number; // raw objects read
  // raw objects under the day's prefixes not read (each logged as a warning and listed in the manifest)
  readonly ignored?: number;
  readonly rowsIn: number;
  readonly rowsAccepted: number;
  readonly rowsLate: number; // rows of this day found in the next day's first hours
  readonly rowsRouted: number; // own rows of the previous day, left to its run
  readonly rowsOut: number;
  readonly rejected: Readonly<Record<RejectReason, number>>;
  readonly files: number; // data files the committed manifest lists (written by this run only when committed)
  readonly bytes: number; // bytes of those files
  readonly bytesIn?: number; // bytes of the inputs the manifest lists (raw objects; hour files for the day tier)
  // the run whose manifest is committed (on a skip: an earlier run)
  readonly committedBy?: { readonly runId: string; readonly createdAt: string };
  readonly ms: number;
  // why the partition was (re)built: not committed yet, inputs or config changed, manifest unreadable, committed files
  // missing
  readonly reasons?: readonly string[];
  readonly hoursRebuilt?: readonly number[]; // hour tier, committed: the hours with rows whose segments this run built
  readonly hoursKept?: readonly number[]; // hour tier, committed: the hours whose segments were carried as committed
  readonly hourFolders?: readonly number[]; // hour tier of a partial day (`run --hour`): the hour folders built so far
  readonly dayTier?: RollupResult; // the day tier built after the hour tier, when the job declares one
}

/** A partition's outcome from its manifest. */
export function resultOf(outcome: RollupResult['outcome'], m: Manifest, key: string, ms: number): RollupResult {
  return {
    outcome,
    date: m.date,
    grain: m.grain,
    manifestKey: key,
    inputs: m.inputs.length,
    rowsIn: m.rows.in,
    rowsAccepted: m.rows.accepted,
    rowsLate: m.rows.late,
    rowsRouted: m.rows.routed,
    rowsOut: m.rows.out,
    rejected: m.rows.rejected,
    files: m.outputs.length,
    bytes: sum(m.outputs.map((o) => o.bytes)),
    bytesIn: sum(m.inputs.map((i) => i.size)),
    committedBy: { runId: m.runId, createdAt: m.createdAt },
    ms,
  };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

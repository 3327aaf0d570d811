import type { RejectReason } from '../ingest/reject-reason.js';
import { listedFiles, type ListedFile, type Manifest } from '../partition/manifest.js';
import type { RoutedRowsNotRead } from './late-inputs-read.js';

/** The outcome of one partition. */
export interface RollupResult {
  // no-input: no raw objects for the day (allowed by --allow-empty), nothing committed
  readonly outcome: 'committed' | 'skipped' | 'no-input';
  readonly date: string;
  readonly grain: 'hour' | 'day';
  readonly manifestKey: string;
  readonly inputs: number; // input objects the manifest lists (raw objects; hour files for the day tier)
  // raw objects under the day's prefixes not read (each logged as a warning and listed in the manifest)
  readonly ignored?: number;
  // of a skipped run: how many of `ignored` the committed manifest does not list (they came since the commit)
  readonly ignoredNew?: number;
  readonly rowsIn: number;
  readonly rowsAccepted: number;
  readonly rowsLate: number; // rows of this day found in the next day's first hours
  readonly rowsRouted: number; // own rows of the previous day, left to its run
  // hour tier: routed rows in raw objects the previous day's committed run has not read as they are now
  readonly routedNotRead?: RoutedRowsNotRead;
  readonly rowsOut: number;
  readonly rejected: Readonly<Record<RejectReason, number>>;
  readonly files: number; // files the committed manifest lists: data files, star-tree indexes and records, cuboids
  readonly bytes: number; // bytes of those files
  // what this run itself read and wrote: on an incremental hour run, the inputs it decoded and the files of the
  // segments it built (the other hours' are carried as committed); on a skip, nothing
  readonly read: Traffic;
  readonly written: Traffic;
  // the run whose manifest is committed (on a skip: an earlier run)
  readonly committedBy?: { readonly runId: string; readonly createdAt: string };
  readonly ms: number;
  // why the partition was (re)built: not committed yet, inputs or config changed, manifest unreadable, committed files
  // missing
  readonly reasons?: readonly string[];
  // why nothing was built (skipped, no-input), when not the usual (committed with the same inputs and config; no raw
  // objects under --allow-empty): a day whose raw objects are gone, kept as committed; a quiet first hour (--hour)
  readonly keptBecause?: string;
  readonly hoursRebuilt?: readonly number[]; // hour tier, committed: the hours with rows whose segments this run built
  readonly hoursKept?: readonly number[]; // hour tier, committed: the hours whose segments were carried as committed
  readonly hourFolders?: readonly number[]; // hour tier of a partial day (`run --hour`): the hour folders built so far
  readonly dayTier?: RollupResult; // the day tier built after the hour tier, when the job declares one
}

/** A count of objects and their bytes. */
export interface Traffic {
  readonly files: number;
  readonly bytes: number;
}

/**
 * A partition's outcome from its manifest. A committing run read every input and wrote every listed file unless
 * `run` says what it read and wrote (an incremental run); a skip read and wrote nothing.
 */
export function resultOf(
  outcome: RollupResult['outcome'],
  m: Manifest,
  key: string,
  ms: number,
  run?: { readonly read: Traffic; readonly written: readonly ListedFile[] },
): RollupResult {
  const listed = listedFiles(m);
  const inputBytes = sum(m.inputs.map((i) => i.size));
  const none = { files: 0, bytes: 0 };
  const committed = outcome === 'committed';
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
    files: listed.length,
    bytes: sum(listed.map((o) => o.bytes)),
    read: !committed ? none : (run?.read ?? { files: m.inputs.length, bytes: inputBytes }),
    written: !committed ? none : trafficOf(run?.written ?? listed),
    committedBy: { runId: m.runId, createdAt: m.createdAt },
    ms,
  };
}

function trafficOf(files: readonly ListedFile[]): Traffic {
  return { files: files.length, bytes: sum(files.map((f) => f.bytes)) };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** How many of the objects a listing ignored the committed manifest does not list (they came since its commit). */
export function unrecordedIgnored(ignored: readonly { readonly key: string }[], committed: Manifest): number {
  const recorded = new Set((committed.ignored ?? []).map((i) => i.key));
  return ignored.filter((i) => !recorded.has(i.key)).length;
}

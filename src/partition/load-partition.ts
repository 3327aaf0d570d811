import type { ObjectStore } from '../storage/object-store.js';
import { manifestKey } from '../storage/partition-path.js';
import { openManifest, readManifestHead } from './committed-manifest.js';
import type { FileSignatures } from './day-tier-source.js';
import type { ManifestHead, ManifestHourTotals } from './manifest.js';
import type { CommittedHead, SegmentWant } from './manifest-parts.js';
import type { SegmentList } from './segment-list.js';

/** A committed partition's manifest and its segments, before any segment is read. */
export interface LoadedPartition {
  readonly date: string;
  readonly manifestKey: string;
  readonly manifest: ManifestHead; // every field checked but the segment list
  readonly segments: SegmentList; // each segment checked when first taken
  readonly signatures: FileSignatures; // its input and output files (is a day tier current: day-tier-source.ts)
  readonly hourTotals: readonly ManifestHourTotals[] | undefined; // where read (manifest-parts.ts: CommittedHead)
}

/** Raised when a query needs a partition or cube that is not committed. */
export class MissingPartitionError extends Error {
  override readonly name = 'MissingPartitionError';
}

/**
 * Reads one committed partition's manifest (undefined if the day is not committed); refuses a partition without a
 * cube. No segment is read: `loadSegmentCube` (load-cube.ts) reads the ones a query needs.
 */
export async function loadPartition(
  store: ObjectStore,
  rollupPrefix: string,
  date: string,
  grain: 'hour' | 'day',
): Promise<LoadedPartition | undefined> {
  const mKey = manifestKey(rollupPrefix, grain, date);
  const committed = await readManifestHead(store, mKey);
  return committed && withCube(date, mKey, committed);
}

/** A committed partition read in part: `take` gives it with (at least) the segments `want` needs read. */
export interface PartitionParts {
  take(want: SegmentWant): Promise<LoadedPartition>;
}

/**
 * Opens one committed partition's manifest to read it in part (undefined if the day is not committed): its start now,
 * then what each `take` needs, by ranged reads of the same version. Refuses a partition without a cube.
 */
export async function openPartition(
  store: ObjectStore,
  rollupPrefix: string,
  date: string,
  grain: 'hour' | 'day',
  startBytes?: number, // the first read's bytes (default: manifest-parts.ts's)
): Promise<PartitionParts | undefined> {
  const mKey = manifestKey(rollupPrefix, grain, date);
  const parts = await openManifest(store, mKey, startBytes);
  return parts && { take: async (want) => withCube(date, mKey, await parts.take(want)) };
}

function withCube(date: string, mKey: string, committed: CommittedHead): LoadedPartition {
  if (!committed.manifest.cube)
    throw new MissingPartitionError(
      `query partition ${mKey} has no cube (committed by a job without a cube spec): run it again with --force`,
    );
  return { date, manifestKey: mKey, ...committed };
}

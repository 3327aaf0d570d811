import type { ObjectStore } from '../storage/object-store.js';
import { manifestKey } from '../storage/partition-path.js';
import { readManifestHead } from './committed-manifest.js';
import type { FileSignatures } from './day-tier-source.js';
import type { ManifestHead } from './manifest.js';
import type { SegmentList } from './segment-list.js';

/** A committed partition's manifest and its segments, before any segment is read. */
export interface LoadedPartition {
  readonly date: string;
  readonly manifestKey: string;
  readonly manifest: ManifestHead; // every field checked but the segment list
  readonly segments: SegmentList; // each segment checked when first taken
  readonly signatures: FileSignatures; // its input and output files (is a day tier current: day-tier-source.ts)
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
  if (!committed) return undefined;
  if (!committed.manifest.cube)
    throw new MissingPartitionError(
      `query partition ${mKey} has no cube (committed by a job without a cube spec): run it again with --force`,
    );
  return { date, manifestKey: mKey, ...committed };
}

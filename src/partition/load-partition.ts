import type { ObjectStore } from '../storage/object-store.js';
import { NotFoundError, StorageError } from '../storage/storage-error.js';
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

/** A partition committed again (or removed) while a request read it: the answers would mix two commits. */
export class PartitionChangedError extends StorageError {
  constructor(grain: 'hour' | 'day', date: string) {
    super(`the ${grain} partition of ${date} was committed again while the request read it: retry`, true);
  }
}

/**
 * What a file the committed manifest lists, found missing or changed (`cause`), means: when the partition was
 * committed again or removed since it was read (a rerun whose gc deleted the file, retention), a moment's state
 * (PartitionChangedError: asked again, the question is answered from what is committed now); else damage, naming how
 * to find and repair it.
 */
export async function listedFileError(
  store: ObjectStore,
  partition: LoadedPartition,
  key: string,
  cause: unknown,
  rebuild: string, // the run that repairs it
): Promise<Error> {
  const now = await readManifestHead(store, partition.manifestKey).catch(() => undefined);
  if (now?.manifest.runId !== partition.manifest.runId)
    return new PartitionChangedError(partition.manifest.grain, partition.date);
  const what = cause instanceof NotFoundError ? 'missing' : `damaged (${(cause as Error).message})`;
  return new MissingPartitionError(
    `query file ${key} listed by the committed manifest ${partition.manifestKey} is ${what}: \`telemetry-rollup ` +
      `verify --date ${partition.date}\` lists the damage, \`${rebuild}\` rebuilds it`,
    { cause },
  );
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

import type { JobConfig } from '../config/job-config.js';
import { readManifestState } from '../partition/committed-manifest.js';
import { fileSignaturesOf, isBuiltFromHourFiles } from '../partition/day-tier-source.js';
import type { ObjectStore } from '../storage/object-store.js';
import { manifestKey } from '../storage/partition-path.js';
import { listRawInputs, type RawListing } from './list-raw-inputs.js';
import { rawGoneReason } from './plan-rollup.js';

/**
 * What the committed rollups of a day whose own raw objects are all gone still hold (a plain run's listing, not one
 * hour's): `hour` when its hour partition was built from some of them (its plan keeps it: rawGoneReason), `day` when
 * only its day tier is committed (the hour tier's retention removed the hour partition), `none` otherwise. In both
 * kept cases the rollups are the only copy of the day's rows, and nothing is built from the next day's late objects
 * alone.
 */
export async function rawGoneState(
  store: ObjectStore,
  config: JobConfig,
  date: string,
  listing: RawListing,
): Promise<'none' | 'hour' | 'day'> {
  if (listing.ownInputs > 0) return 'none';
  const hour = await readManifestState(store, manifestKey(config.output.prefix, 'hour', date));
  if (hour.kind === 'committed') return rawGoneReason(hour.manifest, listing.inputs) ? 'hour' : 'none';
  const day = await store.head(manifestKey(config.output.prefix, 'day', date));
  return day ? 'day' : 'none';
}

/**
 * Whether any raw input of the day's own is left, by a plain run's listing: a committed day with none is kept as it is
 * by every run (rawGoneState), so nothing reads late rows routed to it or rebuilds it with another config.
 */
export async function ownRawInputsLeft(store: ObjectStore, config: JobConfig, date: string): Promise<boolean> {
  return (await listRawInputs(store, config.raw.prefix, date, config.raw.lateArrivalHours)).ownInputs > 0;
}

/** The reason a run gives for building nothing of a day whose raw and hour partition are gone but its day tier is not. */
export const dayTierKeptReason =
  "no raw objects of the day's own and no hour partition, but its day tier is committed: the only copy of its rows, " +
  "kept as it is (nothing is built from the next day's late objects alone)";

/**
 * Whether the day tier of a day is built from the hour files committed now, or there is no hour partition to build one
 * from. A day whose raw objects are gone keeps its hour partition as committed, but its day tier is built from those
 * hour files, not from raw: a stale one (hours rebuilt by `run --hour` or late files) or a missing one is built again,
 * never one merely built with another config (a config change applies only to days whose raw is still there).
 */
export async function dayTierUpToDate(store: ObjectStore, config: JobConfig, date: string): Promise<boolean> {
  const [hour, day] = await Promise.all(
    (['hour', 'day'] as const).map((grain) => readManifestState(store, manifestKey(config.output.prefix, grain, date))),
  );
  if (hour?.kind !== 'committed') return true;
  return (
    day?.kind === 'committed' && isBuiltFromHourFiles(fileSignaturesOf(day.manifest), fileSignaturesOf(hour.manifest))
  );
}

import type { Manifest, ManifestIgnored, ManifestInput } from '../partition/manifest.js';
import type { RawListing } from './list-raw-inputs.js';

/** A day's inputs when `run --hour` listed one hour folder: that folder's listing plus what the manifest carries. */
export interface HourListing {
  readonly inputs: readonly ManifestInput[]; // own objects in key order, then the next day's late objects
  readonly ignored: readonly ManifestIgnored[];
  // hour folders listed so far (all 24 too: `--hour` never lists the next day's late folders); undefined: a plain run
  // listed the whole day
  readonly hourFolders: readonly number[] | undefined;
  readonly newFolder: boolean; // the listed folder was not covered by the committed manifest
}

/**
 * Puts the listing of hour folder `hour` (prefix `folder`, `raw/dt=D/hr=HH/`) together with the committed manifest's
 * inputs and ignored objects of every other folder (and its objects of the next day's folders), as they are: not
 * listed, not HEADed. Pure.
 */
export function composeHourListing(
  listing: RawListing,
  previous: Manifest | undefined,
  hour: number,
  folder: string,
): HourListing {
  const elsewhere = (key: string): boolean => !key.startsWith(folder); // the next day's hr=HH too
  const carried = (previous?.inputs ?? []).filter((i) => i.late || elsewhere(i.key));
  const own = [...carried.filter((i) => !i.late), ...listing.inputs.filter((i) => !i.late)].sort(byKey);
  const late = carried.filter((i) => i.late);
  const ignored = [...(previous?.ignored ?? []).filter((i) => elsewhere(i.key)), ...listing.ignored].sort(byKey);
  const before = previous ? (previous.hourFolders ?? allHours) : [];
  const folders = [...new Set([...before, hour])].sort((a, b) => a - b);
  return {
    inputs: [...own, ...late],
    ignored,
    // a day a plain run listed whole (its late folders too) stays whole; else the late folders are still unlisted
    hourFolders: previous !== undefined && previous.hourFolders === undefined ? undefined : folders,
    newFolder: !before.includes(hour),
  };
}

/**
 * Why a run that lists the whole day commits a partially built day (hourly runs built only some hour folders) again
 * even when no input changed: the folders no run listed are listed now (empty ones included), so the partition stops
 * reporting their hours as not built yet. Nothing is decoded for it.
 */
export function partialDayReasons(committed: Pick<Manifest, 'hourFolders'>): string[] {
  const folders = committed.hourFolders;
  if (folders === undefined) return [];
  const missing = allHours.filter((h) => !folders.includes(h));
  if (missing.length === 0)
    return ["partial day: every hour folder built by run --hour, the next day's late folders listed"];
  const names = missing.map((h) => `hr=${String(h).padStart(2, '0')}`);
  return [
    `partial day: hour folders ${names.slice(0, 6).join(', ')}${names.length > 6 ? ', ...' : ''} ` +
      `(${missing.length}) listed for the first time`,
  ];
}

const allHours: readonly number[] = Array.from({ length: 24 }, (_, h) => h);

function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

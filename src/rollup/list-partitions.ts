import { listAll, type ObjectInfo, type ObjectStore } from '../storage/object-store.js';
import { leaseKey, manifestKey, partitionFolderOf } from '../storage/partition-path.js';
import { StorageError } from '../storage/storage-error.js';
import { readAhead } from '../storage/read-ahead.js';
import { referencedKeys } from '../partition/collect-garbage.js';
import { listedFiles, parseManifest, type Manifest } from '../partition/manifest.js';

/**
 * One partition of a tier as the store holds it: committed, files without a manifest, or a manifest that cannot be
 * read.
 */
export type PartitionListing =
  | {
      readonly kind: 'committed';
      readonly grain: 'hour' | 'day';
      readonly date: string; // YYYY-MM-DD
      readonly manifestKey: string;
      readonly manifest: Manifest;
      readonly files: number; // data files the manifest lists (base, star-tree records and index, cuboids)
      readonly bytes: number; // their bytes, as the manifest records them
      readonly unlisted: readonly string[]; // other files of the partition (replaced or crashed runs; gc removes them)
    }
  | {
      readonly kind: 'leftover';
      readonly grain: 'hour' | 'day';
      readonly date: string;
      readonly files: number;
      readonly bytes: number;
      readonly keys: readonly string[];
    } // files but no manifest: invisible to readers
  | {
      readonly kind: 'unreadable';
      readonly grain: 'hour' | 'day';
      readonly date: string;
      readonly manifestKey: string;
      readonly error: string;
      readonly files: number;
      readonly bytes: number;
    } // a manifest this version cannot parse
  | {
      readonly kind: 'stray';
      readonly grain: 'hour' | 'day';
      readonly date: string; // the folder's dt= value, which is no partition day (`dt=2026-02-30`)
      readonly files: number;
      readonly bytes: number;
      readonly keys: readonly string[];
    }; // a folder no run writes: listed for people, left alone by gc and retention

/** What `ls` and `gc` say of a stray folder. */
export const strayFolderNote =
  'a dt= folder that is no partition day: no run writes or reads it, gc and retention leave it; delete it by hand';

/** Inclusive date bounds (YYYY-MM-DD); either may be absent. */
export interface DateRange {
  readonly from?: string;
  readonly to?: string;
}

/** Every partition of one tier with any object in the store, in date order, from one listing of the tier's prefix. */
export async function listPartitions(
  store: ObjectStore,
  rollupPrefix: string,
  grain: 'hour' | 'day',
  range: DateRange = {},
): Promise<PartitionListing[]> {
  const byDate = new Map<string, ObjectInfo[]>();
  const strays = new Map<string, ObjectInfo[]>();
  for (const o of await listAll(store, `${rollupPrefix}/${grain}/dt=`)) {
    const folder = partitionFolderOf(o.key);
    if (folder === undefined) continue;
    const into = folder.date === undefined ? strays : byDate;
    const date = folder.date ?? folder.value;
    if (folder.date !== undefined && !inRange(date, range)) continue;
    const list = into.get(date);
    if (list) list.push(o);
    else into.set(date, [o]);
  }
  const listings: PartitionListing[] = [];
  // each day's manifest, the next ones read while one is parsed (over S3, a round trip each)
  const readManifest = async (date: string) => {
    const mKey = manifestKey(rollupPrefix, grain, date);
    const objects = byDate.get(date)!;
    const committed = objects.some((o) => o.key === mKey);
    return { date, objects, mKey, read: committed ? await store.get(mKey) : undefined };
  };
  const dates = [...byDate.keys()].sort();
  for await (const { date, objects, mKey, read } of readAhead(dates, store.overlappedReads ?? 1, readManifest)) {
    const bytes = objects.reduce((a, o) => a + o.size, 0);
    if (read === undefined) {
      listings.push({ kind: 'leftover', grain, date, files: objects.length, bytes, keys: objects.map((o) => o.key) });
      continue;
    }
    let manifest: Manifest;
    try {
      manifest = parseManifest(read, mKey);
    } catch (error) {
      if (error instanceof StorageError) throw error; // transient or access trouble: not a property of the partition
      listings.push({
        kind: 'unreadable',
        grain,
        date,
        manifestKey: mKey,
        error: (error as Error).message,
        files: objects.length,
        bytes,
      });
      continue;
    }
    const listed = referencedKeys(manifest);
    const lease = leaseKey(rollupPrefix, grain, date);
    const unlisted = objects.map((o) => o.key).filter((k) => k !== mKey && k !== lease && !listed.has(k));
    listings.push({
      kind: 'committed',
      grain,
      date,
      manifestKey: mKey,
      manifest,
      files: listed.size,
      bytes: listedBytes(manifest),
      unlisted,
    });
  }
  for (const [value, objects] of [...strays].sort(([a], [b]) => (a < b ? -1 : 1)))
    listings.push({
      kind: 'stray',
      grain,
      date: value,
      files: objects.length,
      bytes: objects.reduce((a, o) => a + o.size, 0),
      keys: objects.map((o) => o.key),
    });
  return listings;
}

/** Bytes of every data file a manifest lists. */
export function listedBytes(m: Manifest): number {
  return listedFiles(m).reduce((a, f) => a + f.bytes, 0);
}

function inRange(date: string, range: DateRange): boolean {
  return (range.from === undefined || date >= range.from) && (range.to === undefined || date <= range.to);
}

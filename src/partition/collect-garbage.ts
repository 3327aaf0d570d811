import { listAll, type ObjectStore } from '../storage/object-store.js';
import { manifestKey, rollupPartitionPrefix } from '../storage/partition-path.js';
import { readCommittedManifest } from './commit.js';
import type { Manifest } from './manifest.js';

/** What a garbage collection of one partition did. */
export interface GarbageReport {
  readonly partition: string; // partition prefix
  readonly deleted: readonly string[]; // keys removed
  readonly waiting: readonly string[]; // unreferenced keys younger than the grace period, kept for now
}

/** Every key a committed manifest makes visible (its own key and the lease are kept too). */
export function referencedKeys(manifest: Manifest | undefined): Set<string> {
  if (!manifest) return new Set();
  const keys = manifest.outputs.map((o) => o.key);
  if (manifest.cube) keys.push(manifest.cube.tree.key, ...manifest.cube.records.map((f) => f.key), ...manifest.cube.cuboidFiles.map((f) => f.key));
  return new Set(keys);
}

/**
 * Removes files of a partition that its manifest does not list (leftovers of crashed runs, files of replaced runs)
 * once they are older than `graceMs`, so that readers still holding the previous manifest keep working meanwhile.
 */
export async function collectGarbage(store: ObjectStore, rollupPrefix: string, grain: 'hour' | 'day', date: string, graceMs: number, now: () => Date): Promise<GarbageReport> {
  const prefix = rollupPartitionPrefix(rollupPrefix, grain, date);
  const mKey = manifestKey(rollupPrefix, grain, date);
  const keep = referencedKeys(await readCommittedManifest(store, mKey));
  keep.add(mKey);
  keep.add(`${prefix}_lease.json`);
  const deleted: string[] = [];
  const waiting: string[] = [];
  const cutoff = now().getTime() - graceMs;
  for (const o of await listAll(store, prefix)) {
    if (keep.has(o.key)) continue;
    if ((o.mtimeMs ?? Number.POSITIVE_INFINITY) <= cutoff) {
      await store.delete(o.key);
      deleted.push(o.key);
    } else waiting.push(o.key);
  }
  return { partition: prefix, deleted, waiting };
}

/** The dates that have any rollup files of `grain` (committed or not), from the store's listing. */
export async function listPartitionDates(store: ObjectStore, rollupPrefix: string, grain: 'hour' | 'day'): Promise<string[]> {
  const dates = new Set<string>();
  for (const o of await listAll(store, `${rollupPrefix}/${grain}/dt=`)) {
    const m = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(o.key);
    if (m) dates.add(m[1]!);
  }
  return [...dates].sort();
}

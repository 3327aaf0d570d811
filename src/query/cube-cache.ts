import type { ObjectStore } from '../storage/object-store.js';
import { manifestKey } from '../storage/partition-path.js';
import { loadCube, type LoadedCube } from '../partition/load-cube.js';

/** One cached partition: the cube (or its absence) as loaded when the committed manifest had `version`. */
export interface CachedCube {
  // the manifest's ETag (S3) or size and mtime (local store); 'absent' before the first commit
  readonly version: string;
  readonly cube: Promise<LoadedCube | undefined>;
}

/** Loaded cubes by grain and day, for a process that answers many queries (a server, a benchmark). */
export type CubeCache = Map<string, CachedCube>;

/** How a cache answered so far: from memory, loaded for the first time, or reloaded because the manifest changed. */
export interface CubeCacheCounts {
  hits: number;
  misses: number;
  reloads: number;
}

const countsByCache = new WeakMap<CubeCache, CubeCacheCounts>();

/** The live counts of a cache (the same object on every call; all zero before its first use). */
export function cubeCacheCounts(cache: CubeCache): Readonly<CubeCacheCounts> {
  let counts = countsByCache.get(cache);
  if (!counts) countsByCache.set(cache, (counts = { hits: 0, misses: 0, reloads: 0 }));
  return counts;
}

/**
 * A day's cube from the cache, reloaded when its committed manifest changed since it was loaded (one HEAD per
 * call): a rerun's new numbers, and a day committed after it was first asked for, show on the next query.
 * A failed load is not kept.
 */
export async function cachedCube(
  cache: CubeCache | undefined,
  store: ObjectStore,
  rollupPrefix: string,
  date: string,
  grain: 'hour' | 'day',
): Promise<LoadedCube | undefined> {
  if (!cache) return loadCube(store, rollupPrefix, date, grain);
  const key = `${grain}/${date}`;
  const info = await store.head(manifestKey(rollupPrefix, grain, date));
  const version = info ? (info.etag ?? `${info.size}:${info.mtimeMs ?? ''}`) : 'absent';
  const hit = cache.get(key);
  const counts = cubeCacheCounts(cache) as CubeCacheCounts;
  if (hit && hit.version === version) {
    counts.hits++;
    return hit.cube;
  }
  if (hit) counts.reloads++;
  else counts.misses++;
  const entry: CachedCube = { version, cube: loadCube(store, rollupPrefix, date, grain) };
  cache.set(key, entry);
  entry.cube.catch(() => {
    if (cache.get(key) === entry) cache.delete(key);
  });
  return entry.cube;
}

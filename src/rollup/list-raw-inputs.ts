import { listAll, type ObjectStore } from '../storage/object-store.js';
import { addDays, rawDayPrefix, rawHourPrefix } from '../storage/partition-path.js';
import type { ManifestInput } from '../partition/manifest.js';

const hourFile = /\/hr=([01]\d|2[0-3])\/[^/]+\.parquet$/;

/**
 * The raw Parquet objects of one day (`<raw>/dt=D/hr=HH/*.parquet`) and, marked `late`, those of the next day's first
 * `lateArrivalHours` hours (read for this day's late rows), in key order, as manifest inputs.
 */
export async function listRawInputs(store: ObjectStore, rawPrefix: string, date: string, lateArrivalHours: number): Promise<ManifestInput[]> {
  const own = await listHourFiles(store, rawDayPrefix(rawPrefix, date));
  const late: ManifestInput[] = [];
  for (let h = 0; h < lateArrivalHours; h++) late.push(...(await listHourFiles(store, rawHourPrefix(rawPrefix, addDays(date, 1), h))).map((i) => ({ ...i, late: true as const })));
  return [...own, ...late];
}

/** The hour of the day a raw object's folder names (`hr=HH`). */
export function folderHourOf(key: string): number {
  return Number(/\/hr=(\d{2})\//.exec(key)?.[1] ?? -1);
}

async function listHourFiles(store: ObjectStore, prefix: string): Promise<ManifestInput[]> {
  const dayPrefix = prefix.slice(0, prefix.indexOf('/dt=') + 15);
  const objects = await listAll(store, prefix);
  return objects
    .filter((o) => hourFile.test(o.key.slice(dayPrefix.length - 1)))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((o) => ({ key: o.key, size: o.size, ...(o.etag !== undefined ? { etag: o.etag } : {}), ...(o.mtimeMs !== undefined ? { mtimeMs: o.mtimeMs } : {}) }));
}

import { listAll, type ObjectStore } from '../storage/object-store.js';
import type { ManifestInput } from './manifest.js';

const hourFile = /\/hr=([01]\d|2[0-3])\/[^/]+\.parquet$/;

/** The raw Parquet objects of one day (`<prefix>hr=HH/*.parquet`), in key order, as manifest inputs. */
export async function listRawInputs(store: ObjectStore, dayPrefix: string): Promise<ManifestInput[]> {
  const objects = await listAll(store, dayPrefix);
  return objects
    .filter((o) => hourFile.test(o.key.slice(dayPrefix.length - 1)))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((o) => ({ key: o.key, size: o.size, ...(o.etag !== undefined ? { etag: o.etag } : {}), ...(o.mtimeMs !== undefined ? { mtimeMs: o.mtimeMs } : {}) }));
}

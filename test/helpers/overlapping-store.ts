import type { ObjectStore } from '../../src/storage/object-store.js';
import { seededRandom } from './fault-proxy.js';

/**
 * `local` as a remote store looks to a reader: it overlaps `overlappedReads` reads, and each get finishes after a
 * seeded random delay of 0-3 ms, so concurrent reads finish out of order. `reads.most` counts the gets and ranged gets
 * under way at once, `reads.segmentBytes` the bytes they returned of objects other than manifests.
 */
export function overlappingStore(
  local: ObjectStore,
  seed: number,
  overlappedReads = 4,
): { readonly store: ObjectStore; readonly reads: { inFlight: number; most: number; segmentBytes: number } } {
  const random = seededRandom(seed);
  const reads = { inFlight: 0, most: 0, segmentBytes: 0 };
  const delayed = async (key: string, read: () => Promise<Uint8Array>): Promise<Uint8Array> => {
    reads.most = Math.max(reads.most, ++reads.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 4)));
      const bytes = await read();
      if (!key.endsWith('/_manifest.json')) reads.segmentBytes += bytes.byteLength;
      return bytes;
    } finally {
      reads.inFlight--;
    }
  };
  const store: ObjectStore = {
    description: `${local.description} (reads overlapped)`,
    overlappedReads,
    listPage: (prefix, token, size) => local.listPage(prefix, token, size),
    head: (key) => local.head(key),
    get: (key, o) => delayed(key, () => local.get(key, o)),
    getRange: (key, start, end, o) => delayed(key, () => local.getRange(key, start, end, o)),
    put: (key, body, o) => local.put(key, body, o),
    delete: (key) => local.delete(key),
  };
  return { store, reads };
}

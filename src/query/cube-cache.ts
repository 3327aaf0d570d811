import type { ObjectStore } from '../storage/object-store.js';
import { manifestKey } from '../storage/partition-path.js';
import type { ManifestSegment } from '../partition/manifest.js';
import type { LoadedCube, SegmentReadCost } from '../partition/load-cube.js';
import {
  loadPartition,
  openPartition,
  PartitionChangedError,
  type LoadedPartition,
  type PartitionParts,
} from '../partition/load-partition.js';
import type { SegmentWant } from '../partition/manifest-parts.js';

/** How a cache answered so far: from memory, loaded for the first time, or reloaded because the manifest changed. */
export interface CubeCacheCounts {
  hits: number;
  misses: number;
  reloads: number;
  evictions: number; // segments dropped to stay within the memory budget
}

interface CachedPartition {
  // the manifest's ETag (S3) or size and mtime (local store); 'absent' before the first commit
  readonly version: string;
  readonly partition: Promise<LoadedPartition | undefined>;
}

interface CachedSegment {
  readonly cube: Promise<LoadedCube & { readonly cost: SegmentReadCost }>;
  bytes: number; // estimated once loaded
}

/** Memory a loaded segment takes per star-tree record (keys, measures, sketch references), measured. */
const bytesPerRecord = 160;

/** When a cached partition's manifest is checked for a newer commit. */
export type ManifestChecks =
  | 'every-query' // one HEAD per partition per query: a rerun's new numbers show on the next query (serve)
  | 'once'; // read once and kept: every query of the process answers from that snapshot (one-shot commands)

/** How a query reads the segments it needs. */
export type SegmentReads =
  | 'cached' // whole segments (every record), kept in the LRU: a process answering many queries (serve, a benchmark)
  | 'partial'; // per query, the index, then only the row groups and columns its traversal needs; nothing kept

/**
 * Committed partitions and the segments read from them. A partition is re-read when its committed manifest changes
 * (one HEAD per partition per query), so a rerun's new numbers show on the next query; with `manifestChecks` 'once' it
 * is read once, by one GET, and every later query answers from that snapshot. With `segmentReads` 'cached'
 * (a server, a benchmark) whole segments are immutable (named by content) and kept in LRU order within `memoryBytes`;
 * with 'partial' (one-shot commands) each query reads only what it needs and nothing is kept. A failed load is not
 * kept.
 */
export class CubeCache {
  readonly counts: CubeCacheCounts = { hits: 0, misses: 0, reloads: 0, evictions: 0 };
  private readonly partitions = new Map<string, CachedPartition>();
  private readonly parts = new Map<string, Promise<PartitionParts | undefined>>(); // read in part, once
  private readonly segments = new Map<string, CachedSegment>(); // by the segment's file keys; Map order = LRU order
  private heldBytes = 0;
  private readonly segmentKeys = new WeakMap<ManifestSegment, readonly [string, string]>(); // manifests never change
  // where the versions of the manifests one request has read are kept (a request of several queries: serve's facts)
  private versionScope: { getStore(): Map<string, string> | undefined } | undefined;

  constructor(
    readonly memoryBytes: number = 512 * 1024 * 1024,
    readonly segmentReads: SegmentReads = 'cached',
    readonly manifestChecks: ManifestChecks = 'every-query',
    // with partial reads: a query a declared cuboid answers reads whole days from the day tier's hour cuboids (one
    // file per day unit) instead of every hour's star-tree; false reads the star-trees (tests compare the two)
    readonly hourCuboids = true,
    // with partial reads and manifests read once: the bytes of a manifest's first read (default: manifest-parts.ts's);
    // a larger manifest is read in part (tests make it small, to read small manifests in part)
    readonly manifestStartBytes?: number,
  ) {}

  /**
   * Segments a query holds at once from `store` (`readAhead`): as many as the store overlaps when reads are partial (an
   * index and a few pages each); whole segments, held beside the budget's, at most 2. One on a local disk, where
   * reading ahead only kept more alive for the garbage collector (a cold query of the hc day: 0.59 -> 0.69 s CPU).
   */
  segmentsInFlight(store: ObjectStore): number {
    const overlapped = store.overlappedReads ?? 1;
    return this.segmentReads === 'partial' ? overlapped : Math.min(2, overlapped);
  }

  /**
   * Makes every query run within one scope's store read each partition as one version: a partition whose manifest
   * changed since an earlier query of the scope read it fails with PartitionChangedError (manifests checked on every
   * query; the store is a request's, e.g. an AsyncLocalStorage's).
   */
  pinVersionsWith(scope: { getStore(): Map<string, string> | undefined }): void {
    this.versionScope = scope;
  }

  /**
   * A day's committed partition (manifest and segments), re-read when its manifest changed. With partial reads and
   * manifests read once, the manifest is read in part: its start once, then the segment entries `want` needs (every
   * segment without `want`), all of the version first read.
   */
  async partition(
    store: ObjectStore,
    rollupPrefix: string,
    date: string,
    grain: 'hour' | 'day',
    want?: SegmentWant,
  ): Promise<LoadedPartition | undefined> {
    const key = `${grain}/${date}`;
    if (this.segmentReads === 'partial' && this.manifestChecks === 'once') {
      let parts = this.parts.get(key);
      if (parts) this.counts.hits++;
      else {
        this.counts.misses++;
        parts = openPartition(store, rollupPrefix, date, grain, this.manifestStartBytes);
        this.parts.set(key, parts);
        parts.catch(() => this.parts.delete(key));
      }
      const opened = await parts;
      return opened?.take(want ?? { hours: undefined, shards: () => undefined });
    }
    const hit = this.partitions.get(key);
    if (hit && this.manifestChecks === 'once') {
      this.counts.hits++;
      return hit.partition;
    }
    const info = this.manifestChecks === 'once' ? undefined : await store.head(manifestKey(rollupPrefix, grain, date));
    const version = info ? (info.etag ?? `${info.size}:${info.mtimeMs ?? ''}`) : 'absent';
    const pinned = this.versionScope?.getStore();
    if (pinned) {
      const earlier = pinned.get(key);
      if (earlier !== undefined && earlier !== version) throw new PartitionChangedError(grain, date);
      pinned.set(key, version);
    }
    // what another query of the same day loaded while this one waited for the HEAD: parallel cold queries GET it once
    const current = this.partitions.get(key);
    if (current && current.version === version) {
      this.counts.hits++;
      return current.partition;
    }
    if (current) this.counts.reloads++;
    else this.counts.misses++;
    const entry: CachedPartition = { version, partition: loadPartition(store, rollupPrefix, date, grain) };
    this.partitions.set(key, entry);
    entry.partition.catch(() => {
      if (this.partitions.get(key) === entry) this.partitions.delete(key);
    });
    return entry.partition;
  }

  /**
   * One segment's whole cube, from memory (`cached`: true) or read (and kept, evicting the least recently used beyond
   * the budget); without `sketches`, its sketch column is not read (cached apart from a copy with sketches).
   */
  async segment(
    store: ObjectStore,
    partition: LoadedPartition,
    segment: ManifestSegment,
    sketches: boolean,
  ): Promise<{ readonly cube: LoadedCube & { readonly cost: SegmentReadCost }; readonly cached: boolean }> {
    const key = this.keyOf(partition, segment)[sketches ? 1 : 0];
    const hit = this.segments.get(key);
    if (hit) {
      this.segments.delete(key); // move to the most recently used end
      this.segments.set(key, hit);
      return { cube: await hit.cube, cached: true };
    }
    // the segment reader (index and Parquet decoders) loads with the first segment read: a query that reads none,
    // answered from its manifests' metric totals, never loads it
    const cube = import('../partition/load-cube.js').then((m) =>
      m.loadSegmentCube(store, partition, segment, sketches),
    );
    const entry: CachedSegment = { cube, bytes: 0 };
    this.segments.set(key, entry);
    try {
      const cube = await entry.cube;
      entry.bytes = (segment.cube?.tree.bytes ?? 0) + cube.tree.records.length * bytesPerRecord;
      this.heldBytes += entry.bytes;
      this.evict(key);
      return { cube, cached: false };
    } catch (e) {
      if (this.segments.get(key) === entry) this.segments.delete(key);
      throw e;
    }
  }

  /**
   * A segment's cache keys without and with sketches: its index and record files, each named by content (the index
   * alone can stay the same when values change). Made once per segment: a long key built per query costs its hashing.
   */
  private keyOf(partition: LoadedPartition, segment: ManifestSegment): readonly [string, string] {
    let keys = this.segmentKeys.get(segment);
    if (keys === undefined) {
      const files = segment.cube ? [segment.cube.tree, ...segment.cube.records].map((f) => f.key) : [];
      const where = files.length > 0 ? files.join('\n') : `${partition.manifestKey}#${segment.hour}/${segment.shard}`;
      keys = [`${where}#false`, `${where}#true`];
      this.segmentKeys.set(segment, keys);
    }
    return keys;
  }

  private evict(keep: string): void {
    for (const [key, entry] of this.segments) {
      if (this.heldBytes <= this.memoryBytes) return;
      if (key === keep || entry.bytes === 0) continue;
      this.segments.delete(key);
      this.heldBytes -= entry.bytes;
      this.counts.evictions++;
    }
  }
}

import { createHash } from 'node:crypto';
import type { JobConfig } from '../config/job-config.js';
import type { EncodedFile } from '../parquet/write-partition.js';
import type { ObjectStore } from '../storage/object-store.js';
import { StorageError } from '../storage/storage-error.js';
import { manifestKey, rollupPartitionPrefix } from '../storage/partition-path.js';
import { toolVersion } from '../version.js';
import { manifestFormatVersion, parseManifest, serializeManifest, type Manifest, type ManifestInput } from './manifest.js';

/** Everything a commit records besides the files themselves. */
export interface CommitRequest {
  readonly config: JobConfig;
  readonly configHash: string;
  readonly grain: 'hour' | 'day';
  readonly date: string;
  readonly runId: string;
  readonly createdAt: string; // ISO-8601
  readonly inputs: readonly ManifestInput[];
  readonly files: readonly EncodedFile[];
  readonly rows: Manifest['rows'];
  readonly unknownMetrics: Manifest['unknownMetrics'];
  readonly missingDimensions: Manifest['missingDimensions'];
}

/**
 * Writes the data files, checks each one landed whole, then writes the manifest: the manifest is the commit.
 * Files are named by content (part-NNNNN-<sha256 prefix>.parquet): the same content gets the same name, and a
 * rebuild with other content never overwrites a file that the previous manifest lists.
 */
export async function commitPartition(store: ObjectStore, req: CommitRequest): Promise<Manifest> {
  const prefix = rollupPartitionPrefix(req.config.output.prefix, req.grain, req.date);
  const outputs = req.files.map((f, i) => {
    const sha256 = createHash('sha256').update(f.bytes).digest('hex');
    return { key: `${prefix}part-${String(i).padStart(5, '0')}-${sha256.slice(0, 12)}.parquet`, rows: f.rows, bytes: f.bytes.length, sha256 };
  });
  await Promise.all(outputs.map((o, i) => store.put(o.key, req.files[i]!.bytes, { contentType: 'application/vnd.apache.parquet' })));
  await Promise.all(
    outputs.map(async (o) => {
      const info = await store.head(o.key);
      if (!info || info.size !== o.bytes) {
        throw new StorageError(`commit data file ${o.key} in ${store.description} has ${info?.size ?? 'no'} bytes after upload, expected ${o.bytes}`, true);
      }
    }),
  );
  const manifest: Manifest = {
    formatVersion: manifestFormatVersion,
    tool: { ...toolVersion },
    grain: req.grain,
    date: req.date,
    runId: req.runId,
    createdAt: req.createdAt,
    configHash: req.configHash,
    dimensions: [...req.config.raw.dimensions],
    sortOrder: ['hour', 'metric', ...req.config.raw.dimensions],
    inputs: [...req.inputs],
    outputs,
    rows: req.rows,
    unknownMetrics: req.unknownMetrics,
    missingDimensions: req.missingDimensions,
  };
  await store.put(manifestKey(req.config.output.prefix, req.grain, req.date), serializeManifest(manifest), { contentType: 'application/json' });
  return manifest;
}

/** The committed manifest at `key`, or undefined when the partition has never been committed. */
export async function readCommittedManifest(store: ObjectStore, key: string): Promise<Manifest | undefined> {
  if (!(await store.head(key))) return undefined;
  return parseManifest(await store.get(key), key);
}

import { createHash } from 'node:crypto';
import type { JobConfig } from '../config/job-config.js';
import type { EncodedFile } from '../parquet/write-partition.js';
import type { ObjectStore } from '../storage/object-store.js';
import { StorageError } from '../storage/storage-error.js';
import { manifestKey, rollupPartitionPrefix } from '../storage/partition-path.js';
import { toolVersion } from '../version.js';
import type { EncodedCube } from './encoded-cube.js';
import { manifestOf, readManifestState } from './committed-manifest.js';
import {
  manifestFormatVersion,
  serializeManifest,
  type Manifest,
  type ManifestCube,
  type ManifestIgnored,
  type ManifestInput,
  type ManifestOutput,
} from './manifest.js';

/** Everything a commit records besides the files themselves. */
export interface CommitRequest {
  readonly config: JobConfig;
  readonly configHash: string;
  readonly grain: 'hour' | 'day';
  readonly date: string;
  readonly runId: string;
  readonly createdAt: string; // ISO-8601
  readonly inputs: readonly ManifestInput[];
  readonly ignored?: readonly ManifestIgnored[]; // raw objects not read, with their reasons (hour tier)
  readonly files: readonly EncodedFile[];
  readonly rows: Manifest['rows'];
  readonly unknownMetrics: Manifest['unknownMetrics'];
  readonly missingDimensions: Manifest['missingDimensions'];
  readonly cube?: EncodedCube;
  readonly dimensions?: readonly string[]; // dimension columns of the files; default: the job's dimensions
}

/**
 * Writes the data files, checks each one landed whole, then writes the manifest: the manifest is the commit.
 * Files are named by content (part-NNNNN-<sha256 prefix>.parquet): the same content gets the same name, and a
 * rebuild with other content never overwrites a file that the previous manifest lists.
 */
export async function commitPartition(store: ObjectStore, req: CommitRequest): Promise<Manifest> {
  const prefix = rollupPartitionPrefix(req.config.output.prefix, req.grain, req.date);
  const uploads: Upload[] = [];
  const outputs = describeFiles(prefix, 'part', '.parquet', req.files, uploads);
  const cube = req.cube ? describeCube(prefix, req.cube, uploads) : undefined;
  await Promise.all(uploads.map((u) => store.put(u.key, u.bytes, { contentType: u.contentType })));
  await Promise.all(
    uploads.map(async (u) => {
      const info = await store.head(u.key);
      if (!info || info.size !== u.bytes.length) {
        throw new StorageError(
          `commit data file ${u.key} in ${store.description} has ${info?.size ?? 'no'} bytes after upload, expected ${u.bytes.length}`,
          true,
        );
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
    dimensions: [...(req.dimensions ?? req.config.raw.dimensions)],
    sortOrder: ['hour', 'metric', ...(req.dimensions ?? req.config.raw.dimensions)],
    inputs: [...req.inputs],
    ...(req.ignored ? { ignored: [...req.ignored] } : {}),
    outputs,
    rows: req.rows,
    unknownMetrics: req.unknownMetrics,
    missingDimensions: req.missingDimensions,
    ...(cube ? { cube } : {}),
  };
  await store.put(manifestKey(req.config.output.prefix, req.grain, req.date), serializeManifest(manifest), {
    contentType: 'application/json',
  });
  return manifest;
}

/**
 * The committed manifest at `key`, or undefined when never committed; ManifestUnreadableError (naming the key) when its
 * bytes are not a manifest.
 */
export async function readCommittedManifest(store: ObjectStore, key: string): Promise<Manifest | undefined> {
  const state = await readManifestState(store, key);
  return manifestOf(state, /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1] ?? 'D');
}

interface Upload {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

/**
 * Names files by content (`<stem>-NNNNN-<sha256 prefix><ext>`), queues their upload, and describes them for the
 * manifest.
 */
function describeFiles(
  prefix: string,
  stem: string,
  ext: string,
  files: readonly { bytes: Uint8Array; rows: number }[],
  uploads: Upload[],
): ManifestOutput[] {
  return files.map((f, i) => {
    const sha256 = createHash('sha256').update(f.bytes).digest('hex');
    const key = `${prefix}${stem}-${String(i).padStart(5, '0')}-${sha256.slice(0, 12)}${ext}`;
    uploads.push({
      key,
      bytes: f.bytes,
      contentType: ext === '.bin' ? 'application/octet-stream' : 'application/vnd.apache.parquet',
    });
    return { key, rows: f.rows, bytes: f.bytes.length, sha256 };
  });
}

function describeCube(prefix: string, cube: EncodedCube, uploads: Upload[]): ManifestCube {
  const [tree] = describeFiles(
    prefix,
    'star-tree',
    '.bin',
    [{ bytes: cube.sidecar, rows: cube.tree.nodes.length }],
    uploads,
  );
  return {
    spec: structuredClone(cube.spec) as ManifestCube['spec'],
    tree: {
      key: tree!.key,
      bytes: tree!.bytes,
      sha256: tree!.sha256,
      nodes: cube.tree.nodes.length,
      records: cube.tree.records.length,
      baseRecords: cube.tree.baseRecords,
    },
    records: describeFiles(prefix, 'star-tree-records', '.parquet', cube.recordFiles, uploads),
    cuboids: cube.cuboids.map((c) => ({ ...c, dimensions: [...c.dimensions] })),
    cuboidFiles: describeFiles(prefix, 'cuboids', '.parquet', cube.cuboidFiles, uploads),
    recordsByGroupingId: { ...cube.recordsByGroupingId },
  };
}

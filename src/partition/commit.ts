import { createHash } from 'node:crypto';
import type { JobConfig } from '../config/job-config.js';
import type { EncodedFile } from '../parquet/write-partition.js';
import type { ObjectStore } from '../storage/object-store.js';
import { StorageError } from '../storage/storage-error.js';
import { manifestKey } from '../storage/partition-path.js';
import { toolVersion } from '../version.js';
import type { EncodedCube, EncodedCubeFiles, EncodedHourCuboid } from './encoded-cube.js';
import { dateOf, manifestOf, readManifestState } from './committed-manifest.js';
import { serializeManifest } from './manifest-layout.js';
import { partHashName } from '../ingest/series-part.js';
import { shardHashName } from '../ingest/series-shard.js';
import { recordOf } from '../config/data-record.js';
import { metricCatalog } from '../config/metric-catalog.js';
import {
  manifestFormatVersion,
  type Manifest,
  type ManifestCube,
  type ManifestIgnored,
  type ManifestInput,
  type ManifestOutput,
  type ManifestSegment,
  manifestTotalsOf,
} from './manifest.js';
import { hourTotalsOf } from './hour-totals.js';

/** Everything a commit records besides the files, which are uploaded segment by segment before it. */
export interface CommitRequest {
  readonly config: JobConfig;
  readonly configHash: string;
  readonly grain: 'hour' | 'day';
  readonly date: string;
  readonly runId: string;
  readonly createdAt: string; // ISO-8601
  readonly inputs: readonly ManifestInput[];
  readonly ignored?: readonly ManifestIgnored[]; // raw objects not read, with their reasons (hour tier)
  readonly segments: readonly ManifestSegment[]; // uploaded, by hour then shard
  readonly layout: { readonly partitionDimension: string; readonly shards: number };
  readonly rows: Manifest['rows'];
  readonly unknownMetrics: Manifest['unknownMetrics'];
  readonly missingDimensions: Manifest['missingDimensions'];
  readonly cube?: {
    readonly spec: EncodedCube['spec'];
    readonly cuboids: EncodedCube['cuboids'];
  }; // rows: all segments
  readonly dimensions?: readonly string[]; // dimension columns of the files; default: the job's dimensions
  readonly hourFolders?: readonly number[]; // hour folders listed so far, on a partial day (`run --hour`)
}

/**
 * Writes the manifest of segments already uploaded (each checked whole by `uploadSegment`): the manifest is the
 * commit, so readers see every segment of the partition or none.
 */
export async function commitPartition(store: ObjectStore, req: CommitRequest): Promise<Manifest> {
  const dimensions = [...(req.dimensions ?? req.config.raw.dimensions)];
  const cubes = req.segments.flatMap((s) => (s.cube ? [s.cube] : []));
  const recordsByGroupingId: Record<string, number> = {};
  for (const c of cubes)
    for (const [id, n] of Object.entries(c.recordsByGroupingId))
      recordsByGroupingId[id] = (recordsByGroupingId[id] ?? 0) + n;
  const manifest: Manifest = {
    formatVersion: manifestFormatVersion,
    tool: { ...toolVersion },
    grain: req.grain,
    date: req.date,
    runId: req.runId,
    createdAt: req.createdAt,
    configHash: req.configHash,
    dimensions,
    sortOrder: ['hour', 'metric', ...dimensions],
    inputs: [...req.inputs],
    ...(req.ignored ? { ignored: [...req.ignored] } : {}),
    outputs: req.segments.flatMap((s) => s.outputs),
    rows: req.rows,
    unknownMetrics: req.unknownMetrics,
    ...distinctOfMetrics(req.config),
    missingDimensions: req.missingDimensions,
    ...(req.cube
      ? {
          cube: {
            spec: structuredClone(req.cube.spec) as ManifestCube['spec'],
            records: cubes.flatMap((c) => c.records),
            cuboids: req.cube.cuboids.map((c) => ({ ...c, dimensions: [...c.dimensions] })),
            cuboidFiles: cubes.flatMap((c) => c.cuboidFiles),
            recordsByGroupingId,
          },
        }
      : {}),
    segments: {
      ...req.layout,
      hash: shardHashName,
      list: [...req.segments],
      ...(req.segments.some((s) => s.parts !== undefined) ? { partHash: partHashName } : {}),
    },
    ...(req.hourFolders ? { hourFolders: [...req.hourFolders] } : {}),
    ...(req.cube ? { hourTotals: hourTotalsOf(req.segments) } : {}),
  };
  await store.put(manifestKey(req.config.output.prefix, req.grain, req.date), serializeManifest(manifest), {
    contentType: 'application/json',
  });
  return manifest;
}

/** The files of one built segment, before upload. */
export interface SegmentFiles {
  readonly hour: number | null;
  readonly shard: number;
  readonly part?: number; // of a split segment: 0 .. parts - 1 (absent: not split)
  readonly parts?: number;
  readonly rows: number;
  readonly accepted: number;
  readonly stats: ManifestSegment['stats'];
  readonly dayKeys?: string; // hour tier: sketch of the records' day-tier keys
  readonly files: readonly EncodedFile[];
  readonly cube?: EncodedCubeFiles;
  readonly hourCuboids?: readonly EncodedHourCuboid[]; // day tier: each declared cuboid at hour grain, a file each
}

/**
 * Uploads one segment's files under the partition prefix, named by content (`<stem>-<segment>-NNNNN-<sha256
 * prefix><ext>`, segment `h05-s0003` or, in the day tier, `d-s0003`, and `-p0002` after it for part 2 of a split
 * segment), checks each landed whole, and describes the segment for the manifest. Nothing is visible to readers until the manifest lists it.
 */
export async function uploadSegment(
  store: ObjectStore,
  partitionPrefix: string,
  s: SegmentFiles,
): Promise<ManifestSegment> {
  const part = s.parts !== undefined ? `-p${String(s.part ?? 0).padStart(4, '0')}` : '';
  const tag = `${s.hour === null ? 'd' : `h${String(s.hour).padStart(2, '0')}`}-s${String(s.shard).padStart(4, '0')}${part}`;
  const uploads: Upload[] = [];
  const outputs = describeFiles(`${partitionPrefix}part-${tag}`, '.parquet', s.files, uploads);
  const cube = s.cube ? describeCube(partitionPrefix, tag, s.cube, uploads) : undefined;
  const hourCuboids = s.hourCuboids
    ? describeFiles(
        `${partitionPrefix}hour-cuboids-${tag}`,
        '.parquet',
        s.hourCuboids.map((c) => c.file),
        uploads,
      ).map((file, i) => ({ cuboid: s.hourCuboids![i]!.cuboid, ...file, runs: s.hourCuboids![i]!.runs }))
    : undefined;
  await Promise.all(uploads.map((u) => store.put(u.key, u.bytes, { contentType: u.contentType })));
  await Promise.all(
    uploads.map(async (u) => {
      const info = await store.head(u.key);
      if (!info || info.size !== u.bytes.length) {
        throw new StorageError(
          `commit data file ${u.key} in ${store.description} has ${info?.size ?? 'no'} bytes after upload, ` +
            `expected ${u.bytes.length}`,
          true,
        );
      }
    }),
  );
  return {
    hour: s.hour,
    shard: s.shard,
    ...(s.parts !== undefined ? { part: s.part ?? 0, parts: s.parts } : {}),
    rows: s.rows,
    accepted: s.accepted,
    stats: s.stats,
    ...(s.dayKeys !== undefined ? { dayKeys: s.dayKeys } : {}),
    outputs,
    ...(cube ? { cube } : {}),
    ...(hourCuboids ? { hourCuboids } : {}),
  };
}

/**
 * The committed manifest at `key`, or undefined when never committed; ManifestUnreadableError (naming the key) when its
 * bytes are not a manifest.
 */
export async function readCommittedManifest(store: ObjectStore, key: string): Promise<Manifest | undefined> {
  const state = await readManifestState(store, key);
  return manifestOf(state, dateOf(key));
}

interface Upload {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

/** Names files by content (`<stem>-NNNNN-<sha256 prefix><ext>`), queues their upload, and describes them. */
function describeFiles(
  stem: string,
  ext: string,
  files: readonly { bytes: Uint8Array; rows: number }[],
  uploads: Upload[],
): ManifestOutput[] {
  return files.map((f, i) => {
    const sha256 = createHash('sha256').update(f.bytes).digest('hex');
    const key = `${stem}-${String(i).padStart(5, '0')}-${sha256.slice(0, 12)}${ext}`;
    uploads.push({
      key,
      bytes: f.bytes,
      contentType: ext === '.bin' ? 'application/octet-stream' : 'application/vnd.apache.parquet',
    });
    return { key, rows: f.rows, bytes: f.bytes.length, sha256 };
  });
}

function describeCube(prefix: string, tag: string, cube: EncodedCubeFiles, uploads: Upload[]): ManifestSegment['cube'] {
  const [tree] = describeFiles(
    `${prefix}star-tree-${tag}`,
    '.bin',
    [{ bytes: cube.sidecar, rows: cube.shape.nodes }],
    uploads,
  );
  return {
    tree: {
      key: tree!.key,
      bytes: tree!.bytes,
      sha256: tree!.sha256,
      ...cube.shape,
    },
    records: describeFiles(`${prefix}star-tree-records-${tag}`, '.parquet', cube.recordFiles, uploads),
    cuboidFiles: describeFiles(`${prefix}cuboids-${tag}`, '.parquet', cube.cuboidFiles, uploads),
    recordsByGroupingId: { ...cube.recordsByGroupingId },
    cuboidRows: recordOf(cube.cuboids.map((c) => [c.name, c.rows])),
    metricTotals: recordOf([...cube.metricTotals].map(([metric, t]) => [metric, manifestTotalsOf(t)])),
  };
}

/** The dimensions each distinct metric of the job counts, as the manifest records them (none: no field). */
function distinctOfMetrics(config: JobConfig): Pick<Manifest, 'distinctOf'> {
  const counted = new Map<string, string[]>();
  for (const [name, metric] of metricCatalog(config))
    if (metric.kind === 'distinct') counted.set(name, [...metric.distinctOf!]);
  return counted.size > 0 ? { distinctOf: recordOf(counted) } : {};
}

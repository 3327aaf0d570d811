import { z } from 'zod';
import { dataRecord } from '../config/data-record.js';
import { rejectReasons } from '../ingest/reject-reason.js';

/** Version of the manifest layout below; readers refuse versions they do not know. */
export const manifestFormatVersion = 1;

const inputSchema = z.strictObject({
  key: z.string(), // raw object key
  size: z.number().int().nonnegative(), // bytes
  etag: z.string().optional(), // S3 ETag
  mtimeMs: z.number().optional(), // local store modification time, epoch ms
  late: z.literal(true).optional(), // an object of the next day, read only for this day's late rows
  // hours of the day its aggregated rows fall in, ascending (absent in manifests before incremental runs: the next
  // run rebuilds the whole day)
  hours: z.array(z.number().int().min(0).max(23)).optional(),
  rows: z
    .strictObject({
      read: z.number().int().nonnegative(), // every row of the object
      late: z.number().int().nonnegative(), // rows of this day in a late object (aggregated or rejected)
      routed: z.number().int().nonnegative(), // own rows of the previous day, counted there
      rejected: z.partialRecord(z.enum(rejectReasons), z.number().int().positive()), // rows not aggregated (non-zero)
      unknownMetrics: dataRecord(z.string(), z.number().int().positive()).optional(), // rows per uncatalogued metric
    })
    .optional(), // what the object added to the partition's `rows`, so a run can carry it without reading it
});

const ignoredSchema = z.strictObject({
  key: z.string(), // raw object key
  reason: z.string(), // why it was not read, e.g. 'not a .parquet file'
});

const outputSchema = z.strictObject({
  key: z.string(), // data file key, relative to the store root
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const treeSchema = z.strictObject({
  key: z.string(), // star-tree index: `.bin` (format 2), or `.json` (format 1) in partitions committed before it
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  nodes: z.number().int().nonnegative(),
  records: z.number().int().nonnegative(), // rows of the record files
  baseRecords: z.number().int().nonnegative(), // records [0, baseRecords) are the base records (grouping_id 0)
});

/**
 * Min and max of a key column's values in a segment (null when the segment holds only nulls), and whether null occurs.
 */
const valueRangeSchema = z.strictObject({
  min: z.string().nullable(),
  max: z.string().nullable(),
  nulls: z.boolean(),
});

const segmentSchema = z.strictObject({
  hour: z.number().int().min(0).max(23).nullable(), // hour of the day; null in the day tier
  shard: z.number().int().nonnegative(),
  // a hot shard split by the secondary hash of the rest of the series key (absent: not split; older manifests)
  part: z.number().int().nonnegative().optional(), // 0 .. parts - 1
  parts: z.number().int().min(2).optional(), // the parts of this (hour, shard); each part is a segment of its own
  rows: z.number().int().nonnegative(), // base records
  accepted: z.number().int().nonnegative(), // samples aggregated (sum of count)
  stats: dataRecord(z.string(), valueRangeSchema), // per key column ('metric' and each dimension)
  outputs: z.array(outputSchema), // base data files of this segment, in sort order
  cube: z
    .strictObject({
      tree: treeSchema,
      records: z.array(outputSchema),
      cuboidFiles: z.array(outputSchema),
      recordsByGroupingId: z.record(z.string(), z.number().int().nonnegative()),
      cuboidRows: dataRecord(z.string(), z.number().int().nonnegative()).optional(), // declared cuboid name -> rows
    })
    .optional(),
});

const segmentsSchema = z.strictObject({
  partitionDimension: z.string(), // the dimension whose value hashes a series into its shard
  shards: z.number().int().min(1), // shards of every hour
  hash: z.literal('fnv1a32-fmix32'), // shard = hash(UTF-8 value) mod shards; see docs/data-contract.md
  list: z.array(segmentSchema), // by hour, then shard, then part; empty (hour, shard) pairs have no segment
  partHash: z.literal('fnv1a32-fmix32-rest-of-key').optional(), // how split segments cut their series; see part
});

const cubeSchema = z.strictObject({
  spec: z.strictObject({
    dimensionsSplitOrder: z.array(z.string()),
    skipStarNodeCreationFor: z.array(z.string()),
    maxLeafRecords: z.number(),
    hierarchy: dataRecord(z.string(), z.string()),
    cuboids: z.array(z.strictObject({ name: z.string(), dimensions: z.array(z.string()) })),
  }),
  tree: treeSchema.optional(), // the whole day's tree: partitions committed before segments (each segment has its own)
  records: z.array(outputSchema), // star-tree records in tree order, with grouping_id (every segment's, in order)
  cuboids: z.array(
    z.strictObject({
      name: z.string(),
      dimensions: z.array(z.string()),
      groupingId: z.number().int(),
      rows: z.number().int(),
    }),
  ),
  cuboidFiles: z.array(outputSchema), // every cuboid, sorted by grouping_id then key
  recordsByGroupingId: z.record(z.string(), z.number().int().nonnegative()), // over the star-tree records
});

/** The commit record of one rollup partition: written last, it alone makes the partition visible. */
export const manifestSchema = z.strictObject({
  formatVersion: z.literal(manifestFormatVersion),
  tool: z.strictObject({ name: z.string(), version: z.string() }),
  grain: z.enum(['hour', 'day']),
  date: z.string(), // partition day, YYYY-MM-DD (UTC)
  runId: z.string(), // unique per run; not part of the data
  createdAt: z.string(), // ISO-8601 commit time; not part of the data
  configHash: z.string(), // sha256 of the canonical job config
  dimensions: z.array(z.string()), // dimension columns, in file order
  sortOrder: z.array(z.string()), // columns the rows are sorted by
  inputs: z.array(inputSchema), // every raw object read, in key order
  // raw objects under the day's prefixes not read, with the reason, in key order (absent in manifests of older
  // versions)
  ignored: z.array(ignoredSchema).optional(),
  outputs: z.array(outputSchema), // every data file of the partition, in sort order
  rows: z.strictObject({
    in: z.number().int().nonnegative(), // rows of this day's own raw objects
    // rows timestamped in this day found in the next day's late objects
    late: z.number().int().nonnegative().default(0),
    // own rows timestamped in the previous day: that day's late data, counted there
    routed: z.number().int().nonnegative().default(0),
    // rows aggregated (= sum of count over the outputs) = in + late - rejected - routed
    accepted: z.number().int().nonnegative(),
    out: z.number().int().nonnegative(), // rollup records written
    rejected: z.record(z.enum(rejectReasons), z.number().int().nonnegative()), // raw rows not aggregated, by reason
  }),
  // metric -> rows, for metrics missing from the catalog
  unknownMetrics: dataRecord(z.string(), z.number().int().nonnegative()),
  // inputs read with absent dimension columns as null
  missingDimensions: z.array(z.strictObject({ key: z.string(), columns: z.array(z.string()) })),
  cube: cubeSchema.optional(), // the star-tree cube and cuboids, when the job defines a cube
  segments: segmentsSchema.optional(), // absent in partitions committed before segments: one segment, the whole day
  // hour folders (hr=HH) listed so far, ascending, while `run --hour` has built only part of the day; absent: every
  // hour folder of the day was listed
  hourFolders: z.array(z.number().int().min(0).max(23)).optional(),
});

/** A parsed, validated manifest. */
export type Manifest = z.infer<typeof manifestSchema>;
/** One raw input as recorded in a manifest. */
export type ManifestInput = z.infer<typeof inputSchema>;
/** A raw object found under the day's prefixes but not read, as recorded in a manifest. */
export type ManifestIgnored = z.infer<typeof ignoredSchema>;
/** The cube section of a manifest. */
export type ManifestCube = z.infer<typeof cubeSchema>;
/** The segments section of a manifest. */
export type ManifestSegments = z.infer<typeof segmentsSchema>;
/** One segment (hour x shard) as recorded in a manifest. */
export type ManifestSegment = z.infer<typeof segmentSchema>;
/** A star-tree index as recorded in a manifest. */
export type ManifestTree = z.infer<typeof treeSchema>;
/** One data file as recorded in a manifest. */
export type ManifestOutput = z.infer<typeof outputSchema>;

/** Parses manifest bytes, naming `key` when they are not a manifest this version understands. */
export function parseManifest(bytes: Uint8Array, key: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new Error(`manifest ${key} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`manifest ${key} is invalid: ${problems.slice(0, 5).join('; ')}`);
  }
  return result.data;
}

/** Serializes a manifest as stable, human-readable JSON. */
export function serializeManifest(manifest: Manifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n');
}

/** One object a manifest lists, with the size and sha256 it was committed with. */
export interface ListedFile {
  readonly key: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** Every object a committed manifest makes visible: data files, the star-tree index, its records and the cuboids. */
export function listedFiles(manifest: Manifest): ListedFile[] {
  const files: ListedFile[] = [...manifest.outputs];
  if (manifest.cube) {
    if (manifest.cube.tree) files.push(manifest.cube.tree);
    for (const s of manifest.segments?.list ?? []) if (s.cube) files.push(s.cube.tree);
    files.push(...manifest.cube.records, ...manifest.cube.cuboidFiles);
  }
  return files.map((f) => ({ key: f.key, bytes: f.bytes, sha256: f.sha256 }));
}

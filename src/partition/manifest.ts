import * as v from 'valibot';
import { dataRecord, recordOf } from '../config/data-record.js';
import { describeIssues } from '../config/describe-issues.js';
import { jsonObject } from '../config/json-object.js';
import { laterRejectReasons, type RejectReason, rejectReasons } from '../ingest/reject-reason.js';
import { compareCodePoints } from '../ingest/value-order.js';
import { type FileSignatures, fileSignaturesOf } from './day-tier-source.js';
import { layoutProblem, layoutSchema } from './manifest-layout.js';
import type { MeasureTotals } from '../measures/measure-totals.js';

/** Version of the manifest layout below; readers refuse versions they do not know. */
export const manifestFormatVersion = 1;

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const positiveCount = v.pipe(v.number(), v.integer(), v.minValue(1));
const hourOfDay = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(23));
const sha256Hex = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));

/** Rows per reject reason, every reason present (zero included; a reason added later is 0 in an older manifest). */
export const rowsPerRejectReason = v.pipe(
  v.record(v.picklist(rejectReasons), count),
  v.check(
    (r) => rejectReasons.every((reason) => laterRejectReasons.has(reason) || Object.hasOwn(r, reason)),
    `must count every reject reason (${rejectReasons.filter((r) => !laterRejectReasons.has(r)).join(', ')})`,
  ),
  // the check above: only later reasons can be missing
  v.transform(
    (r) => Object.fromEntries(rejectReasons.map((reason) => [reason, r[reason] ?? 0])) as Record<RejectReason, number>,
  ),
);

const inputSchema = jsonObject({
  key: v.string(), // raw object key
  size: count, // bytes
  etag: v.optional(v.string()), // S3 ETag
  mtimeMs: v.optional(v.number()), // local store modification time, epoch ms
  late: v.optional(v.literal(true)), // an object of the next day, read only for this day's late rows
  // hours of the day its aggregated rows fall in, ascending (absent in manifests before incremental runs: the next
  // run rebuilds the whole day)
  hours: v.optional(v.array(hourOfDay)),
  // what the object added to the partition's `rows`, so a run can carry it without reading it
  rows: v.optional(
    jsonObject({
      read: count, // every row of the object
      late: count, // rows of this day in a late object (aggregated or rejected)
      routed: count, // own rows of the previous day, counted there
      rejected: v.record(v.picklist(rejectReasons), v.optional(positiveCount)), // rows not aggregated (non-zero)
      unknownMetrics: v.optional(dataRecord(v.string(), positiveCount)), // rows per uncatalogued metric
    }),
  ),
});

const ignoredSchema = jsonObject({
  key: v.string(), // raw object key
  reason: v.string(), // why it was not read, e.g. 'not a .parquet file'
});

const outputEntries = {
  key: v.string(), // data file key, relative to the store root
  rows: count,
  bytes: count,
  sha256: sha256Hex,
};
const outputSchema = jsonObject(outputEntries);

const treeSchema = jsonObject({
  key: v.string(), // star-tree index: `.bin` (format 2), or `.json` (format 1) in partitions committed before it
  bytes: count,
  sha256: sha256Hex,
  nodes: count,
  records: count, // rows of the record files
  baseRecords: count, // records [0, baseRecords) are the base records (grouping_id 0)
});

/**
 * Min and max of a key column's values in a segment (null when the segment holds only nulls), and whether null occurs.
 */
export interface ManifestValueRange {
  readonly min: string | null;
  readonly max: string | null;
  readonly nulls: boolean;
}

/** What is wrong with `x` as a key column's value range (`.field ...`), or undefined: min and max strings or null. */
function valueRangeProblem(x: unknown): string | undefined {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return ` must be {min, max, nulls}, got ${show(x)}`;
  const r = x as Record<string, unknown>;
  for (const f of ['min', 'max'])
    if (!(typeof r[f] === 'string' || r[f] === null)) return `.${f} must be a string or null, got ${show(r[f])}`;
  if (typeof r.nulls !== 'boolean') return `.nulls must be a boolean, got ${show(r.nulls)}`;
  return unknownKey(r, ['min', 'max', 'nulls']);
}

/**
 * A metric's totals over a segment's records (measures/measure-totals.ts): what a query of the metric alone, with no
 * filter and no group-by, adds up from the segment. `increase` is null for metrics that are not counters.
 */
export interface ManifestMetricTotals {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly lastSum: number;
  readonly increase: number | null;
}

const totalsFields = ['count', 'sum', 'min', 'max', 'lastSum', 'increase'];

/** What is wrong with `x` as one metric's totals (`.field ...`), or undefined: six numbers, increase may be null. */
function metricTotalsProblem(x: unknown): string | undefined {
  if (x === null || typeof x !== 'object' || Array.isArray(x))
    return ` must be {${totalsFields.join(', ')}}, got ${show(x)}`;
  const t = x as Record<string, unknown>;
  for (const f of totalsFields)
    if (!(typeof t[f] === 'number' || (f === 'increase' && t[f] === null)))
      return `.${f} must be a number${f === 'increase' ? ' or null' : ''}, got ${show(t[f])}`;
  return unknownKey(t, totalsFields);
}

/** ` has an unknown key ...` when `x` holds a key outside `known`. */
function unknownKey(x: Record<string, unknown>, known: readonly string[]): string | undefined {
  const extra = Object.keys(x).find((k) => !known.includes(k));
  return extra === undefined ? undefined : ` has an unknown key ${JSON.stringify(extra)}`;
}

function show(x: unknown): string {
  return x === undefined ? 'nothing' : JSON.stringify(x);
}

/**
 * A JSON object keyed by data (column or metric names) whose values `problemOf` checks, kept as a null-prototype
 * record. A one-shot query checks each segment it takes while its code is still cold: the week's 7 manifests parsed
 * and 168 segments checked took 29 ms with a schema per entry, 18 ms with these loops (one-shot compiler flags, in
 * process; warm, 9-14 ms either way).
 */
function checkedRecord<V>(problemOf: (value: unknown) => string | undefined, expected: string) {
  return v.pipe(
    v.unknown(),
    v.rawCheck(({ dataset, addIssue }) => {
      const x = dataset.value;
      if (x === null || typeof x !== 'object' || Array.isArray(x)) {
        addIssue({ message: `must be a JSON object of ${expected}` });
        return;
      }
      for (const [key, value] of Object.entries(x)) {
        const problem = problemOf(value);
        if (problem !== undefined) {
          addIssue({ message: `${key}${problem}` });
          return;
        }
      }
    }),
    v.transform((x) => recordOf(Object.entries(x as Record<string, V>))),
  );
}

const valueRangesRecord = checkedRecord<ManifestValueRange>(valueRangeProblem, 'column: {min, max, nulls}');
const metricTotalsRecord = checkedRecord<ManifestMetricTotals>(metricTotalsProblem, 'metric: totals');

/** Rows [first, end) of a file, first < end. */
const rowRun = v.pipe(
  v.tuple([count, count]),
  v.readonly(),
  v.check(([a, b]) => a < b, 'a row run [first, end) with first < end'),
);

const segmentSchema = jsonObject({
  hour: v.nullable(hourOfDay), // hour of the day; null in the day tier
  shard: count,
  // a hot shard split by the secondary hash of the rest of the series key (absent: not split; older manifests)
  part: v.optional(count), // 0 .. parts - 1
  // the parts of this (hour, shard); each part is a segment of its own
  parts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(2))),
  rows: count, // base records
  accepted: count, // samples aggregated (sum of count)
  stats: valueRangesRecord, // per key column ('metric' and each dimension)
  // hour tier with a day tier declared: a sketch of the segment's day-tier keys, HyperLogLog bytes in base64 (what the
  // day tier's units are planned by; rollup/day-key-sketch.ts); absent in manifests written before 2026-11-28
  dayKeys: v.optional(v.string()),
  outputs: v.array(outputSchema), // base data files of this segment, in sort order
  cube: v.optional(
    jsonObject({
      tree: treeSchema,
      records: v.array(outputSchema),
      cuboidFiles: v.array(outputSchema),
      recordsByGroupingId: v.record(v.string(), count),
      cuboidRows: v.optional(dataRecord(v.string(), count)), // declared cuboid name -> rows
      metricTotals: v.optional(metricTotalsRecord), // metric -> totals (absent: older manifests)
    }),
  ),
  // day tier only: each declared cuboid at hour grain of the unit's every hour, a file each (absent: older manifests;
  // empty: no cuboid declared); what a query over whole days reads instead of each hour's segment
  hourCuboids: v.optional(
    v.array(
      jsonObject({
        cuboid: v.string(), // a declared cuboid's name
        ...outputEntries,
        runs: dataRecord(v.string(), rowRun), // metric -> rows [first, end)
      }),
    ),
  ),
});

const segmentsSchema = jsonObject({
  partitionDimension: v.string(), // the dimension whose value hashes a series into its shard
  shards: positiveCount, // shards of every hour
  hash: v.literal('fnv1a32-fmix32'), // shard = hash(UTF-8 value) mod shards; see docs/data-contract.md
  list: v.array(segmentSchema), // by hour, then shard, then part; empty (hour, shard) pairs have no segment
  partHash: v.optional(v.literal('fnv1a32-fmix32-rest-of-key')), // how split segments cut their series; see part
});

const cubeSchema = jsonObject({
  spec: jsonObject({
    dimensionsSplitOrder: v.array(v.string()),
    skipStarNodeCreationFor: v.array(v.string()),
    maxLeafRecords: v.number(),
    hierarchy: dataRecord(v.string(), v.string()),
    cuboids: v.array(jsonObject({ name: v.string(), dimensions: v.array(v.string()) })),
  }),
  tree: v.optional(treeSchema), // the whole day's tree: partitions committed before segments (each segment has its own)
  records: v.array(outputSchema), // star-tree records in tree order, with grouping_id (every segment's, in order)
  cuboids: v.array(
    jsonObject({
      name: v.string(),
      dimensions: v.array(v.string()),
      groupingId: v.pipe(v.number(), v.integer()),
      rows: v.pipe(v.number(), v.integer()),
    }),
  ),
  cuboidFiles: v.array(outputSchema), // every cuboid, sorted by grouping_id then key
  recordsByGroupingId: v.record(v.string(), count), // over the star-tree records
});

const hourTotalsSchema = v.array(jsonObject({ hour: v.nullable(hourOfDay), metrics: metricTotalsRecord }));

/** A manifest's hour totals read apart (a query of a metric alone), checked as `parseManifest` checks them. */
export function checkHourTotals(json: unknown, key: string): ManifestHourTotals[] {
  const result = v.safeParse(hourTotalsSchema, json);
  if (!result.success)
    throw new Error(
      `manifest ${key} is invalid: ${describeIssues(result.issues)
        .slice(0, 5)
        .map((i) => `hourTotals${i.startsWith('(root)') ? i.slice(6) : `.${i}`}`)
        .join('; ')}`,
    );
  return result.output;
}

/** The commit record of one rollup partition: written last, it alone makes the partition visible. */
export const manifestSchema = jsonObject({
  formatVersion: v.literal(manifestFormatVersion),
  tool: jsonObject({ name: v.string(), version: v.string() }),
  grain: v.picklist(['hour', 'day']),
  date: v.string(), // partition day, YYYY-MM-DD (UTC)
  runId: v.string(), // unique per run; not part of the data
  createdAt: v.string(), // ISO-8601 commit time; not part of the data
  configHash: v.string(), // sha256 of the canonical job config
  dimensions: v.array(v.string()), // dimension columns, in file order
  sortOrder: v.array(v.string()), // columns the rows are sorted by
  inputs: v.array(inputSchema), // every raw object read, in key order
  // raw objects under the day's prefixes not read, with the reason, in key order (absent in manifests of older
  // versions)
  ignored: v.optional(v.array(ignoredSchema)),
  outputs: v.array(outputSchema), // every data file of the partition, in sort order
  rows: jsonObject({
    in: count, // rows of this day's own raw objects (day tier: the hour records it read)
    // rows timestamped in this day found in the next day's late objects
    late: v.optional(count, 0),
    // own rows timestamped in the previous day: that day's late data, counted there
    routed: v.optional(count, 0),
    // rows aggregated (= sum of count over the outputs) = in + late - rejected - routed
    accepted: count,
    out: count, // rollup records written
    rejected: rowsPerRejectReason, // raw rows not aggregated, by reason
  }),
  // metric -> rows, for metrics missing from the catalog
  unknownMetrics: dataRecord(v.string(), count),
  // each distinct metric's distinctOf when rolled up: the dimensions its sketches count (absent in manifests written
  // before 2026-11-28 and in jobs without distinct metrics)
  distinctOf: v.optional(dataRecord(v.string(), v.array(v.string()))),
  // inputs read with absent dimension columns as null
  missingDimensions: v.array(jsonObject({ key: v.string(), columns: v.array(v.string()) })),
  cube: v.optional(cubeSchema), // the star-tree cube and cuboids, when the job defines a cube
  segments: v.optional(segmentsSchema), // absent in partitions committed before segments: one segment, the whole day
  // hour folders (hr=HH) listed so far, ascending, while `run --hour` runs have built the day (all 24 too: they never
  // list the next day's late folders); absent: a plain run listed every hour folder and the late ones
  hourFolders: v.optional(v.array(hourOfDay)),
  // each hour's totals of each metric over every segment of the hour (the day tier's units: hour null), in hour order
  // (hour-totals.ts): what a query of a metric alone reads instead of the hour's segment entries; absent in manifests
  // written before 2026-11-28 and in partitions without a cube
  hourTotals: v.optional(hourTotalsSchema),
  // where the parts of the manifest's bytes are, for a reader that reads it in part (manifest-layout.ts); absent in
  // manifests written before 2026-11-28
  layout: v.optional(layoutSchema),
});

/** A parsed, validated manifest: its data (the layout of its bytes, `manifest-layout.ts`, is checked and dropped). */
export type Manifest = Omit<v.InferOutput<typeof manifestSchema>, 'layout'>;
/** One raw input as recorded in a manifest. */
export type ManifestInput = v.InferOutput<typeof inputSchema>;
/** A raw object found under the day's prefixes but not read, as recorded in a manifest. */
export type ManifestIgnored = v.InferOutput<typeof ignoredSchema>;
/** The cube section of a manifest. */
export type ManifestCube = v.InferOutput<typeof cubeSchema>;
/** The segments section of a manifest. */
export type ManifestSegments = v.InferOutput<typeof segmentsSchema>;
/** One segment (hour x shard) as recorded in a manifest. */
export type ManifestSegment = v.InferOutput<typeof segmentSchema>;
/** A star-tree index as recorded in a manifest. */
export type ManifestTree = v.InferOutput<typeof treeSchema>;
/** One data file as recorded in a manifest. */
export type ManifestOutput = v.InferOutput<typeof outputSchema>;
/** One hour's metric totals over all its segments, as recorded in a manifest. */
export type ManifestHourTotals = NonNullable<Manifest['hourTotals']>[number];

/** Totals as a manifest records them: a NaN increase (not a counter) as null, which JSON can hold. */
export function manifestTotalsOf(t: MeasureTotals): ManifestMetricTotals {
  const { count, sum, min, max, lastSum, increase } = t;
  return { count, sum, min, max, lastSum, increase: Number.isNaN(increase) ? null : increase };
}

/** A manifest's totals as an answer adds them (a null increase is NaN: not a counter). */
export function measureTotalsOf(t: ManifestMetricTotals): MeasureTotals {
  return { count: t.count, sum: t.sum, min: t.min, max: t.max, lastSum: t.lastSum, increase: t.increase ?? Number.NaN };
}

/** Whether a key column's value range may hold `value` (a range of nulls only holds none; no range: unknown, may). */
export function rangeHolds(range: ManifestValueRange | undefined, value: string): boolean {
  if (range === undefined) return true;
  const { min, max } = range;
  if (min === null || max === null) return false;
  // code point order since 2026-11-29, UTF-16 code unit order before: within either range, the segment may hold it
  return (compareCodePoints(value, min) >= 0 && compareCodePoints(value, max) <= 0) || (value >= min && value <= max);
}

/**
 * Parses manifest bytes, naming `key` when they are not a manifest this version understands, or when its layout does
 * not locate its parts (a reader in part would misread it).
 */
export function parseManifest(bytes: Uint8Array, key: string): Manifest {
  return checkManifest(parseJson(bytes, key), key, bytes);
}

/** The JSON of manifest bytes, naming `key` when they are not JSON. */
function parseJson(bytes: Uint8Array, key: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new Error(`manifest ${key} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/**
 * `json` checked against the manifest schema, naming `key` and at most five problems when it is not a manifest; with
 * the `bytes` it was parsed from, also that its layout locates their parts.
 */
function checkManifest(json: unknown, key: string, bytes: Uint8Array | undefined): Manifest {
  const result = v.safeParse(manifestSchema, json);
  if (!result.success)
    throw new Error(`manifest ${key} is invalid: ${describeIssues(result.issues).slice(0, 5).join('; ')}`);
  const { layout, ...manifest } = result.output;
  const problem = layout && bytes ? layoutProblem(layout, bytes) : undefined;
  if (problem !== undefined) throw new Error(`manifest ${key} is invalid: ${problem} (edited in place?)`);
  return manifest;
}

/**
 * What a query reads of a manifest: every field but the lists that grow with the day and that it never reads (inputs,
 * ignored objects, outputs, missing dimensions, the cube's record and cuboid files), and of the segments their layout
 * (the list apart); the hour totals apart (only a query of a metric alone reads them).
 */
export type ManifestHead = Omit<
  Manifest,
  'inputs' | 'ignored' | 'outputs' | 'missingDimensions' | 'cube' | 'segments' | 'hourTotals'
> & {
  readonly cube?: Omit<ManifestCube, 'records' | 'cuboidFiles'>;
  readonly segments?: Omit<ManifestSegments, 'list'>;
};

/**
 * Parses manifest bytes for a query: the fields of `ManifestHead` are checked as `parseManifest` checks them; the
 * lists a query never reads are left unchecked and dropped; the segment list is set aside unchecked (`rawSegments`),
 * for `checkSegment` to check the segments a reader takes (a query takes the few of its hours, of thousands in a
 * fleet's day). A manifest from before segments is checked whole and given whole (`legacy`): its day's files make its
 * one segment.
 */
export function parseManifestHead(bytes: Uint8Array, key: string): ParsedManifestHead {
  const json = parseJson(bytes, key);
  const segments = isJsonObject(json) ? json.segments : undefined;
  const rawSegments = isJsonObject(segments) && Array.isArray(segments.list) ? (segments.list as unknown[]) : undefined;
  return checkManifestHead(json, key, rawSegments, bytes);
}

/**
 * `parseManifestHead` of parsed JSON: a whole manifest (with the `bytes` it was parsed from, whose parts its layout
 * must locate), or a head assembled from a manifest's parts (its lists empty, `rawSegments` the entries read). The
 * signatures are the layout's where it has them, else computed from the lists.
 */
export function checkManifestHead(
  json: unknown,
  key: string,
  rawSegments: unknown[] | undefined,
  bytes?: Uint8Array,
): ParsedManifestHead {
  const given = isJsonObject(json) && isJsonObject(json.layout) ? json.layout.files : undefined;
  const signatures =
    isJsonObject(given) && typeof given.inputs === 'string' && typeof given.outputs === 'string'
      ? { inputs: given.inputs, outputs: given.outputs } // checked with the layout below
      : rawFileSignatures(json, key);
  const segments = isJsonObject(json) ? json.segments : undefined;
  if (isJsonObject(json) && isJsonObject(segments) && rawSegments !== undefined) {
    // what the schema reads of the lists set aside: empty ones (the segments are checked as they are taken)
    segments.list = [];
    for (const list of ['inputs', 'outputs', 'ignored', 'missingDimensions'] as const)
      if (list in json) json[list] = [];
    if (isJsonObject(json.cube)) for (const list of ['records', 'cuboidFiles'] as const) json.cube[list] = [];
  }
  const checked = checkManifest(json, key, bytes);
  const {
    inputs: _inputs,
    ignored: _ignored,
    outputs: _outputs,
    missingDimensions: _missing,
    hourTotals,
    cube,
    segments: layout,
    ...rest
  } = checked;
  const head: ManifestHead = {
    ...rest,
    ...(cube ? { cube: (({ records: _records, cuboidFiles: _cuboidFiles, ...c }) => c)(cube) } : {}),
  };
  if (layout === undefined || rawSegments === undefined)
    return { kind: 'legacy', manifest: head, whole: checked, signatures: fileSignaturesOf(checked), hourTotals };
  const { list: _list, ...segmentLayout } = layout;
  return { kind: 'segments', manifest: { ...head, segments: segmentLayout }, rawSegments, signatures, hourTotals };
}

/**
 * The signatures of a manifest's input and output lists, read before the head's check empties them: only the fields
 * the signatures hold are checked (a manifest's every field is checked by `parseManifest`).
 */
function rawFileSignatures(json: unknown, key: string): FileSignatures {
  const listed = (list: 'inputs' | 'outputs', tag: 'etag' | 'sha256'): { key: string; tag: string | undefined }[] => {
    const entries = isJsonObject(json) ? json[list] : undefined;
    if (!Array.isArray(entries)) return []; // the manifest check names what is wrong
    return entries.map((e: unknown, i) => {
      const k = isJsonObject(e) ? e.key : undefined;
      const t = isJsonObject(e) ? e[tag] : undefined;
      if (typeof k !== 'string' || !(typeof t === 'string' || (t === undefined && tag === 'etag')))
        throw new Error(`manifest ${key} is invalid: ${list}.${i} needs a string key and ${tag}`);
      return { key: k, tag: t };
    });
  };
  return fileSignaturesOf({
    inputs: listed('inputs', 'etag').map((i) => ({ key: i.key, ...(i.tag === undefined ? {} : { etag: i.tag }) })),
    outputs: listed('outputs', 'sha256').map((o) => ({ key: o.key, sha256: o.tag ?? '' })),
  });
}

/** A manifest parsed for a query: with its segment list set aside, or whole when it has none (before segments). */
export type ParsedManifestHead =
  | {
      readonly kind: 'segments';
      readonly manifest: ManifestHead & { readonly segments: Omit<ManifestSegments, 'list'> };
      readonly rawSegments: readonly unknown[];
      readonly signatures: FileSignatures;
      readonly hourTotals: readonly ManifestHourTotals[] | undefined;
    }
  | {
      readonly kind: 'legacy';
      readonly manifest: ManifestHead;
      readonly whole: Manifest;
      readonly signatures: FileSignatures;
      readonly hourTotals: readonly ManifestHourTotals[] | undefined;
    };

/** Segment `index` of a manifest's raw segment list, checked against the manifest schema. */
export function checkSegment(raw: unknown, key: string, index: number): ManifestSegment {
  const result = v.safeParse(segmentSchema, raw);
  if (!result.success) {
    const at = `segments.list.${index}`;
    const issues = describeIssues(result.issues).map((i) => (i.startsWith('(root)') ? at + i.slice(6) : `${at}.${i}`));
    throw new Error(`manifest ${key} is invalid: ${issues.slice(0, 5).join('; ')}`);
  }
  return result.output;
}

function isJsonObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** One object a manifest lists, with the size and sha256 it was committed with. */
export interface ListedFile {
  readonly key: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** Every object a committed manifest makes visible: data files, the star-tree index, its records and the cuboids. */
export function listedFiles(manifest: Manifest): ListedFile[] {
  const segments = manifest.segments?.list ?? [];
  // array literals, not push(...): a day of many segments lists more files than a call takes arguments
  const files: readonly ListedFile[] = manifest.cube
    ? [
        ...manifest.outputs,
        ...(manifest.cube.tree ? [manifest.cube.tree] : []),
        ...segments.flatMap((s) => (s.cube ? [s.cube.tree] : [])),
        ...segments.flatMap((s) => s.hourCuboids ?? []),
        ...manifest.cube.records,
        ...manifest.cube.cuboidFiles,
      ]
    : manifest.outputs;
  return files.map((f) => ({ key: f.key, bytes: f.bytes, sha256: f.sha256 }));
}

/** The objects of one segment: its base files, and its star-tree index, records and cuboids. */
export function segmentFiles(segment: ManifestSegment): ListedFile[] {
  const files = [
    ...segment.outputs,
    ...(segment.cube ? [segment.cube.tree, ...segment.cube.records, ...segment.cube.cuboidFiles] : []),
    ...(segment.hourCuboids ?? []),
  ];
  return files.map((f) => ({ key: f.key, bytes: f.bytes, sha256: f.sha256 }));
}

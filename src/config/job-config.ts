import * as v from 'valibot';
import { dataRecord, recordOf } from './data-record.js';
import { describeIssues } from './describe-issues.js';
import { jsonObject } from './json-object.js';
import { cubeRecordMeasureColumns } from '../measures/measure-state.js';
import { unreadTextProblem } from '../ingest/value-text.js';

const identifier = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain column name (letters, digits, _)'),
);
const pathSegment = v.pipe(v.string(), v.regex(/^[a-z0-9_-]+$/, 'must be one path segment of [a-z0-9_-]'));
const nonEmpty = v.pipe(v.string(), v.minLength(1));
/**
 * A whole number from `min` up to `max` (default: the largest integer a double holds exactly). Counts handed to the
 * Parquet writer's 32-bit sizes or to typed arrays stop at 2^31 - 1: above it they wrapped (a rowGroupRows of 2^32 + 5
 * wrote 5-row row groups).
 */
const wholeAtLeast = (min: number, max: number = Number.MAX_SAFE_INTEGER) =>
  v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const int32Max = 2 ** 31 - 1;
const retentionDaysMax = 100_000; // ~273 years: far past any retention, well inside Date's range

/** How a metric aggregates; see the metric catalog in docs/data-contract.md. */
export const metricKinds = ['delta', 'cumulative', 'gauge', 'distribution', 'distinct'] as const;
export type MetricKind = (typeof metricKinds)[number];

const metricSchema = jsonObject({
  kind: v.picklist(metricKinds),
  unit: nonEmpty,
  description: nonEmpty,
  // distinct kind: the dimensions whose combined values are counted
  distinctOf: v.optional(v.pipe(v.array(identifier), v.minLength(1))),
});

const tierSchema = jsonObject({
  grain: v.picklist(['hour', 'day']),
  dropDimensions: v.optional(v.array(identifier), () => []), // dimensions this tier does not keep
  // `retention` deletes partitions whose day ended more than this many days ago; absent: kept forever
  retentionDays: v.optional(wholeAtLeast(1, retentionDaysMax)),
});

const cubeSchema = jsonObject({
  // 'metric' and dimension names, in the order the tree splits
  dimensionsSplitOrder: v.pipe(v.array(identifier), v.minLength(1)),
  skipStarNodeCreationFor: v.optional(v.array(identifier), () => ['metric']), // never aggregated away by a star node
  maxLeafRecords: v.optional(wholeAtLeast(1, int32Max), 10_000), // T: a node with more records splits further
  // child -> parent: the child is never asked for without its parent
  hierarchy: v.optional(dataRecord(identifier, identifier), () => recordOf<string>([])),
  // complete grouping sets for SQL engines
  cuboids: v.optional(
    v.array(jsonObject({ name: identifier, dimensions: v.pipe(v.array(identifier), v.minLength(1)) })),
    () => [],
  ),
});

const patternsSchema = jsonObject({
  // facts: delta metrics whose sum is a tenant's or cluster's traffic
  networkBytes: v.pipe(v.array(nonEmpty), v.minLength(1)),
  load: nonEmpty, // trend (default metric) and attribute (first series): a gauge averaged per hour
  storage: nonEmpty, // diagnose: a gauge whose point-in-time total is the storage held
  requests: nonEmpty, // attribute (second series): a delta summed per hour
});

/** Which catalog metric plays which role in the usage patterns (facts, trend, diagnose, attribute). */
export type PatternRoles = v.InferOutput<typeof patternsSchema>;

/** The kinds each pattern role accepts (a role's query only makes sense for these). */
export const patternRoleKinds: Readonly<Record<keyof PatternRoles, readonly MetricKind[]>> = {
  networkBytes: ['delta'],
  load: ['gauge'],
  storage: ['gauge'],
  requests: ['delta'],
};

/** Sections that only steer queries: they are left out of the config hash, so changing them rebuilds nothing. */
export const queryOnlySections = ['patterns'] as const;

const defaultLimits = {
  distinctValues: 2_000_000,
  groups: 5_000_000,
  valueBytes: 4096,
  memoryBytes: 1024 * 1024 * 1024,
};

/** The shape of a job definition, field by field (`validateJobConfig` adds the checks across fields). */
const jobConfigSchema = jsonObject({
  name: nonEmpty,
  raw: jsonObject({
    prefix: pathSegment,
    columns: jsonObject({ timestamp: identifier, metric: identifier, value: identifier }),
    dimensions: v.pipe(v.array(identifier), v.minLength(1), v.maxLength(30)),
    // hours of the next day's folders also read for this day's late rows
    lateArrivalHours: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(24)), 2),
    // `retention` deletes raw days that ended more than this many days ago; absent: raw is never deleted
    retentionDays: v.optional(wholeAtLeast(1, retentionDaysMax)),
  }),
  metrics: v.pipe(
    dataRecord(nonEmpty, metricSchema),
    v.check((m) => Object.keys(m).length > 0, 'must name at least one metric'),
  ),
  // skip: rows are counted as rejected, not aggregated
  unknownMetricPolicy: v.optional(v.picklist(['fail', 'skip']), 'fail'),
  cube: v.optional(cubeSchema), // star-tree cube built beside the base rollup
  patterns: v.optional(patternsSchema), // metric roles of the usage patterns; the pattern commands need it
  output: jsonObject({
    prefix: pathSegment,
    tiers: v.pipe(v.array(tierSchema), v.minLength(1)),
    targetFileBytes: v.optional(wholeAtLeast(1024), 256 * 1024 * 1024), // bytes per output file, approximate
    rowGroupRows: v.optional(wholeAtLeast(1, int32Max), 131072), // rows per Parquet row group
    limits: v.optional(
      jsonObject({
        // distinct values of one dimension per partition
        distinctValues: v.optional(wholeAtLeast(1), defaultLimits.distinctValues),
        // the longest value of a dimension or metric name, in UTF-8 bytes (each record carries its series' values)
        valueBytes: v.optional(wholeAtLeast(1, int32Max), defaultLimits.valueBytes),
        groups: v.optional(wholeAtLeast(1), defaultLimits.groups), // base records (series-hours) per segment
        // what one run may hold in memory; segments are sized so that building one stays within it
        memoryBytes: v.optional(wholeAtLeast(64 * 1024 * 1024), defaultLimits.memoryBytes),
      }),
      () => ({ ...defaultLimits }),
    ),
    // a segment is one hour times one shard of the series, sharded by a hash of the partition dimension's value
    segments: v.optional(
      jsonObject({
        partitionDimension: v.optional(identifier), // default: 'cluster' when the job has it, else the first dimension
        shards: v.optional(
          v.union([v.literal('auto'), v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1024))]),
          'auto',
        ),
      }),
      () => ({ shards: 'auto' as const }),
    ),
  }),
});

/** A validated job definition. */
export type JobConfig = v.InferOutput<typeof jobConfigSchema>;

/** A problem found by a check across fields: the field's path and what is wrong. */
interface Problem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * Validates a parsed job definition: its shape field by field, then the checks across fields (dimensions, cube,
 * metrics, patterns, tiers). Problems read `path: message`.
 */
export function validateJobConfig(
  raw: unknown,
): { readonly ok: true; readonly config: JobConfig } | { readonly ok: false; readonly problems: string[] } {
  const result = v.safeParse(jobConfigSchema, raw);
  if (!result.success) return { ok: false, problems: describeIssues(result.issues) };
  const problems = checkJobConfig(result.output);
  if (problems.length > 0)
    return { ok: false, problems: problems.map((p) => `${p.path.join('.') || '(root)'}: ${p.message}`) };
  return { ok: true, config: result.output };
}

/** The checks across fields of a config whose fields are each valid. */
function checkJobConfig(cfg: JobConfig): Problem[] {
  const problems: Problem[] = [];
  const addIssue = (path: (string | number)[], message: string): void => void problems.push({ path, message });
  const dims = cfg.raw.dimensions;
  const seen = new Set<string>();
  const seenFolded = new Map<string, string>(); // lower case -> as declared: SQL engines fold names' case
  dims.forEach((d, i) => {
    const folded = d.toLowerCase();
    if (seen.has(d)) addIssue(['raw', 'dimensions', i], `duplicate dimension '${d}'`);
    else if (seenFolded.has(folded))
      addIssue(
        ['raw', 'dimensions', i],
        `dimension '${d}' differs from '${seenFolded.get(folded)}' only in case: SQL engines read them as one column`,
      );
    if (reservedColumnNames.includes(folded))
      addIssue(
        ['raw', 'dimensions', i],
        `dimension '${d}' has the name of an output column or query field (${reservedColumnNames.join(', ')})`,
      );
    if (partitionKeyNames.includes(folded))
      addIssue(
        ['raw', 'dimensions', i],
        `dimension '${d}' has the name of a partition folder's key (dt=, hr=): SQL engines that read the folder ` +
          'names (DuckDB by default) would take the folder value for the column',
      );
    seen.add(d);
    seenFolded.set(folded, seenFolded.get(folded) ?? d);
  });
  const roles = Object.entries(cfg.raw.columns);
  roles.forEach(([role, col], i) => {
    const dimension = seenFolded.get(col.toLowerCase());
    if (dimension !== undefined)
      addIssue(
        ['raw', 'columns', role],
        `column '${col}' is also a dimension${dimension === col ? '' : ` ('${dimension}')`}`,
      );
    const earlier = roles.slice(0, i).find(([, c]) => c.toLowerCase() === col.toLowerCase());
    if (earlier) addIssue(['raw', 'columns', role], `column '${col}' is also the ${earlier[0]} column`);
  });
  if (cfg.cube) checkCube(cfg.cube, seen, addIssue);
  for (const [name, m] of Object.entries(cfg.metrics)) {
    const unread = unreadTextProblem(name);
    if (unread) addIssue(['metrics', name], `no raw metric is ever read as this name: it ${unread}`);
    if (m.kind === 'distinct' && !m.distinctOf)
      addIssue(['metrics', name, 'distinctOf'], 'a distinct metric must name the dimensions it counts');
    if (m.kind !== 'distinct' && m.distinctOf)
      addIssue(['metrics', name, 'distinctOf'], `only distinct metrics count dimensions, '${name}' is ${m.kind}`);
    m.distinctOf?.forEach((d, i) => {
      if (!seen.has(d)) addIssue(['metrics', name, 'distinctOf', i], `unknown dimension '${d}'`);
    });
    refuseRepeats(m.distinctOf ?? [], ['metrics', name, 'distinctOf'], addIssue);
  }
  if (cfg.patterns) checkPatterns(cfg.patterns, cfg.metrics, addIssue);
  const partitionDimension = partitionDimensionOf(cfg);
  if (!seen.has(partitionDimension))
    addIssue(['output', 'segments', 'partitionDimension'], `unknown dimension '${partitionDimension}'`);
  const grains = cfg.output.tiers.map((t) => t.grain);
  if (!grains.includes('hour'))
    addIssue(['output', 'tiers'], 'needs the hour tier ({"grain": "hour"}): every other tier is built from it');
  cfg.output.tiers.forEach((t, i) => {
    if (grains.indexOf(t.grain) !== i)
      addIssue(['output', 'tiers', i, 'grain'], `a second ${t.grain} tier: one tier of each grain`);
    if (t.grain === 'hour' && t.dropDimensions.length > 0)
      addIssue(
        ['output', 'tiers', i, 'dropDimensions'],
        'the hour tier keeps every dimension (the other tiers are built from it): drop dimensions in the day tier',
      );
    refuseRepeats(t.dropDimensions, ['output', 'tiers', i, 'dropDimensions'], addIssue);
    if (t.dropDimensions.includes(partitionDimension))
      addIssue(
        ['output', 'tiers', i, 'dropDimensions'],
        `drops '${partitionDimension}', the segments' partition dimension: every tier keeps it`,
      );
    t.dropDimensions.forEach((d, j) => {
      if (!seen.has(d)) addIssue(['output', 'tiers', i, 'dropDimensions', j], `unknown dimension '${d}'`);
    });
  });
  return problems;
}

/** Records a problem at a field path. */
type AddIssue = (path: (string | number)[], message: string) => void;

/** A problem for each name a list repeats (a repeat means nothing more, and a cuboid's would be written as such). */
function refuseRepeats(names: readonly string[], path: (string | number)[], addIssue: AddIssue): void {
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) addIssue([...path, i], `'${n}' is listed twice`);
  });
}

/** The keys of the Hive-style partition folders (`dt=YYYY-MM-DD`, `hr=HH`) of the raw and rollup layouts. */
const partitionKeyNames: readonly string[] = ['dt', 'hr'];

/**
 * Columns of the rollup files and fields of query answers beside the dimensions: a dimension of one of these names
 * would overwrite them.
 */
const reservedColumnNames: readonly string[] = [
  'hour',
  'metric',
  'grouping_id',
  ...cubeRecordMeasureColumns,
  'sketch',
  'time',
  'value',
];

/** The dimension whose value hashes a series into its shard: declared, else `cluster` when present, else the first. */
export function partitionDimensionOf(config: Pick<JobConfig, 'raw' | 'output'>): string {
  const declared = config.output.segments.partitionDimension;
  if (declared !== undefined) return declared;
  return config.raw.dimensions.includes('cluster') ? 'cluster' : config.raw.dimensions[0]!;
}

function checkCube(cube: v.InferOutput<typeof cubeSchema>, dims: ReadonlySet<string>, addIssue: AddIssue): void {
  const order = cube.dimensionsSplitOrder;
  const at = (path: (string | number)[], message: string): void => addIssue(['cube', ...path], message);
  if (!order.includes('metric'))
    at(['dimensionsSplitOrder'], "must include 'metric': metrics of different kinds never aggregate together");
  order.forEach((d, i) => {
    if (d !== 'metric' && !dims.has(d))
      at(['dimensionsSplitOrder', i], `unknown dimension '${d}' (use 'metric' or one of ${[...dims].join(', ')})`);
    if (order.indexOf(d) !== i) at(['dimensionsSplitOrder', i], `duplicate dimension '${d}'`);
  });
  // a raw dimension left out would be in the base files but no query could group or filter by it
  const left = [...dims].filter((d) => !order.includes(d));
  if (left.length > 0)
    at(
      ['dimensionsSplitOrder'],
      `leaves out raw dimension${left.length > 1 ? 's' : ''} ${left.map((d) => `'${d}'`).join(', ')}: every raw ` +
        "dimension is a level of the cube (a tier's dropDimensions leaves one out of that tier)",
    );
  cube.skipStarNodeCreationFor.forEach((d, i) => {
    if (!order.includes(d)) at(['skipStarNodeCreationFor', i], `'${d}' is not in dimensionsSplitOrder`);
  });
  refuseRepeats(cube.skipStarNodeCreationFor, ['cube', 'skipStarNodeCreationFor'], addIssue);
  for (const [child, parent] of Object.entries(cube.hierarchy)) {
    if (!order.includes(child) || !order.includes(parent))
      at(['hierarchy', child], `'${child}' under '${parent}': both must be in dimensionsSplitOrder`);
    else if (parent === child) at(['hierarchy', child], `'${child}' cannot be its own parent`);
    else if (order.indexOf(parent) > order.indexOf(child))
      at(['hierarchy', child], `parent '${parent}' must come before '${child}' in dimensionsSplitOrder`);
  }
  cube.cuboids.forEach((c, i) => {
    c.dimensions.forEach((d, j) => {
      if (!order.includes(d)) at(['cuboids', i, 'dimensions', j], `'${d}' is not in dimensionsSplitOrder`);
    });
    refuseRepeats(c.dimensions, ['cube', 'cuboids', i, 'dimensions'], addIssue);
    if (!c.dimensions.includes('metric'))
      at(['cuboids', i, 'dimensions'], "must include 'metric': metrics of different kinds never aggregate together");
    if (cube.cuboids.findIndex((o) => o.name === c.name) !== i)
      at(['cuboids', i, 'name'], `duplicate cuboid name '${c.name}'`);
  });
}

function checkPatterns(
  patterns: PatternRoles,
  metrics: Readonly<Record<string, { kind: MetricKind }>>,
  addIssue: AddIssue,
): void {
  const check = (role: keyof PatternRoles, metric: string, path: (string | number)[]): void => {
    const entry = Object.hasOwn(metrics, metric) ? metrics[metric] : undefined;
    const kinds = patternRoleKinds[role];
    if (!entry) addIssue(['patterns', ...path], `metric '${metric}' is not in the catalog`);
    else if (!kinds.includes(entry.kind))
      addIssue(['patterns', ...path], `'${metric}' is ${entry.kind}; ${role} needs ${kinds.join(' or ')}`);
  };
  patterns.networkBytes.forEach((m, i) => check('networkBytes', m, ['networkBytes', i]));
  refuseRepeats(patterns.networkBytes, ['patterns', 'networkBytes'], addIssue); // a repeat would be added twice
  check('load', patterns.load, ['load']);
  check('storage', patterns.storage, ['storage']);
  check('requests', patterns.requests, ['requests']);
}

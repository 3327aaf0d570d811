import { z } from 'zod';
import { dataRecord, recordOf } from './data-record.js';
import { cubeRecordMeasureColumns } from '../measures/measure-state.js';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain column name (letters, digits, _)');

/** How a metric aggregates; see the metric catalog in docs/data-contract.md. */
export const metricKinds = ['delta', 'cumulative', 'gauge', 'distribution', 'distinct'] as const;
export type MetricKind = (typeof metricKinds)[number];

const metricSchema = z.strictObject({
  kind: z.enum(metricKinds),
  unit: z.string().min(1),
  description: z.string().min(1),
  distinctOf: z.array(identifier).min(1).optional(), // distinct kind: the dimensions whose combined values are counted
});

const tierSchema = z.strictObject({
  grain: z.enum(['hour', 'day']),
  dropDimensions: z.array(identifier).default([]), // dimensions this tier does not keep
  // `retention` deletes partitions whose day ended more than this many days ago; absent: kept forever
  retentionDays: z.number().int().min(1).optional(),
});

const cubeSchema = z.strictObject({
  dimensionsSplitOrder: z.array(identifier).min(1), // 'metric' and dimension names, in the order the tree splits
  skipStarNodeCreationFor: z.array(identifier).default(['metric']), // never aggregated away by a star node
  maxLeafRecords: z.number().int().min(1).default(10_000), // T: a node with more records splits further
  // child -> parent: the child is never asked for without its parent
  hierarchy: dataRecord(identifier, identifier).default(() => recordOf<string>([])),
  // complete grouping sets for SQL engines
  cuboids: z.array(z.strictObject({ name: identifier, dimensions: z.array(identifier).min(1) })).default([]),
});

const patternsSchema = z.strictObject({
  networkBytes: z.array(z.string().min(1)).min(1), // facts: delta metrics whose sum is a tenant's or cluster's traffic
  load: z.string().min(1), // trend (default metric) and attribute (first series): a gauge averaged per hour
  storage: z.string().min(1), // diagnose: a gauge whose point-in-time total is the storage held
  requests: z.string().min(1), // attribute (second series): a delta summed per hour
});

/** Which catalog metric plays which role in the usage patterns (facts, trend, diagnose, attribute). */
export type PatternRoles = z.infer<typeof patternsSchema>;

/** The kinds each pattern role accepts (a role's query only makes sense for these). */
export const patternRoleKinds: Readonly<Record<keyof PatternRoles, readonly MetricKind[]>> = {
  networkBytes: ['delta'],
  load: ['gauge'],
  storage: ['gauge'],
  requests: ['delta'],
};

/** Sections that only steer queries: they are left out of the config hash, so changing them rebuilds nothing. */
export const queryOnlySections = ['patterns'] as const;

/** The job definition: where raw telemetry is, what it holds, and what to write. */
export const jobConfigSchema = z
  .strictObject({
    name: z.string().min(1),
    raw: z.strictObject({
      prefix: z.string().regex(/^[a-z0-9_-]+$/, 'must be one path segment of [a-z0-9_-]'),
      columns: z.strictObject({ timestamp: identifier, metric: identifier, value: identifier }),
      dimensions: z.array(identifier).min(1).max(30),
      // hours of the next day's folders also read for this day's late rows
      lateArrivalHours: z.number().int().min(0).max(24).default(2),
      // `retention` deletes raw days that ended more than this many days ago; absent: raw is never deleted
      retentionDays: z.number().int().min(1).optional(),
    }),
    metrics: dataRecord(z.string().min(1), metricSchema).refine(
      (m) => Object.keys(m).length > 0,
      'must name at least one metric',
    ),
    unknownMetricPolicy: z.enum(['fail', 'skip']).default('fail'), // skip: rows are counted as rejected, not aggregated
    cube: cubeSchema.optional(), // star-tree cube built beside the base rollup
    patterns: patternsSchema.optional(), // metric roles of the usage patterns; the pattern commands need it
    output: z.strictObject({
      prefix: z.string().regex(/^[a-z0-9_-]+$/, 'must be one path segment of [a-z0-9_-]'),
      tiers: z.array(tierSchema).min(1),
      targetFileBytes: z
        .number()
        .int()
        .min(1024)
        .default(256 * 1024 * 1024), // bytes per output file, approximate
      rowGroupRows: z.number().int().min(1).default(131072), // rows per Parquet row group
      limits: z
        .strictObject({
          distinctValues: z.number().int().min(1).default(2_000_000), // distinct values of one dimension per partition
          groups: z.number().int().min(1).default(5_000_000), // base records (series-hours) per segment
          // what one run may hold in memory; segments are sized so that building one stays within it
          memoryBytes: z
            .number()
            .int()
            .min(64 * 1024 * 1024)
            .default(1024 * 1024 * 1024),
        })
        .default({ distinctValues: 2_000_000, groups: 5_000_000, memoryBytes: 1024 * 1024 * 1024 }),
      // a segment is one hour times one shard of the series, sharded by a hash of the partition dimension's value
      segments: z
        .strictObject({
          partitionDimension: identifier.optional(), // default: 'cluster' when the job has it, else the first dimension
          shards: z.union([z.literal('auto'), z.number().int().min(1).max(1024)]).default('auto'),
        })
        .default({ shards: 'auto' }),
    }),
  })
  .superRefine((cfg, ctx) => {
    const dims = cfg.raw.dimensions;
    const seen = new Set<string>();
    dims.forEach((d, i) => {
      if (seen.has(d))
        ctx.addIssue({ code: 'custom', path: ['raw', 'dimensions', i], message: `duplicate dimension '${d}'` });
      if (reservedColumnNames.includes(d))
        ctx.addIssue({
          code: 'custom',
          path: ['raw', 'dimensions', i],
          message:
            `dimension '${d}' has the name of an output column or query field ` + `(${reservedColumnNames.join(', ')})`,
        });
      seen.add(d);
    });
    const cols = cfg.raw.columns;
    for (const [role, col] of Object.entries(cols)) {
      if (seen.has(col))
        ctx.addIssue({
          code: 'custom',
          path: ['raw', 'columns', role],
          message: `column '${col}' is also a dimension`,
        });
    }
    if (cfg.cube) checkCube(cfg.cube, seen, ctx);
    for (const [name, m] of Object.entries(cfg.metrics)) {
      if (m.kind === 'distinct' && !m.distinctOf)
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', name, 'distinctOf'],
          message: 'a distinct metric must name the dimensions it counts',
        });
      if (m.kind !== 'distinct' && m.distinctOf)
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', name, 'distinctOf'],
          message: `only distinct metrics count dimensions, '${name}' is ${m.kind}`,
        });
      m.distinctOf?.forEach((d, i) => {
        if (!seen.has(d))
          ctx.addIssue({
            code: 'custom',
            path: ['metrics', name, 'distinctOf', i],
            message: `unknown dimension '${d}'`,
          });
      });
    }
    if (cfg.patterns) checkPatterns(cfg.patterns, cfg.metrics, ctx);
    const partitionDimension = partitionDimensionOf(cfg);
    if (!seen.has(partitionDimension))
      ctx.addIssue({
        code: 'custom',
        path: ['output', 'segments', 'partitionDimension'],
        message: `unknown dimension '${partitionDimension}'`,
      });
    cfg.output.tiers.forEach((t, i) => {
      if (t.dropDimensions.includes(partitionDimension))
        ctx.addIssue({
          code: 'custom',
          path: ['output', 'tiers', i, 'dropDimensions'],
          message: `drops '${partitionDimension}', the segments' partition dimension: every tier keeps it`,
        });
      t.dropDimensions.forEach((d, j) => {
        if (!seen.has(d))
          ctx.addIssue({
            code: 'custom',
            path: ['output', 'tiers', i, 'dropDimensions', j],
            message: `unknown dimension '${d}'`,
          });
      });
    });
  });

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

/** A validated job definition. */
export type JobConfig = z.infer<typeof jobConfigSchema>;

/** The dimension whose value hashes a series into its shard: declared, else `cluster` when present, else the first. */
export function partitionDimensionOf(config: Pick<JobConfig, 'raw' | 'output'>): string {
  const declared = config.output.segments.partitionDimension;
  if (declared !== undefined) return declared;
  return config.raw.dimensions.includes('cluster') ? 'cluster' : config.raw.dimensions[0]!;
}

function checkCube(cube: z.infer<typeof cubeSchema>, dims: ReadonlySet<string>, ctx: z.RefinementCtx): void {
  const order = cube.dimensionsSplitOrder;
  const at = (path: (string | number)[], message: string): void =>
    ctx.addIssue({ code: 'custom', path: ['cube', ...path], message });
  order.forEach((d, i) => {
    if (d !== 'metric' && !dims.has(d))
      at(['dimensionsSplitOrder', i], `unknown dimension '${d}' (use 'metric' or one of ${[...dims].join(', ')})`);
    if (order.indexOf(d) !== i) at(['dimensionsSplitOrder', i], `duplicate dimension '${d}'`);
  });
  cube.skipStarNodeCreationFor.forEach((d, i) => {
    if (!order.includes(d)) at(['skipStarNodeCreationFor', i], `'${d}' is not in dimensionsSplitOrder`);
  });
  for (const [child, parent] of Object.entries(cube.hierarchy)) {
    if (!order.includes(child) || !order.includes(parent))
      at(['hierarchy', child], `'${child}' under '${parent}': both must be in dimensionsSplitOrder`);
    else if (order.indexOf(parent) > order.indexOf(child))
      at(['hierarchy', child], `parent '${parent}' must come before '${child}' in dimensionsSplitOrder`);
  }
  cube.cuboids.forEach((c, i) => {
    c.dimensions.forEach((d, j) => {
      if (!order.includes(d)) at(['cuboids', i, 'dimensions', j], `'${d}' is not in dimensionsSplitOrder`);
    });
    if (order.includes('metric') && !c.dimensions.includes('metric'))
      at(['cuboids', i, 'dimensions'], "must include 'metric': metrics of different kinds never aggregate together");
    if (cube.cuboids.findIndex((o) => o.name === c.name) !== i)
      at(['cuboids', i, 'name'], `duplicate cuboid name '${c.name}'`);
  });
}

function checkPatterns(
  patterns: PatternRoles,
  metrics: Readonly<Record<string, { kind: MetricKind }>>,
  ctx: z.RefinementCtx,
): void {
  const check = (role: keyof PatternRoles, metric: string, path: (string | number)[]): void => {
    const entry = Object.hasOwn(metrics, metric) ? metrics[metric] : undefined;
    const kinds = patternRoleKinds[role];
    if (!entry)
      ctx.addIssue({
        code: 'custom',
        path: ['patterns', ...path],
        message: `metric '${metric}' is not in the catalog`,
      });
    else if (!kinds.includes(entry.kind)) {
      ctx.addIssue({
        code: 'custom',
        path: ['patterns', ...path],
        message: `'${metric}' is ${entry.kind}; ${role} needs ${kinds.join(' or ')}`,
      });
    }
  };
  patterns.networkBytes.forEach((m, i) => check('networkBytes', m, ['networkBytes', i]));
  check('load', patterns.load, ['load']);
  check('storage', patterns.storage, ['storage']);
  check('requests', patterns.requests, ['requests']);
}

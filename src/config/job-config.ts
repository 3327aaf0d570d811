import { z } from 'zod';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain column name (letters, digits, _)');

/** How a metric aggregates; see the metric catalog in the README. */
export const metricKinds = ['delta', 'cumulative', 'gauge', 'distribution', 'distinct'] as const;
export type MetricKind = (typeof metricKinds)[number];

const metricSchema = z.strictObject({
  kind: z.enum(metricKinds),
  unit: z.string().min(1),
  description: z.string().min(1),
});

const tierSchema = z.strictObject({
  grain: z.enum(['hour', 'day']),
  dropDimensions: z.array(identifier).default([]), // dimensions this tier does not keep
});

/** The job definition: where raw telemetry is, what it holds, and what to write. */
export const jobConfigSchema = z
  .strictObject({
    name: z.string().min(1),
    raw: z.strictObject({
      prefix: z.string().regex(/^[a-z0-9_-]+$/, 'must be one path segment of [a-z0-9_-]'),
      columns: z.strictObject({ timestamp: identifier, metric: identifier, value: identifier }),
      dimensions: z.array(identifier).min(1).max(30),
    }),
    metrics: z.record(z.string().min(1), metricSchema).refine((m) => Object.keys(m).length > 0, 'must name at least one metric'),
    unknownMetricPolicy: z.enum(['fail', 'skip']).default('fail'), // skip: rows are counted as rejected, not aggregated
    output: z.strictObject({
      prefix: z.string().regex(/^[a-z0-9_-]+$/, 'must be one path segment of [a-z0-9_-]'),
      tiers: z.array(tierSchema).min(1),
      targetFileBytes: z.number().int().min(1024).default(256 * 1024 * 1024), // bytes per output file, approximate
      rowGroupRows: z.number().int().min(1).default(131072), // rows per Parquet row group
    }),
  })
  .superRefine((cfg, ctx) => {
    const dims = cfg.raw.dimensions;
    const seen = new Set<string>();
    dims.forEach((d, i) => {
      if (seen.has(d)) ctx.addIssue({ code: 'custom', path: ['raw', 'dimensions', i], message: `duplicate dimension '${d}'` });
      seen.add(d);
    });
    const cols = cfg.raw.columns;
    for (const [role, col] of Object.entries(cols)) {
      if (seen.has(col)) ctx.addIssue({ code: 'custom', path: ['raw', 'columns', role], message: `column '${col}' is also a dimension` });
    }
    cfg.output.tiers.forEach((t, i) => {
      t.dropDimensions.forEach((d, j) => {
        if (!seen.has(d)) ctx.addIssue({ code: 'custom', path: ['output', 'tiers', i, 'dropDimensions', j], message: `unknown dimension '${d}'` });
      });
    });
  });

/** A validated job definition. */
export type JobConfig = z.infer<typeof jobConfigSchema>;

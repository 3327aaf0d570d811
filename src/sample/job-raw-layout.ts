import { Field, makeData, RecordBatch, Schema, Struct, Table } from 'apache-arrow';
import type { JobConfig } from '../config/job-config.js';
import { rawSampleSchema, sampleMetrics } from './generate-sample-day.js';

/** The columns the sample fleet's raw files hold besides timestamp, metric and value. */
const sampleDimensions = rawSampleSchema.fields.slice(3).map((f) => f.name);

/** How a job reads raw files: the names of its three columns, and its dimensions. */
export type RawLayout = Pick<JobConfig['raw'], 'columns' | 'dimensions'>;

/** What of a job decides whether its run reads the sample: its raw layout and what it does with unknown metrics. */
export type SampleReader = Pick<JobConfig, 'raw' | 'metrics' | 'unknownMetricPolicy'>;

/**
 * Refuses a job whose run would not read the sample: raw dimensions the sample fleet cannot fill (it writes region,
 * tenant, cluster, broker, topic and partition; a job may read any of them, under its own names for timestamp, metric
 * and value), or a catalog without some of the sample's metrics when unknown metrics halt the run.
 */
export function checkSampleReader(job: SampleReader): void {
  const unknown = job.raw.dimensions.filter((d) => !sampleDimensions.includes(d));
  if (unknown.length > 0)
    throw new Error(
      `generate cannot write the job's raw.dimensions ${unknown.map((d) => `'${d}'`).join(', ')}: the sample fleet ` +
        `has ${sampleDimensions.join(', ')}`,
    );
  const uncatalogued = sampleMetrics.map((m) => m.name).filter((m) => !Object.hasOwn(job.metrics, m));
  if (uncatalogued.length > 0 && job.unknownMetricPolicy === 'fail')
    throw new Error(
      `generate writes metrics the job's catalog lacks (${uncatalogued.join(', ')}), and its unknownMetricPolicy ` +
        `'fail' would halt the run on them: add them to metrics, or set unknownMetricPolicy to 'skip'`,
    );
}

/** A sample file's table as the job reads raw files: its timestamp, metric and value columns renamed, its dimensions. */
export function toJobLayout(table: Table, layout: RawLayout): Table {
  const { timestamp, metric, value } = layout.columns;
  const renamed = new Map([
    ['timestamp', timestamp],
    ['metric', metric],
    ['value', value],
  ]);
  const keep = table.schema.fields.filter((f, i) => i < 3 || layout.dimensions.includes(f.name));
  const same = timestamp === 'timestamp' && metric === 'metric' && value === 'value';
  if (same && keep.length === table.schema.fields.length) return table; // the sample's own layout (the default job)
  const schema = new Schema(keep.map((f) => new Field(renamed.get(f.name) ?? f.name, f.type, f.nullable, f.metadata)));
  const at = keep.map((f) => table.schema.fields.indexOf(f));
  return new Table(
    table.batches.map((b) => {
      const children = at.map((i) => b.data.children[i]!);
      return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: b.numRows, children }));
    }),
  );
}

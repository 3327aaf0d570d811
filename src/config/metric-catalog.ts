import type { JobConfig } from './job-config.js';

/** One metric's catalog entry: kind, unit, description (and the dimensions a distinct metric counts). */
export type MetricDefinition = JobConfig['metrics'][string];

const catalogs = new WeakMap<object, ReadonlyMap<string, MetricDefinition>>();

/**
 * The job's metric catalog as a Map keyed by metric name: the one way code looks a metric up, so raw metric names
 * such as `constructor` or `__proto__` are found or not found like any other name (only own entries count, whatever
 * the prototype of the object a library caller passed).
 */
export function metricCatalog(config: Pick<JobConfig, 'metrics'>): ReadonlyMap<string, MetricDefinition> {
  let catalog = catalogs.get(config.metrics);
  if (!catalog) {
    catalog = new Map(Object.entries(config.metrics));
    catalogs.set(config.metrics, catalog);
  }
  return catalog;
}

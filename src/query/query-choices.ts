/**
 * The enumerated values of query parameters, in a module with no imports: the CLI's help text lists them without
 * loading the query engine.
 */
import type { MetricKind } from '../config/job-config.js';

/**
 * Aggregates a query can ask for. `last` is the point-in-time total: the sum over series of each series' last value;
 * `increase` sums cumulative counters' reset-corrected increases.
 */
export const queryAggregates = [
  'sum',
  'count',
  'min',
  'max',
  'avg',
  'last',
  'increase',
  'p50',
  'p90',
  'p95',
  'p99',
  'distinct',
] as const;

/** One of queryAggregates. */
export type QueryAggregate = (typeof queryAggregates)[number];

/** Which aggregates make sense for each kind of metric (the metric catalog decides the kind); the first is the default. */
export const aggregatesByKind: Readonly<Record<MetricKind, readonly QueryAggregate[]>> = {
  delta: ['sum', 'count', 'min', 'max', 'avg'],
  cumulative: ['increase', 'last', 'count'],
  gauge: ['avg', 'min', 'max', 'last', 'count'],
  distribution: ['p50', 'p90', 'p95', 'p99', 'max', 'min', 'avg', 'count'],
  distinct: ['distinct', 'count'],
};

/** Time granularities of a query. */
export const queryGrains = ['hour', 'day'] as const;

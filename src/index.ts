/** Library entry point: the query path over committed rollups, for services that embed it. */
export {
  openRollups,
  correlationOf,
  type Rollups,
  type RollupQuery,
  type RollupAnswer,
  type Series,
  type TrendAnswer,
} from './serve/open-rollups.js';
export { NoDataError, type MissingData } from './query/missing-data.js';
export {
  queryAggregates,
  aggregatesByKind,
  QueryError,
  type Query,
  type QueryAggregate,
  type QueryRow,
  type QueryExplain,
} from './query/run-query.js';
export type { JobConfig, MetricKind } from './config/job-config.js';
export type { ObjectStore, ObjectInfo } from './storage/object-store.js';
export { openStore } from './storage/open-store.js';

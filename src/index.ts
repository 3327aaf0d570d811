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
  type SegmentExplain,
} from './query/run-query.js';
export type { CubeCacheCounts } from './query/cube-cache.js';
export type { DimensionValues, ValuesRequest } from './query/list-dimension-values.js';
export type { JobConfig, MetricKind } from './config/job-config.js';
// a parsed object given to openRollups is checked as a file is; these check one before
export { ConfigError, loadJobConfig, parseJobConfig } from './config/load-job-config.js';
export { MissingPartitionError, PartitionChangedError } from './partition/load-partition.js';
// `transient`: retrying later may succeed (throttling, 5xx, timeouts; a partition committed again while read)
export { NotFoundError, ObjectChangedError, StorageError } from './storage/storage-error.js';
export type { ObjectStore, ObjectInfo } from './storage/object-store.js';
export { openStore, StoreLocationError } from './storage/open-store.js';

import type { CubeSpec } from '../cube/cube-spec.js';
import type { StarTree } from '../cube/star-tree.js';
import type { MeasureTotals } from '../measures/measure-totals.js';
import type { EncodedFile } from '../parquet/write-partition.js';
import type { HourCuboidRuns } from '../cube/hour-cuboids.js';

/**
 * Rows per row group of the star-tree record files at most: a cold query reads only the row groups its traversal
 * touches (a node's record range), so small groups keep its reads small; 8192 measured in docs/benchmarks.md.
 */
export const starTreeRowGroupRows = 8192;

/**
 * Data page size of the star-tree record files: a cold query decodes only the pages holding the records it reads
 * (about 1,024 doubles a page instead of a row group's 8,192; files ~1.5% larger).
 */
export const starTreeDataPageBytes = 8192;

/**
 * Integer columns of the star-tree record files written without a dictionary (doubles and bytes never have one): a
 * query reads `count` for every average, and a page of a dictionary-encoded int64 decoded to a BigInt per row, where a
 * plain one decodes to one BigInt64Array (files ~1.3% larger).
 */
export const starTreePlainColumns: readonly string[] = ['count'];

/** Footer bytes of a star-tree record file per row group, about (statistics of every column chunk), measured. */
export const starTreeFooterBytesPerRowGroup = 4096;

/** The size of a star-tree as a manifest records it. */
export interface StarTreeShape {
  readonly nodes: number;
  readonly records: number;
  readonly baseRecords: number; // records [0, baseRecords) are the base records
}

/** An encoded cube without its in-memory tree: what crosses from a build thread to the uploader. */
export type EncodedCubeFiles = Omit<EncodedCube, 'tree'>;

/** A built cube, encoded and ready to commit. */
export interface EncodedCube {
  readonly spec: CubeSpec;
  readonly tree: StarTree;
  readonly shape: StarTreeShape; // what the manifest records of the tree
  readonly sidecar: Uint8Array; // star-tree index, binary format 3 (cube/star-tree-index-v3.ts)
  readonly recordFiles: readonly EncodedFile[]; // star-tree records in tree order
  readonly cuboids: readonly { name: string; dimensions: readonly string[]; groupingId: number; rows: number }[];
  readonly cuboidFiles: readonly EncodedFile[]; // every cuboid's records, sorted by grouping_id then key
  readonly recordsByGroupingId: Readonly<Record<string, number>>; // over the star-tree records
  // each metric's totals over the segment (cube/metric-totals.ts): what a query of the metric alone adds up
  readonly metricTotals: ReadonlyMap<string, MeasureTotals>;
}

/** One declared cuboid of a day unit's hours at hour grain as a Parquet file, and where each metric's run lies in it. */
export interface EncodedHourCuboid {
  readonly cuboid: string;
  readonly file: EncodedFile;
  readonly runs: HourCuboidRuns;
}

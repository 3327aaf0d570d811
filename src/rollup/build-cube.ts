import { Table } from 'apache-arrow';
import type { BaseRecords } from '../ingest/base-records.js';
import { buildStarTree } from '../cube/build-star-tree.js';
import { cubeInputFromBase, type CubeInput } from './cube-from-base.js';
import { resolveLayout, type CubeSpec } from '../cube/cube-spec.js';
import { cubeRecordsToArrow, type SketchBytes } from '../partition/records-to-arrow.js';
import { computeCuboids } from '../cube/cuboids.js';
import { metricTotalsOf } from '../cube/metric-totals.js';
import { encodeStarTreeIndex } from '../cube/star-tree-index-v3.js';
import { writePartition, type WritePartitionOptions } from '../parquet/write-partition.js';
import {
  starTreeDataPageBytes,
  starTreePlainColumns,
  starTreeRowGroupRows,
  type EncodedCube,
} from '../partition/encoded-cube.js';

/** Builds the star-tree and the declared cuboids of one day's base records and encodes them as files. */
export function buildCube(
  base: BaseRecords,
  spec: CubeSpec,
  dayStartMs: number,
  output: { targetFileBytes: number; rowGroupRows: number },
  encoded: SketchBytes = new Map(), // sketch bytes the segment's other tables encoded (the base records')
): EncodedCube {
  return buildCubeFromInput(cubeInputFromBase(base, spec.dimensionsSplitOrder), spec, dayStartMs, output, encoded);
}

/** Builds and encodes the cube of records already keyed by the spec's split order (sorted dictionaries). */
export function buildCubeFromInput(
  input: CubeInput,
  spec: CubeSpec,
  dayStartMs: number,
  output: { targetFileBytes: number; rowGroupRows: number },
  encoded: SketchBytes = new Map(),
): EncodedCube {
  const tree = buildStarTree(input.records, resolveLayout(spec), input.dictionaries);
  const options = { ...output, compression: 'zstd' as const };
  const treeTable = cubeRecordsToArrow(tree.records, spec.dimensionsSplitOrder, tree.dictionaries, dayStartMs, encoded);
  const cuboids = computeCuboids(tree, spec, 24);
  const cuboidTables = cuboids.map((c) =>
    cubeRecordsToArrow(c.records, spec.dimensionsSplitOrder, tree.dictionaries, dayStartMs, encoded),
  );
  const cuboidTable = cuboidTables.length > 0 ? new Table(cuboidTables.flatMap((t) => t.batches)) : undefined;
  const recordsByGroupingId = countByGroupingId(treeTable.getChild('grouping_id')!.toArray() as Int32Array);
  return {
    spec,
    tree,
    shape: { nodes: tree.nodes.length, records: tree.records.length, baseRecords: tree.baseRecords },
    sidecar: encodeStarTreeIndex(tree, dayStartMs),
    recordFiles: writePartition(treeTable, starTreeRecordFileOptions(options)),
    cuboids: cuboids.map((c) => ({
      name: c.name,
      dimensions: c.dimensions,
      groupingId: c.groupingId,
      rows: c.records.length,
    })),
    cuboidFiles: cuboidTable ? writePartition(cuboidTable, options) : [],
    recordsByGroupingId,
    metricTotals: metricTotalsOf(tree, spec.dimensionsSplitOrder.indexOf('metric') + 1),
  };
}

/** The Parquet options of the star-tree record files, from the job's output options (zstd, as every output file). */
export function starTreeRecordFileOptions(output: {
  targetFileBytes: number;
  rowGroupRows: number;
}): WritePartitionOptions {
  return {
    ...output,
    compression: 'zstd',
    rowGroupRows: Math.min(output.rowGroupRows, starTreeRowGroupRows),
    dataPageBytes: starTreeDataPageBytes,
    plainColumns: starTreePlainColumns,
  };
}

/**
 * Records per grouping id, keyed by the id (ascending, as an object's integer keys always list). A function of its
 * own: the loop in buildCubeFromInput had it compiled on-stack and deoptimised again, several times per build thread.
 */
function countByGroupingId(ids: Int32Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (let r = 0; r < ids.length; r++) out[ids[r]!] = (out[ids[r]!] ?? 0) + 1;
  return out;
}

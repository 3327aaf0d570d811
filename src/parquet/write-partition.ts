import type { Table as ArrowTable } from 'apache-arrow';
import { measureColumnsOf, writeParquet, type WriteParquetOptions } from './write-parquet.js';

/** Options of a partition write: the file-size target plus the Parquet options of every file. */
export interface WritePartitionOptions extends WriteParquetOptions {
  readonly targetFileBytes: number; // aim for files of about this size; rows are never split across files
}

/** One encoded output file with the number of rows it holds. */
export interface EncodedFile {
  readonly bytes: Uint8Array;
  readonly rows: number;
}

/**
 * Encodes sorted rows as as few Parquet files as the size target allows, each holding a contiguous
 * slice of the sort order (so files and row groups stay sorted). Deterministic for a given table.
 */
export function writePartition(table: ArrowTable, partitionOptions: WritePartitionOptions): EncodedFile[] {
  const options = {
    ...partitionOptions,
    plainColumns: [...(partitionOptions.plainColumns ?? []), ...measureColumnsOf(table)],
  };
  const whole = writeParquet(table, options);
  if (whole.length <= options.targetFileBytes || table.numRows <= 1) return [{ bytes: whole, rows: table.numRows }];
  const files = Math.min(table.numRows, Math.ceil(whole.length / options.targetFileBytes));
  const per = Math.ceil(table.numRows / files);
  const out: EncodedFile[] = [];
  for (let start = 0; start < table.numRows; start += per) {
    const slice = table.slice(start, Math.min(table.numRows, start + per));
    out.push({ bytes: writeParquet(slice, options), rows: slice.numRows });
  }
  return out;
}

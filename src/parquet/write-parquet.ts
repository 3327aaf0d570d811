import { tableToIPC, type Table as ArrowTable } from 'apache-arrow';
import * as wasm from './parquet-wasm.js';

/** Compression codecs our writer offers (the reader accepts more). */
export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'none';

/** Options of one Parquet file write. */
export interface WriteParquetOptions {
  readonly compression?: ParquetCompression; // default zstd
  readonly rowGroupRows?: number; // rows per row group; default 131072
  readonly metadata?: ReadonlyMap<string, string>; // file key-value metadata
  readonly plainColumns?: readonly string[]; // columns written without dictionary encoding
}

const codecs: Record<ParquetCompression, wasm.Compression> = {
  zstd: wasm.Compression.ZSTD,
  snappy: wasm.Compression.SNAPPY,
  gzip: wasm.Compression.GZIP,
  none: wasm.Compression.UNCOMPRESSED,
};

/**
 * Encodes an Arrow table as Parquet bytes (min/max statistics on every column chunk and page).
 * The same table and options always give the same bytes: no clock or host name goes in.
 */
export function writeParquet(table: ArrowTable, options: WriteParquetOptions = {}): Uint8Array {
  let builder = new wasm.WriterPropertiesBuilder()
    .setCompression(codecs[options.compression ?? 'zstd'])
    .setMaxRowGroupSize(options.rowGroupRows ?? 131072)
    .setStatisticsEnabled(wasm.EnabledStatistics.Page)
    .setCreatedBy('telemetry-rollup');
  if (options.metadata) builder = builder.setKeyValueMetadata(new Map(options.metadata));
  for (const column of options.plainColumns ?? []) builder = builder.setColumnDictionaryEnabled(column, false);
  const props = builder.build();
  // writeParquet takes ownership of (and frees) both the table and the properties.
  return wasm.writeParquet(wasm.Table.fromIPCStream(tableToIPC(table, 'stream')), props);
}

import { DataType, Field, RecordBatchStreamWriter, Schema, Table, Type, type Table as ArrowTable } from 'apache-arrow';
import { arrowSchemaValueIn, hasArrowSchema, withArrowSchema } from './arrow-schema-hint.js';
import { readFooter } from './parquet-footer.js';
import * as wasm from './parquet-wasm.js';

/** Compression codecs our writer offers (the reader accepts more). */
export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'none';

/** Options of one Parquet file write. */
export interface WriteParquetOptions {
  readonly compression?: ParquetCompression; // default zstd
  readonly rowGroupRows?: number; // rows per row group; default 131072
  // file key-value metadata; with several entries their order in the footer varies from write to write (the writer
  // keeps them in a hash map): no output file carries any, so the same table gives the same bytes
  readonly metadata?: ReadonlyMap<string, string>;
  // columns written without dictionary encoding; those of floating-point type are written BYTE_STREAM_SPLIT
  readonly plainColumns?: readonly string[];
  readonly dataPageBytes?: number; // data pages cut at about this size; default 1 MiB (parquet-rs)
  readonly statistics?: boolean; // min/max statistics of column chunks and pages; default true
  readonly unsummarizedColumns?: readonly string[]; // columns written without min/max statistics (smaller footers)
}

/**
 * The columns of a record table written without dictionaries: the floating-point and binary ones (measures and
 * sketches), nearly every value distinct. Measured on a day's base records, dictionaries of them cost 25% more time and
 * 25% more bytes; on the hour cuboids' records, 35% more time and 25% more bytes than plain doubles byte-stream-split.
 */
export function measureColumnsOf(table: ArrowTable): string[] {
  return table.schema.fields.filter((f) => f.typeId === Type.Float || f.typeId === Type.Binary).map((f) => f.name);
}

const codecs: Record<ParquetCompression, wasm.Compression> = {
  zstd: wasm.Compression.ZSTD,
  snappy: wasm.Compression.SNAPPY,
  gzip: wasm.Compression.GZIP,
  none: wasm.Compression.UNCOMPRESSED,
};

/**
 * Encodes an Arrow table as Parquet bytes (min/max statistics on every column chunk and page, unless told not to).
 * The same table and options always give the same bytes: no clock or host name goes in.
 */
export function writeParquet(table: ArrowTable, options: WriteParquetOptions = {}): Uint8Array {
  let builder = wasm
    .writerPropertiesBuilder()
    .setCompression(codecs[options.compression ?? 'zstd'])
    .setMaxRowGroupSize(options.rowGroupRows ?? 131072)
    .setStatisticsEnabled(options.statistics === false ? wasm.EnabledStatistics.None : wasm.EnabledStatistics.Page)
    .setCreatedBy('telemetry-rollup');
  if (options.metadata) builder = builder.setKeyValueMetadata(new Map(options.metadata));
  if (options.dataPageBytes !== undefined) builder = builder.setDataPageSizeLimit(options.dataPageBytes);
  const floats = new Set(table.schema.fields.filter((f) => f.typeId === Type.Float).map((f) => f.name));
  for (const column of options.plainColumns ?? []) {
    builder = builder.setColumnDictionaryEnabled(column, false);
    // each byte of the values in a stream of its own: the sign and exponent bytes, alike from value to value, then
    // compress well (measured on a day's records: zstd writes them in ~20% less time, files ~4% smaller)
    if (floats.has(column)) builder = builder.setColumnEncoding(column, wasm.Encoding.BYTE_STREAM_SPLIT);
  }
  for (const column of options.unsummarizedColumns ?? [])
    builder = builder.setColumnStatisticsEnabled(column, wasm.EnabledStatistics.None);
  const props = builder.build();
  const stream = new IpcChunks().writeAll(table); // the IPC stream's pieces, views of the columns: nothing copied yet
  const decoded = wasm.tableFromIpcWrittenInPlace(stream.bytes, (target) => stream.copyTo(target));
  // writeParquet takes ownership of (and frees) both the table and the properties.
  const bytes = wasm.writeParquet(decoded, props);
  return table.schema.fields.some((f) => DataType.isDictionary(f.type)) ? withUtf8Schema(bytes, table.schema) : bytes;
}

/**
 * The file with the Arrow schema its footer carries (`ARROW:schema`) replaced by the one of the same table with every
 * Dictionary<Utf8> column a Utf8 one: readers that honour the Arrow schema (pyarrow, Polars) read the columns as
 * strings, as they always have, not as categoricals. The value is the writer's own (of an empty table of that schema),
 * so a file whose chunks are a Utf8 column's is that column's file byte for byte.
 */
function withUtf8Schema(bytes: Uint8Array, schema: Schema): Uint8Array {
  const footer = readFooter(bytes);
  if (!hasArrowSchema(footer)) return bytes;
  const [body, tail] = withArrowSchema(bytes, footer, writerSchemaValueOf(utf8SchemaOf(schema)));
  const out = new Uint8Array(body.length + tail.length);
  out.set(body);
  out.set(tail, body.length);
  return out;
}

/** The schema with each Dictionary<Utf8> field a Utf8 field of the same name, nullability and metadata. */
function utf8SchemaOf(schema: Schema): Schema {
  return new Schema(
    schema.fields.map((f) =>
      DataType.isDictionary(f.type) ? new Field(f.name, f.type.dictionary, f.nullable, f.metadata) : f,
    ),
    schema.metadata,
  );
}

const writerSchemaValues = new Map<string, string>(); // schema -> the ARROW:schema value the writer gives it

/** The `ARROW:schema` value the writer gives a file of this schema (written once, empty, per schema). */
function writerSchemaValueOf(schema: Schema): string {
  const key = JSON.stringify(schema.fields.map((f) => [f.name, String(f.type), f.nullable, [...f.metadata]]));
  let value = writerSchemaValues.get(key);
  if (value === undefined) {
    value = arrowSchemaValueIn(readFooter(writeParquet(new Table(schema), { compression: 'none', statistics: false })));
    if (value === undefined)
      throw new Error(`parquet writer wrote no ARROW:schema for ${schema.fields.length} columns`);
    writerSchemaValues.set(key, value);
  }
  return value;
}

/**
 * An Arrow IPC stream writer that keeps the pieces it writes (message headers, padding and views of the column
 * buffers) instead of queueing copies and joining them into one new buffer: the pieces are copied once, straight into
 * the Parquet writer's memory (tableToIPC copied every byte twice, into fresh pages, before parquet-wasm's own copy).
 */
class IpcChunks extends RecordBatchStreamWriter {
  readonly chunks: Uint8Array[] = [];
  bytes = 0; // total length of the stream

  /** Keeps a view of `chunk` (what RecordBatchWriter._write would queue as a copy). */
  protected override _write(chunk: ArrayBufferView | ArrayBufferLike | string | null | undefined): this {
    if (!this._started || chunk === null || chunk === undefined) return this;
    if (!ArrayBuffer.isView(chunk)) throw new Error(`parquet write IPC stream piece of type ${typeof chunk}`);
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (bytes.length === 0) return this;
    this.chunks.push(bytes);
    this.bytes += bytes.length;
    this._position += bytes.length;
    return this;
  }

  /** Copies the whole stream into `target` (exactly `bytes` long). */
  copyTo(target: Uint8Array): void {
    let at = 0;
    for (const c of this.chunks) {
      target.set(c, at);
      at += c.length;
    }
  }
}

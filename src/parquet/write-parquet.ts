import { DataType, Field, RecordBatchStreamWriter, Schema, Table, Type, type Table as ArrowTable } from 'apache-arrow';
import { keyValueMetadataField, readFooter } from './parquet-footer.js';
import { readBinary, readStructList, writeStruct, writeStructList } from './thrift-compact.js';
import * as wasm from './parquet-wasm.js';

/** Compression codecs our writer offers (the reader accepts more). */
export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'none';

/** Options of one Parquet file write. */
export interface WriteParquetOptions {
  readonly compression?: ParquetCompression; // default zstd
  readonly rowGroupRows?: number; // rows per row group; default 131072
  readonly metadata?: ReadonlyMap<string, string>; // file key-value metadata
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
  let builder = new wasm.WriterPropertiesBuilder()
    .setCompression(codecs[options.compression ?? 'zstd'])
    .setMaxRowGroupSize(options.rowGroupRows ?? 131072)
    .setStatisticsEnabled(options.statistics === false ? wasm.EnabledStatistics.None : wasm.EnabledStatistics.Page)
    .setCreatedBy('telemetry-rollup');
  if (options.metadata) builder = builder.setKeyValueMetadata(new Map(options.metadata));
  if (options.dataPageBytes !== undefined) builder = builder.setDataPageSizeLimit(options.dataPageBytes);
  const floats = new Set(table.schema.fields.filter((f) => f.typeId === Type.Float).map((f) => f.name));
  // a dictionary-coded column written without a dictionary gets other pages than its Utf8 column: never asked for
  const coded = table.schema.fields.filter((f) => DataType.isDictionary(f.type)).map((f) => f.name);
  const plainCoded = (options.plainColumns ?? []).filter((c) => coded.includes(c));
  if (plainCoded.length > 0)
    throw new Error(`parquet write: dictionary-coded column ${plainCoded.join(', ')} cannot be written plain`);
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
 * Dictionary<Utf8> column a Utf8 one: the column chunks are the same bytes either way, and readers that honour the
 * Arrow schema (pyarrow, Polars) read the columns as strings, as they always have, not as categoricals.
 */
function withUtf8Schema(bytes: Uint8Array, schema: Schema): Uint8Array {
  const footer = readFooter(bytes);
  const entries = footer.fields.find((f) => f.id === keyValueMetadataField);
  if (!entries) return bytes;
  const utf8 = arrowSchemaValueOf(utf8SchemaOf(schema));
  const list = readStructList(entries.value).map((kv) =>
    kv.some((f) => f.id === 1 && readBinary(f.value) === arrowSchemaKey)
      ? kv.map((f) => (f.id === 2 ? { ...f, value: utf8 } : f))
      : kv,
  );
  const rewritten = writeStruct(
    footer.fields.map((f) => (f.id === keyValueMetadataField ? { ...f, value: writeStructList(list) } : f)),
  );
  const out = new Uint8Array(footer.start + rewritten.length + 8);
  out.set(bytes.subarray(0, footer.start));
  out.set(rewritten, footer.start);
  new DataView(out.buffer).setUint32(footer.start + rewritten.length, rewritten.length, true);
  out.set(bytes.subarray(bytes.length - 4), out.length - 4); // PAR1
  return out;
}

const arrowSchemaKey = 'ARROW:schema';

/** The schema with each Dictionary<Utf8> field a Utf8 field of the same name, nullability and metadata. */
function utf8SchemaOf(schema: Schema): Schema {
  return new Schema(
    schema.fields.map((f) =>
      DataType.isDictionary(f.type) ? new Field(f.name, f.type.dictionary, f.nullable, f.metadata) : f,
    ),
    schema.metadata,
  );
}

const arrowSchemaValues = new Map<string, Uint8Array>(); // schema -> its ARROW:schema value (thrift binary)

/** The thrift value of `ARROW:schema` that the writer gives a file of this schema (written once, empty, per schema). */
function arrowSchemaValueOf(schema: Schema): Uint8Array {
  const key = JSON.stringify(schema.fields.map((f) => [f.name, String(f.type), f.nullable, [...f.metadata]]));
  let value = arrowSchemaValues.get(key);
  if (!value) {
    const empty = writeParquet(new Table(schema), { compression: 'none', statistics: false });
    const kv = readFooter(empty).fields.find((f) => f.id === keyValueMetadataField);
    const entry =
      kv && readStructList(kv.value).find((e) => e.some((f) => f.id === 1 && readBinary(f.value) === arrowSchemaKey));
    value = entry?.find((f) => f.id === 2)?.value;
    if (!value)
      throw new Error(`parquet writer wrote no ${arrowSchemaKey} for a schema of ${schema.fields.length} columns`);
    arrowSchemaValues.set(key, value);
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

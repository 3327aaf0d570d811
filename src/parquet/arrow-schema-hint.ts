import { Dictionary, Field, Int32, Schema, tableToIPC, Table, Type, Utf8, type DataType } from 'apache-arrow';
import { keyValueMetadataField, type ParquetFooter } from './parquet-footer.js';
import { readBinary, readStructList, thriftType, binaryValue, writeStruct, writeStructList, type ThriftField } from './thrift-compact.js';

/**
 * The decoder (arrow-rs) turns a Parquet string column into an Arrow Dictionary column, keeping the file's own
 * dictionary pages as codes instead of one decoded string per row, only when the file's `ARROW:schema` metadata asks
 * for it. Files from Spark, DuckDB or Kafka Connect carry no such entry, so we put one in the footer before decoding.
 */

const arrowSchemaKey = 'ARROW:schema';

/** `schema` with the named string columns turned into Dictionary<Int32, Utf8>; undefined when none changes. */
export function dictionaryHint(schema: Schema, columns: ReadonlySet<string>): Schema | undefined {
  let changed = false;
  let id = Math.max(-1, ...[...schema.dictionaries.keys()]) + 1;
  const fields = schema.fields.map((f) => {
    if (!columns.has(f.name) || !isString(f.type)) return f;
    changed = true;
    return new Field(f.name, new Dictionary(new Utf8(), new Int32(), id++), f.nullable, f.metadata);
  });
  return changed ? new Schema(fields, schema.metadata) : undefined;
}

/** The `ARROW:schema` value for `schema`: its IPC schema message (continuation marker and length first), base64. */
export function arrowSchemaValue(schema: Schema): string {
  const stream = tableToIPC(new Table(schema), 'stream');
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const length = view.getInt32(4, true);
  return Buffer.from(stream.subarray(0, 8 + length)).toString('base64');
}

/**
 * The Parquet file `bytes` (whose footer is `footer`) with the footer's `ARROW:schema` entry set to `schemaValue`
 * (other entries kept), as two parts: the unchanged body (a view, not a copy), then the new footer and trailer. Column
 * chunk offsets count from the start of the file, which is unchanged, so only the footer is rewritten.
 */
export function withArrowSchema(bytes: Uint8Array, { fields, start }: ParquetFooter, schemaValue: string): [Uint8Array, Uint8Array] {
  const old = fields.find((f) => f.id === keyValueMetadataField && f.type === thriftType.list);
  const entries = old ? readStructList(old.value).filter((kv) => keyOf(kv) !== arrowSchemaKey) : [];
  entries.push([
    { id: 1, type: thriftType.binary, value: binaryValue(arrowSchemaKey) },
    { id: 2, type: thriftType.binary, value: binaryValue(schemaValue) },
  ]);
  const kept = fields.filter((f) => f.id !== keyValueMetadataField);
  const footer = writeStruct([...kept, { id: keyValueMetadataField, type: thriftType.list, value: writeStructList(entries) }]);
  const tail = new Uint8Array(footer.length + 8);
  tail.set(footer);
  new DataView(tail.buffer).setUint32(footer.length, footer.length, true);
  tail.set(bytes.subarray(bytes.length - 4), footer.length + 4);
  return [bytes.subarray(0, start), tail];
}

function keyOf(entry: readonly ThriftField[]): string | undefined {
  const key = entry.find((f) => f.id === 1 && f.type === thriftType.binary);
  return key ? readBinary(key.value) : undefined;
}

function isString(type: DataType): boolean {
  return type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8;
}

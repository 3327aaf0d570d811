import {
  Binary,
  Dictionary,
  Field,
  Int32,
  Schema,
  tableToIPC,
  Table,
  TimestampMicrosecond,
  Type,
  Utf8,
  type DataType,
} from 'apache-arrow';
import {
  keyValueMetadataField,
  schemaElements,
  schemaField,
  topLevelIndexes,
  type ParquetFooter,
} from './parquet-footer.js';
import {
  readBinary,
  readInteger,
  readStructFields,
  readStructList,
  thriftType,
  binaryValue,
  writeStruct,
  writeStructList,
  type ThriftField,
} from './thrift-compact.js';
import { projectFooterFields } from './project-footer.js';

/**
 * The decoder (arrow-rs) turns a Parquet string column into an Arrow Dictionary column, keeping the file's own
 * dictionary pages as codes instead of one decoded string per row, only when the file's `ARROW:schema` metadata asks
 * for it. Files from Spark, DuckDB or Kafka Connect carry no such entry, so we put one in the footer before decoding.
 */

const arrowSchemaKey = 'ARROW:schema';

/**
 * `schema` with the named string columns turned into Dictionary<Int32, Utf8>; undefined when none changes. With
 * `bytes`, string and binary columns become Dictionary<Int32, Binary> instead: their values' bytes as they are, so a
 * string column holding invalid UTF-8 is read (the caller keeps such bytes distinct) rather than refused by the
 * decoder.
 */
export function dictionaryHint(schema: Schema, columns: ReadonlySet<string>, bytes = false): Schema | undefined {
  let changed = false;
  let id = Math.max(-1, ...[...schema.dictionaries.keys()]) + 1;
  const fields = schema.fields.map((f) => {
    if (!columns.has(f.name) || !(isString(f.type) || (bytes && isBinary(f.type)))) return f;
    changed = true;
    return new Field(
      f.name,
      new Dictionary(bytes ? new Binary() : new Utf8(), new Int32(), id++),
      f.nullable,
      f.metadata,
    );
  });
  return changed ? new Schema(fields, schema.metadata) : undefined;
}

/**
 * `schema` with the named INT96 columns as microsecond timestamps. Without it the decoder reads INT96 (a Julian day
 * and nanoseconds of the day) into int64 nanoseconds, which wrap past 1677-2262: an instant of 2611 read as one of
 * 2026, in a day's hours. Microseconds hold any INT96 day of ±292,000 years, as DuckDB and Spark read INT96.
 */
export function int96Hint(schema: Schema, columns: ReadonlySet<string>): Schema {
  return new Schema(
    schema.fields.map((f) =>
      columns.has(f.name) ? new Field(f.name, new TimestampMicrosecond(), f.nullable, f.metadata) : f,
    ),
    schema.metadata,
  );
}

/** The `ARROW:schema` value for `schema`: its IPC schema message (continuation marker and length first), base64. */
export function arrowSchemaValue(schema: Schema): string {
  const stream = tableToIPC(new Table(schema), 'stream');
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const length = view.getInt32(4, true);
  return Buffer.from(stream.subarray(0, 8 + length)).toString('base64');
}

/**
 * The Parquet file `bytes` (whose footer is `parsed`) with the footer's `ARROW:schema` entry set to `schemaValue`
 * (null: removed; other entries kept), as two parts: the unchanged body (a view, not a copy), then the new footer and
 * trailer. Column chunk offsets count from the start of the file, which is unchanged, so only the footer is rewritten.
 * The top-level BYTE_ARRAY columns named in `asBytes` lose their text annotation (STRING, ENUM, JSON): the decoder
 * then reads their bytes without checking UTF-8 (it will not read a text column as Binary, whatever the hint says).
 * With `keep`, the footer lists only those top-level columns (`projectFooterFields`; `schemaValue` must then describe
 * only them), so the decoder decodes no other.
 */
export function withArrowSchema(
  bytes: Uint8Array,
  parsed: ParquetFooter,
  schemaValue: string | null,
  asBytes: ReadonlySet<string> = new Set(),
  keep?: ReadonlySet<string>,
): [Uint8Array, Uint8Array] {
  const { start } = parsed;
  const annotated = asBytes.size === 0 ? parsed.fields : withoutTextAnnotations(parsed, asBytes);
  const fields = (keep && projectFooterFields({ fields: annotated, start }, keep)) || annotated;
  const old = fields.find((f) => f.id === keyValueMetadataField && f.type === thriftType.list);
  const entry = (value: string): ThriftField[] => [
    { id: 1, type: thriftType.binary, value: binaryValue(arrowSchemaKey) },
    { id: 2, type: thriftType.binary, value: binaryValue(value) },
  ];
  // replaced where it stands (the writer's other entries keep their order), added last, or removed
  const listed = old ? readStructList(old.value) : [];
  const entries = listed.flatMap((kv) =>
    keyOf(kv) !== arrowSchemaKey ? [kv] : schemaValue === null ? [] : [entry(schemaValue)],
  );
  if (schemaValue !== null && !listed.some((kv) => keyOf(kv) === arrowSchemaKey)) entries.push(entry(schemaValue));
  const kept = fields.filter((f) => f.id !== keyValueMetadataField);
  const footer = writeStruct([
    ...kept,
    ...(entries.length > 0
      ? [{ id: keyValueMetadataField, type: thriftType.list, value: writeStructList(entries) }]
      : []),
  ]);
  const tail = new Uint8Array(footer.length + 8);
  tail.set(footer);
  new DataView(tail.buffer).setUint32(footer.length, footer.length, true);
  tail.set(bytes.subarray(bytes.length - 4), footer.length + 4);
  return [bytes.subarray(0, start), tail];
}

/** The footer's fields with the text annotations of the named top-level BYTE_ARRAY columns removed. */
function withoutTextAnnotations(footer: ParquetFooter, columns: ReadonlySet<string>): readonly ThriftField[] {
  const elements = schemaElements(footer);
  let changed = false;
  for (const at of topLevelIndexes(elements)) {
    const element = elements[at]!;
    const name = element.find((f) => f.id === 4 && f.type === thriftType.binary);
    const physical = element.find((f) => f.id === 1 && f.type === thriftType.i32);
    if (!name || !columns.has(readBinary(name.value)) || !physical || readInteger(physical.value) !== byteArray)
      continue;
    elements[at] = element.filter((f) => !isTextAnnotation(f));
    changed ||= elements[at]!.length !== element.length;
  }
  if (!changed) return footer.fields;
  const schema: ThriftField = { id: schemaField, type: thriftType.list, value: writeStructList(elements) };
  return footer.fields.map((f) => (f.id === schemaField ? schema : f));
}

const byteArray = 6; // Parquet physical type BYTE_ARRAY
const textConverted = new Set([0, 4, 19]); // ConvertedType UTF8, ENUM, JSON
const textLogical = new Set([1, 4, 12]); // LogicalType STRING, ENUM, JSON

function isTextAnnotation(f: ThriftField): boolean {
  if (f.id === 6 && f.type === thriftType.i32) return textConverted.has(readInteger(f.value));
  if (f.id === 10 && f.type === thriftType.struct) {
    const member = readStructFields(f.value)[0];
    return member !== undefined && textLogical.has(member.id);
  }
  return false;
}

/** The footer's `ARROW:schema` value (base64), if it holds one. */
export function arrowSchemaValueIn(parsed: ParquetFooter): string | undefined {
  const kv = parsed.fields.find((f) => f.id === keyValueMetadataField && f.type === thriftType.list);
  const entry = kv && readStructList(kv.value).find((e) => keyOf(e) === arrowSchemaKey);
  const value = entry?.find((f) => f.id === 2 && f.type === thriftType.binary);
  return value && readBinary(value.value);
}

/** Whether the footer holds an `ARROW:schema` entry (the writer's Arrow schema, which the decoder follows). */
export function hasArrowSchema(parsed: ParquetFooter): boolean {
  const kv = parsed.fields.find((f) => f.id === keyValueMetadataField && f.type === thriftType.list);
  return kv !== undefined && readStructList(kv.value).some((entry) => keyOf(entry) === arrowSchemaKey);
}

function keyOf(entry: readonly ThriftField[]): string | undefined {
  const key = entry.find((f) => f.id === 1 && f.type === thriftType.binary);
  return key ? readBinary(key.value) : undefined;
}

function isString(type: DataType): boolean {
  return type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8 || type.typeId === Type.Utf8View;
}

function isBinary(type: DataType): boolean {
  return type.typeId === Type.Binary || type.typeId === Type.LargeBinary || type.typeId === Type.BinaryView;
}

import { readInteger, readListSize, readStructFields, thriftType, type ThriftField } from './thrift-compact.js';

/** A file's footer (FileMetaData) as its top-level fields, and the offset where it starts. */
export interface ParquetFooter {
  readonly fields: readonly ThriftField[];
  readonly start: number;
}

const schemaField = 2; // FileMetaData.schema: list<SchemaElement>
const numRowsField = 3; // FileMetaData.num_rows: i64
const rowGroupsField = 4; // FileMetaData.row_groups: list<RowGroup>
export const keyValueMetadataField = 5; // FileMetaData.key_value_metadata: list<KeyValue{1: key, 2: value}>

/** The footer of the Parquet file `bytes` (magic bytes already checked). */
export function readFooter(bytes: Uint8Array): ParquetFooter {
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 8, true);
  const start = bytes.length - 8 - footerLength;
  if (start < 4) throw new RangeError(`footer length ${footerLength} exceeds the file (${bytes.length} bytes)`);
  return { fields: readStructFields(bytes.subarray(start, bytes.length - 8)), start };
}

/** Rows and row groups the footer declares. */
export function footerCounts({ fields }: ParquetFooter): { rows: number; rowGroups: number } {
  const rows = fields.find((f) => f.id === numRowsField && f.type === thriftType.i64);
  const groups = fields.find((f) => f.id === rowGroupsField && f.type === thriftType.list);
  if (!rows || !groups) throw new RangeError('footer lacks num_rows or row_groups');
  return { rows: readInteger(rows.value), rowGroups: readListSize(groups.value) };
}

/**
 * What the decoder's Arrow schema of a file depends on: its Parquet schema and its key-value metadata (where an
 * `ARROW:schema` may already be). Files with equal keys decode to the same Arrow schema.
 */
export function schemaKeyOf({ fields }: ParquetFooter): string {
  const part = (id: number): string => Buffer.from(fields.find((f) => f.id === id)?.value ?? new Uint8Array(0)).toString('latin1');
  return `${part(schemaField)}\u0000${part(keyValueMetadataField)}`;
}

import {
  readInteger,
  readListSize,
  readStructFields,
  readStructList,
  thriftType,
  type ThriftField,
} from './thrift-compact.js';

/** A file's footer (FileMetaData) as its top-level fields, and the offset where it starts. */
export interface ParquetFooter {
  readonly fields: readonly ThriftField[];
  readonly start: number;
}

export const schemaField = 2; // FileMetaData.schema: list<SchemaElement>
const numRowsField = 3; // FileMetaData.num_rows: i64
export const rowGroupsField = 4; // FileMetaData.row_groups: list<RowGroup>
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

/** The footer's schema: its SchemaElements in depth-first order (the root first), each as its top-level fields. */
export function schemaElements({ fields }: ParquetFooter): ThriftField[][] {
  const schema = fields.find((f) => f.id === schemaField && f.type === thriftType.list);
  return schema ? readStructList(schema.value) : [];
}

/** The indexes in `elements` (a footer's schema, depth first) of the root's children: the top-level columns. */
export function topLevelIndexes(elements: readonly (readonly ThriftField[])[]): number[] {
  const out: number[] = [];
  const root = elements[0];
  if (!root) return out;
  let at = 1;
  for (let c = 0; c < childCount(root) && at < elements.length; c++) {
    out.push(at);
    at = subtreeEnd(elements, at);
  }
  return out;
}

/** The index just past the subtree of the element at `at`. */
export function subtreeEnd(elements: readonly (readonly ThriftField[])[], at: number): number {
  let next = at + 1;
  const children = childCount(elements[at]!);
  for (let c = 0; c < children && next < elements.length; c++) next = subtreeEnd(elements, next);
  return next;
}

/** SchemaElement.num_children (field 5); 0 for a leaf. */
export function childCount(element: readonly ThriftField[]): number {
  const f = element.find((x) => x.id === 5 && x.type === thriftType.i32);
  return f ? readInteger(f.value) : 0;
}

/**
 * What the decoder's Arrow schema of a file depends on: its Parquet schema and its key-value metadata (where an
 * `ARROW:schema` may already be). Files with equal keys decode to the same Arrow schema.
 */
export function schemaKeyOf({ fields }: ParquetFooter): string {
  const part = (id: number): string =>
    Buffer.from(fields.find((f) => f.id === id)?.value ?? new Uint8Array(0)).toString('latin1');
  return `${part(schemaField)}\u0000${part(keyValueMetadataField)}`;
}

import {
  childCount,
  rowGroupsField,
  schemaElements,
  schemaField,
  subtreeEnd,
  topLevelIndexes,
  type ParquetFooter,
} from './parquet-footer.js';
import {
  integerValue,
  readBinary,
  readStructList,
  thriftType,
  writeStructList,
  type ThriftField,
} from './thrift-compact.js';

/*
 * parquet-wasm's in-memory decoder (`readParquet`) ignores its `columns` option: it decodes every column of the row
 * group. A footer that lists only some columns makes it decode only those: the column chunks stay where they are in
 * the file (their offsets count from its start), so only the footer changes.
 */

const columnOrdersField = 7; // FileMetaData.column_orders: list<ColumnOrder>, one per leaf column
const encryptionFields = new Set([8, 9]); // FileMetaData.encryption_algorithm, footer_signing_key_metadata
const rowGroupColumnsField = 1; // RowGroup.columns: list<ColumnChunk>, one per leaf column
const rowGroupSortingField = 4; // RowGroup.sorting_columns: list<SortingColumn> (by leaf index)
const numChildrenField = 5; // SchemaElement.num_children
const nameField = 4; // SchemaElement.name

/** The top-level column names of a footer's schema, in file order. */
export function topLevelNames(footer: ParquetFooter): string[] {
  const elements = schemaElements(footer);
  return topLevelIndexes(elements).map((at) => nameOf(elements[at]!));
}

/**
 * The footer's top-level fields with only the top-level columns in `keep` (their schema subtrees, their column chunks
 * in every row group, their column orders); undefined when it keeps them all, or cannot be projected safely (an
 * encrypted footer, or a schema whose leaves do not match its row groups' column chunks). Row groups lose their
 * sorting columns, which count leaves of the whole schema.
 */
export function projectFooterFields(
  footer: ParquetFooter,
  keep: ReadonlySet<string>,
): readonly ThriftField[] | undefined {
  if (footer.fields.some((f) => encryptionFields.has(f.id))) return undefined;
  const elements = schemaElements(footer);
  const tops = topLevelIndexes(elements);
  const keptElements: (readonly ThriftField[])[] = [];
  const keptLeaves: boolean[] = []; // by leaf index, in schema order
  let keptColumns = 0;
  for (const at of tops) {
    const kept = keep.has(nameOf(elements[at]!));
    const end = subtreeEnd(elements, at);
    for (let e = at; e < end; e++) {
      if (kept) keptElements.push(elements[e]!);
      if (childCount(elements[e]!) === 0) keptLeaves.push(kept);
    }
    if (kept) keptColumns++;
  }
  if (keptColumns === tops.length || elements.length === 0) return undefined;
  const root = elements[0]!.map((f) => (f.id === numChildrenField ? { ...f, value: integerValue(keptColumns) } : f));
  const keptOf = <T>(list: readonly T[]): T[] | undefined =>
    list.length === keptLeaves.length ? list.filter((_, leaf) => keptLeaves[leaf]) : undefined;
  const out: ThriftField[] = [];
  for (const f of footer.fields) {
    if (f.id === schemaField && f.type === thriftType.list) {
      out.push({ ...f, value: writeStructList([root, ...keptElements]) });
    } else if (f.id === rowGroupsField && f.type === thriftType.list) {
      const groups: (readonly ThriftField[])[] = [];
      for (const group of readStructList(f.value)) {
        const projected = projectRowGroup(group, keptOf);
        if (!projected) return undefined;
        groups.push(projected);
      }
      out.push({ ...f, value: writeStructList(groups) });
    } else if (f.id === columnOrdersField && f.type === thriftType.list) {
      const orders = keptOf(readStructList(f.value));
      if (!orders) return undefined;
      out.push({ ...f, value: writeStructList(orders) });
    } else out.push(f);
  }
  return out;
}

/** A RowGroup's fields with only the kept leaves' column chunks and no sorting columns; undefined if they mismatch. */
function projectRowGroup(
  group: readonly ThriftField[],
  keptOf: (chunks: readonly (readonly ThriftField[])[]) => (readonly ThriftField[])[] | undefined,
): ThriftField[] | undefined {
  const out: ThriftField[] = [];
  for (const f of group) {
    if (f.id === rowGroupSortingField) continue;
    if (f.id === rowGroupColumnsField && f.type === thriftType.list) {
      const chunks = keptOf(readStructList(f.value));
      if (!chunks) return undefined;
      out.push({ ...f, value: writeStructList(chunks) });
    } else out.push(f);
  }
  return out;
}

function nameOf(element: readonly ThriftField[]): string {
  const f = element.find((x) => x.id === nameField && x.type === thriftType.binary);
  return f ? readBinary(f.value) : '';
}
